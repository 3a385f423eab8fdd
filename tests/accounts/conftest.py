import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.contrib.auth.models import Group
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from articles.groups import EDITOR_GROUP_NAME, GROUP_NAME

PASSWORD = "lang-genug-und-geheim-123"


class CountingHasher(PBKDF2PasswordHasher):
    """A real hasher that counts how often a password is checked (and is quick)."""

    iterations = 1000
    checks = 0

    def verify(self, password, encoded):
        CountingHasher.checks += 1
        return super().verify(password, encoded)


@pytest.fixture(autouse=True)
def _production_login_rules(settings):
    """The tests of this folder run with the second factor required, as in production
    (pyproject's test environment turns it off for the other tests' fixtures)."""
    settings.OTP_REQUIRED = True
    settings.PASSWORD_HASHERS = ["tests.accounts.conftest.CountingHasher"]
    CountingHasher.checks = 0


def staff(django_user_model, username, group_name=GROUP_NAME, **extra):
    user = django_user_model.objects.create_user(
        username, password=PASSWORD, is_staff=True, **extra
    )
    if group_name:
        user.groups.add(Group.objects.get(name=group_name))
    return user


@pytest.fixture
def editor(django_user_model):
    """A "Chef vom Dienst": publishes, so must use a second factor."""
    return staff(django_user_model, "miriam", EDITOR_GROUP_NAME)


@pytest.fixture
def writer(django_user_model):
    """A "Redaktion" member: offered the second factor, not forced."""
    return staff(django_user_model, "selin", GROUP_NAME)


def app_device(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="Handy", confirmed=True)


def app_code(device: TOTPDevice, steps_ahead: int = 0) -> str:
    """What the phone's app shows now (or `steps_ahead` periods of 30 s later)."""
    return f"{totp(device.bin_key, drift=steps_ahead):06d}"


def log_in(client, username, password=PASSWORD, code="", **request_extra):
    return client.post(
        reverse("admin:login"),
        {"username": username, "password": password, "otp_token": code, "next": "/admin/"},
        **request_extra,
    )
