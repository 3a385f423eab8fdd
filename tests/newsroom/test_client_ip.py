"""Which address a request counts as, for every limit by address (ads, reads, logins)."""

import pytest
from django.test import Client, RequestFactory

from newsroom.net import client_ip

factory = RequestFactory()


def sender(remote: str, forwarded: str | None = None) -> str:
    headers = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    return client_ip(factory.get("/", **headers))


@pytest.fixture
def behind_tls_proxy_and_varnish(settings):
    settings.TRUSTED_PROXY_COUNT = 2
    settings.TRUSTED_PROXIES = ["127.0.0.1", "10.0.0.0/24"]


def test_through_the_documented_chain_the_reader_counts(behind_tls_proxy_and_varnish):
    # nginx (10.0.0.5) appended the reader, Varnish (127.0.0.1) appended nginx.
    assert sender("127.0.0.1", "198.51.100.7, 10.0.0.5") == "198.51.100.7"
    # Whatever the reader wrote in front of that stays untrusted.
    assert sender("127.0.0.1", "203.0.113.1, 198.51.100.7, 10.0.0.5") == "198.51.100.7"


def test_a_direct_request_cannot_choose_its_address(behind_tls_proxy_and_varnish):
    # Reached on gunicorn's port from outside: the header is the sender's own words.
    for forged in ("203.0.113.1, 10.0.0.5", "203.0.113.2, 10.0.0.5", "1.2.3.4"):
        assert sender("198.51.100.99", forged) == "198.51.100.99"


def test_a_stranger_between_the_proxies_is_not_believed(behind_tls_proxy_and_varnish):
    # Varnish was reached from 192.0.2.50, not from the TLS proxy: that is the sender.
    assert sender("127.0.0.1", "203.0.113.1, 192.0.2.50") == "192.0.2.50"


def test_without_a_count_the_header_is_ignored(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert sender("127.0.0.1", "203.0.113.1") == "127.0.0.1"


def test_ipv4_mapped_proxy_addresses_are_trusted(behind_tls_proxy_and_varnish):
    assert sender("::ffff:127.0.0.1", "198.51.100.7, 10.0.0.5") == "198.51.100.7"


@pytest.mark.django_db
def test_rotating_the_header_does_not_walk_around_the_login_throttle(settings, django_user_model):
    """The issue's attack: straight to gunicorn, a new X-Forwarded-For on every guess."""
    settings.TRUSTED_PROXY_COUNT = 2
    django_user_model.objects.create_user("frida", password="richtig-und-lang-2026", is_staff=True)
    for n in range(settings.AXES_FAILURE_LIMIT):
        Client().post(
            "/admin/login/",
            {"username": f"user{n}", "password": "falsch"},
            REMOTE_ADDR="198.51.100.99",
            HTTP_X_FORWARDED_FOR=f"203.0.113.{n}, 10.0.0.{n}",
        )
    locked = Client().post(
        "/admin/login/",
        {"username": "frida", "password": "richtig-und-lang-2026"},
        REMOTE_ADDR="198.51.100.99",
        HTTP_X_FORWARDED_FOR="203.0.113.200, 10.0.0.200",
    )
    assert locked.status_code == 429
