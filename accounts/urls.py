from django.urls import path
from django.utils.translation import gettext_lazy as _

from . import views

app_name = "accounts"

# Included below the admin's address (newsroom/urls.py), so that the admin's rules for
# caching and security headers apply.
urlpatterns = [
    path("", views.setup, name="setup"),
    path(_("recovery-codes/"), views.recovery_codes, name="recovery-codes"),
]
