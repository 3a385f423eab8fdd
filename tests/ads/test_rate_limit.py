"""Submissions are limited per IP address and per e-mail address, counted in the database."""

import threading
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.utils import timezone

from ads.models import JobAd, SubmissionAttempt

from .test_submit_form import URL, form_data


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.ADS_SUBMIT_LIMIT_PER_IP = 3
    settings.ADS_SUBMIT_LIMIT_PER_EMAIL = 2


def post(client, ip, email, n):
    return client.post(
        URL, form_data(contact_email=email, title=f"Stelle {n} (m/w/d)"), REMOTE_ADDR=ip
    )


@pytest.mark.django_db
def test_limit_per_ip_address(client):
    for n in range(3):
        assert post(client, "192.0.2.10", f"person{n}@example.org", n).status_code == 302
        cache.clear()  # the limit does not live in a per-process cache
    response = post(client, "192.0.2.10", "noch-jemand@example.org", 4)
    assert response.status_code == 429
    assert "mehrere Anzeigen eingereicht" in response.text
    assert JobAd.objects.count() == 3
    # Another address is not affected.
    assert post(client, "192.0.2.99", "andere@example.org", 5).status_code == 302


@pytest.mark.django_db
def test_limit_per_email_address_across_ip_addresses(client):
    assert post(client, "192.0.2.1", "Chef@Example.org", 1).status_code == 302
    assert post(client, "192.0.2.2", "chef@example.org", 2).status_code == 302
    response = post(client, "192.0.2.3", "chef@example.org", 3)
    assert response.status_code == 429
    assert JobAd.objects.count() == 2


@pytest.mark.django_db
def test_ipv6_addresses_of_one_connection_share_a_limit(client):
    """A /64 belongs to one connection: new addresses in it are no way around the limit."""
    codes = [post(client, f"2001:db8:1:2::{n}", f"p{n}@x.example", n).status_code for n in range(4)]
    assert codes == [302, 302, 302, 429]
    assert post(client, "2001:db8:1:3::1", "nachbar@example.org", 9).status_code == 302


@pytest.mark.django_db
def test_the_window_passes(client, settings):
    for n in range(3):
        post(client, "192.0.2.10", f"person{n}@example.org", n)
    SubmissionAttempt.objects.update(
        created_at=timezone.now()
        - timedelta(hours=settings.ADS_SUBMIT_LIMIT_WINDOW_HOURS, minutes=1)
    )
    assert post(client, "192.0.2.10", "spaeter@example.org", 9).status_code == 302


@pytest.mark.django_db
def test_no_address_is_stored_in_the_clear(client):
    post(client, "192.0.2.10", "person@example.org", 1)
    keys = " ".join(SubmissionAttempt.objects.values_list("key", flat=True))
    assert "192.0.2.10" not in keys and "person@example.org" not in keys
    assert SubmissionAttempt.objects.count() == 2


@pytest.mark.django_db
def test_behind_a_proxy_the_forwarded_address_counts(client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.TRUSTED_PROXIES = ["10.0.0.1"]

    def via_proxy(n, client_ip):
        return client.post(
            URL,
            form_data(contact_email=f"p{n}@example.org", title=f"Stelle {n} (m/w/d)"),
            REMOTE_ADDR="10.0.0.1",
            HTTP_X_FORWARDED_FOR=f"203.0.113.7, {client_ip}",  # the first entry is forgeable
        )

    # Four readers behind the same proxy are four addresses, not one.
    assert [via_proxy(n, f"198.51.100.{n}").status_code for n in range(4)] == [302] * 4
    # One reader is limited, whatever they put in front of the proxy's entry.
    codes = [via_proxy(n, "198.51.100.50").status_code for n in range(10, 14)]
    assert codes == [302, 302, 302, 429]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent connections")
@pytest.mark.django_db(transaction=True)
def test_simultaneous_submissions_cannot_slip_past_the_limit(moderator):
    """Like requests arriving at the same moment in different worker processes."""
    threads = 8
    start = threading.Barrier(threads)
    codes, errors = [], []

    def submit(n):
        try:
            browser = Client()
            start.wait()
            codes.append(post(browser, "192.0.2.77", f"p{n}@example.org", n).status_code)
        except Exception as exc:  # collected: an assert in a thread would pass silently
            errors.append(exc)
        finally:
            connection.close()

    workers = [threading.Thread(target=submit, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert errors == []
    assert set(codes) <= {302, 429} and len(codes) == threads  # all 429 is fine too
    assert codes.count(302) <= 3
    assert JobAd.objects.count() == codes.count(302)
