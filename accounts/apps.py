from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    """Staff logins: the throttle (django-axes) and the second factor (django-otp)."""

    name = "accounts"
    verbose_name = _("Staff logins")
