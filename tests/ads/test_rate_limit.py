"""Submissions are limited per IP address and per e-mail address, counted in the database."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from ads.models import JobAd, SubmissionAttempt

from .test_submit_form import URL, form_data

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.ADS_SUBMIT_LIMIT_PER_IP = 3
    settings.ADS_SUBMIT_LIMIT_PER_EMAIL = 2


def post(client, ip, email, n):
    return client.post(
        URL, form_data(contact_email=email, title=f"Stelle {n} (m/w/d)"), REMOTE_ADDR=ip
    )


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


def test_limit_per_email_address_across_ip_addresses(client):
    assert post(client, "192.0.2.1", "Chef@Example.org", 1).status_code == 302
    assert post(client, "192.0.2.2", "chef@example.org", 2).status_code == 302
    response = post(client, "192.0.2.3", "chef@example.org", 3)
    assert response.status_code == 429
    assert JobAd.objects.count() == 2


def test_the_window_passes(client, settings):
    for n in range(3):
        post(client, "192.0.2.10", f"person{n}@example.org", n)
    SubmissionAttempt.objects.update(
        created_at=timezone.now()
        - timedelta(hours=settings.ADS_SUBMIT_LIMIT_WINDOW_HOURS, minutes=1)
    )
    assert post(client, "192.0.2.10", "spaeter@example.org", 9).status_code == 302


def test_no_address_is_stored_in_the_clear(client):
    post(client, "192.0.2.10", "person@example.org", 1)
    keys = " ".join(SubmissionAttempt.objects.values_list("key", flat=True))
    assert "192.0.2.10" not in keys and "person@example.org" not in keys
    assert SubmissionAttempt.objects.count() == 2


def test_behind_a_proxy_the_forwarded_address_counts(client, settings):
    settings.ADS_TRUSTED_PROXY_COUNT = 1

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
