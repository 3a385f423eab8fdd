from django.urls import path
from django.utils.translation import gettext_lazy as _

from . import views

app_name = "notifications"

# Included below the admin's address (newsroom/urls.py): its caching and headers apply.
urlpatterns = [
    path("", views.notification_list, name="list"),
    path("<int:pk>/", views.notification_open, name="open"),
    path(_("read-all/"), views.mark_all_read, name="read-all"),
    path(_("settings/"), views.mail_settings, name="settings"),
]
