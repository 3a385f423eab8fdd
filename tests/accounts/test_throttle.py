"""Failed logins are throttled per account and per address (django-axes)."""

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.urls import reverse

from .conftest import PASSWORD, CountingHasher, app_code, app_device, log_in, staff

pytestmark = pytest.mark.django_db

WRONG = "falsches-passwort-1"


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_after_five_wrong_passwords_even_the_right_one_is_refused(client, writer):
    for _ in range(4):
        response = log_in(client, "selin", WRONG)
        assert response.status_code == 200
        assert "Passwort für einen Staff-Account eingeben" in response.content.decode()
    assert log_in(client, "selin", WRONG).status_code == 429

    checks = CountingHasher.checks
    response = log_in(client, "selin", PASSWORD)
    assert response.status_code == 429
    assert not logged_in(client)
    page = response.content.decode()
    assert "Anmeldung gesperrt" in page
    assert "zu viele fehlgeschlagene Anmeldungen" in page.replace("\n", " ")
    assert "Zugriffsversuche" in page  # where an administrator lifts the lock
    assert response["Retry-After"] == "900"
    # Refused before the password was checked: a locked account costs no hashing.
    assert CountingHasher.checks == checks


def test_a_locked_account_leaves_the_others_alone(client, django_user_model, writer):
    staff(django_user_model, "jonas")
    for _ in range(5):
        log_in(client, "selin", WRONG, REMOTE_ADDR="198.51.100.7")
    # The same address is locked too (five failures), so a colleague elsewhere:
    response = log_in(Client(), "jonas", PASSWORD, REMOTE_ADDR="203.0.113.20")
    assert response.status_code == 302
    # ...while the locked account stays locked from any address.
    assert log_in(Client(), "selin", PASSWORD, REMOTE_ADDR="203.0.113.20").status_code == 429


def test_one_address_guessing_many_accounts_is_locked(client, django_user_model):
    for name in ["anna", "bernd", "clara", "dora", "emil", "frida"]:
        staff(django_user_model, name)
    for name in ["anna", "bernd", "clara", "dora", "emil"]:
        log_in(client, name, WRONG, REMOTE_ADDR="198.51.100.7")
    # No account had more than one failure, but the address is locked.
    response = log_in(client, "frida", PASSWORD, REMOTE_ADDR="198.51.100.7")
    assert response.status_code == 429
    assert not logged_in(client)
    # Frida herself, from her own address, is not.
    assert log_in(Client(), "frida", PASSWORD, REMOTE_ADDR="203.0.113.20").status_code == 302


def test_behind_the_proxy_the_forwarded_address_counts(settings, django_user_model):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.TRUSTED_PROXIES = ["10.0.0.0/24"]
    staff(django_user_model, "frida")
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    for name in ["anna", "bernd", "clara", "dora", "emil"]:
        log_in(Client(), name, WRONG, HTTP_X_FORWARDED_FOR="198.51.100.7", **proxy)
    # Everyone arrives from the proxy's address; only the guessing sender is locked.
    guesser = log_in(Client(), "frida", PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.7", **proxy)
    assert guesser.status_code == 429
    colleague = log_in(Client(), "frida", PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.5", **proxy)
    assert colleague.status_code == 302
    assert AccessAttempt.objects.filter(ip_address="198.51.100.7").exists()


def test_an_administrator_lifts_the_lock_in_the_admin(client, django_user_model, writer):
    for _ in range(5):
        log_in(client, "selin", WRONG, REMOTE_ADDR="198.51.100.7")
    assert log_in(client, "selin", PASSWORD, REMOTE_ADDR="198.51.100.7").status_code == 429

    boss = django_user_model.objects.create_superuser("chefin", password=PASSWORD)
    admin = Client()
    assert log_in(admin, "chefin", PASSWORD, code=app_code(app_device(boss))).status_code == 302
    changelist = reverse("admin:axes_accessattempt_changelist")
    listing = admin.get(changelist)
    assert listing.status_code == 200 and "selin" in listing.content.decode()
    attempt = AccessAttempt.objects.get(username="selin")
    response = admin.post(
        changelist,
        {"action": "delete_selected", "_selected_action": [attempt.pk], "post": "yes"},
    )
    assert response.status_code == 302

    response = log_in(client, "selin", PASSWORD, REMOTE_ADDR="198.51.100.7")
    assert response.status_code == 302
    assert logged_in(client)


def test_a_wrong_code_counts_like_a_wrong_password(client, editor):
    device = app_device(editor)
    for _ in range(4):
        log_in(client, "miriam", WRONG)
    right = app_code(device)
    response = log_in(client, "miriam", PASSWORD, code=f"{(int(right) + 1) % 1_000_000:06d}")
    assert response.status_code == 429
    assert not logged_in(client)


def test_an_ipv6_network_counts_as_one_address(client, django_user_model):
    """One connection owns a whole /64: rotating through it must not reset the count."""
    for name in ["anna", "bernd", "clara", "dora", "emil", "frida"]:
        staff(django_user_model, name)
    for n, name in enumerate(["anna", "bernd", "clara", "dora", "emil"], start=1):
        log_in(Client(), name, WRONG, REMOTE_ADDR=f"2001:db8:1:2::{n}")
    response = log_in(client, "frida", PASSWORD, REMOTE_ADDR="2001:db8:1:2::99")
    assert response.status_code == 429
    # The neighbouring network is someone else.
    assert log_in(Client(), "frida", PASSWORD, REMOTE_ADDR="2001:db8:1:3::1").status_code == 302
