from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.signals import user_login_failed
from django.utils.translation import gettext_lazy as _

from . import services


class CodeField(forms.CharField):
    def __init__(self, **kwargs):
        widget = forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autocapitalize": "none", "spellcheck": "false"}
        )
        super().__init__(max_length=32, widget=widget, **kwargs)


class AdminLoginForm(AdminAuthenticationForm):
    """The admin's login: username and password, and the code for those who set up a second
    factor. Without a device the code field is ignored; SecondFactorMiddleware sends those
    who must have one to the setup."""

    otp_token = CodeField(
        label=_("Code"),
        required=False,
        help_text=_(
            "Only with two-factor login: the six-digit code from your authenticator app, "
            "or one of your recovery codes."
        ),
    )

    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "code_required": _(
            "Please also enter the code from your authenticator app (or a recovery code)."
        ),
        "code_invalid": _(
            "This code is wrong or has expired. Please enter the code your app shows now; "
            "each recovery code works only once."
        ),
        "code_throttled": _(
            "Too many wrong codes in a row. Please wait a minute and try the current code."
        ),
    }

    def clean(self):
        cleaned = super().clean()
        user = self.get_user()
        if user is None or not services.has_second_factor(user):
            return cleaned
        # The password was right: show it again rather than make the user retype it.
        self.fields["password"].widget.render_value = True
        code = cleaned.get("otp_token", "")
        if not code:
            raise forms.ValidationError(self.error_messages["code_required"], "code_required")
        try:
            device = services.login_code_verify(user=user, code=code)
        except services.CodeThrottled:
            raise forms.ValidationError(
                self.error_messages["code_throttled"], "code_throttled"
            ) from None
        if device is None:
            # Counts against the login throttle like a wrong password (and reaches the audit).
            user_login_failed.send(
                sender=__name__,
                credentials={"username": user.get_username()},
                request=self.request,
            )
            raise forms.ValidationError(self.error_messages["code_invalid"], "code_invalid")
        # django_otp marks the session as verified when Django logs this user in.
        user.otp_device = device
        return cleaned


class ConfirmDeviceForm(forms.Form):
    otp_token = CodeField(
        label=_("Code from the app"),
        help_text=_("The six digits your authenticator app shows for this account."),
    )
