from base64 import b32encode

import qrcode
import qrcode.image.svg
from axes.helpers import get_cool_off
from django.contrib import admin
from django.contrib.admin.views.decorators import staff_member_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import services
from .forms import ConfirmDeviceForm

# The codes are shown once, on the page after the one that made them.
CODES_SESSION_KEY = "accounts_recovery_codes"


def locked_out(request, original_response=None, credentials=None):
    """django-axes's answer once an account or address is locked (AXES_LOCKOUT_CALLABLE)."""
    cool_off = get_cool_off(request)
    # Guesses during the lock are not recorded, so it ends at the latest by then.
    retry_at = timezone.localtime(timezone.now() + cool_off)
    context = {
        **admin.site.each_context(request),
        "title": _("Login locked"),
        "retry_at": retry_at,
    }
    response = render(request, "accounts/locked_out.html", context, status=429)
    response["Retry-After"] = str(int(cool_off.total_seconds()))
    return response


@never_cache
@staff_member_required
def setup(request):
    """Set up the authenticator app, or (once set up) make new recovery codes."""
    next_url = _next_url(request)
    active = TOTPDevice.objects.devices_for_user(request.user, confirmed=True).exists()
    if active:
        if request.method == "POST":
            return _show_codes(request, services.recovery_codes_issue(user=request.user))
        return _render(request, "accounts/active.html", {"title": _("Two-factor login")})

    device = services.totp_device_for_setup(user=request.user)
    form = ConfirmDeviceForm(request.POST or None)
    if form.is_valid():
        codes = services.totp_device_confirm(device=device, code=form.cleaned_data["otp_token"])
        if codes is not None:
            device.refresh_from_db()
            otp_login(request, device)  # this session counts as verified from now on
            return _show_codes(request, codes, next_url)
        form.add_error(
            "otp_token",
            _(
                "This code does not match. Please check the time on your phone and enter "
                "the code the app shows now."
            ),
        )
    secret = b32encode(device.bin_key).decode()
    context = {
        "title": _("Set up two-factor login"),
        "form": form,
        "qr_code": _qr_svg(device.config_url),
        "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        "required": services.second_factor_required(request.user),
        "next": next_url,
    }
    return _render(request, "accounts/setup.html", context)


@never_cache
@staff_member_required
def recovery_codes(request):
    codes = request.session.pop(CODES_SESSION_KEY, None)
    if not codes:
        return redirect("accounts:setup")
    next_url = _next_url(request) or reverse("admin:index")
    context = {"title": _("Your recovery codes"), "codes": codes, "next": next_url}
    return _render(request, "accounts/recovery_codes.html", context)


def _show_codes(request, codes: list[str], next_url: str = ""):
    request.session[CODES_SESSION_KEY] = codes
    url = reverse("accounts:recovery-codes")
    if next_url:
        url += "?" + urlencode({"next": next_url})
    return redirect(url)


def _next_url(request) -> str:
    url = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(url, {request.get_host()}, request.is_secure()):
        return url
    return ""


def _qr_svg(data: str) -> str:
    # Drawn here as inline SVG: the secret never leaves the server for a QR service.
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage)
    return mark_safe(image.to_string(encoding="unicode"))


def _render(request, template: str, context: dict):
    # No app list: for staff who must set up the second factor, every link would lead here.
    context = {**admin.site.each_context(request), "is_nav_sidebar_enabled": False, **context}
    return render(request, template, context)
