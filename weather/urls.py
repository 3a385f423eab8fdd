from django.urls import path
from django.utils.translation import gettext_lazy as _

from . import views

app_name = "weather"

urlpatterns = [
    path(_("weather/"), views.place_detail, name="default"),
    path(_("weather/<slug:slug>/"), views.place_detail, name="place"),
]
