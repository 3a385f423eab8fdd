"""The second factor: who needs one, setting it up, and checking a login's code."""

from django.conf import settings
from django.db import transaction
from django_otp import user_has_device
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from articles.groups import EDITOR_GROUP_NAME

RECOVERY_CODE_COUNT = 10


class CodeThrottled(Exception):
    """Too many wrong codes in a row: the device refuses to check for a while."""


def second_factor_required(user) -> bool:
    """Administrators and whoever decides what goes live must use a second factor."""
    if not settings.OTP_REQUIRED:
        return False
    return (
        user.is_superuser
        or user.groups.filter(name=EDITOR_GROUP_NAME).exists()
        or user.has_perm("articles.publish_article")
    )


def has_second_factor(user) -> bool:
    return user_has_device(user, confirmed=True)


def totp_device_for_setup(*, user) -> TOTPDevice:
    """The app to be confirmed: the same secret on every visit until a code confirms it, so
    that a reload does not invalidate what the phone has already scanned."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Authenticator-App", confirmed=False)
    return device


def totp_device_confirm(*, device: TOTPDevice, code: str) -> list[str] | None:
    """Confirm the app with a code it shows; returns fresh recovery codes, or None for a
    wrong code. Other unconfirmed apps and old recovery codes of the user are removed."""
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        if not device.verify_token(_normalize(code)):
            return None
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user=device.user, confirmed=False).delete()
        return recovery_codes_issue(user=device.user)


def recovery_codes_issue(*, user) -> list[str]:
    """Ten new one-time codes for when the phone is lost; earlier ones stop working."""
    with transaction.atomic():
        StaticDevice.objects.filter(user=user).delete()
        device = StaticDevice.objects.create(user=user, name="Wiederherstellungscodes")
        codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
        StaticToken.objects.bulk_create(StaticToken(device=device, token=c) for c in codes)
    return codes


def login_code_verify(*, user, code: str) -> Device | None:
    """The device that accepts the code, or None. Digits are the app's code, anything else a
    recovery code (random base32 letters), so only one kind of device is asked and a
    recovery code never counts as a wrong app code."""
    code = _normalize(code)
    model = TOTPDevice if code.isdigit() else StaticDevice
    with transaction.atomic():
        devices = list(model.objects.devices_for_user(user, confirmed=True).select_for_update())
        if devices and not any(device.verify_is_allowed()[0] for device in devices):
            raise CodeThrottled
        for device in devices:
            if device.verify_token(code):
                return device
    return None


def _normalize(code: str) -> str:
    # Apps show "123 456", printed recovery codes may be typed in capitals.
    return "".join(code.split()).lower()
