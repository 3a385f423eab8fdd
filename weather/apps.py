from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WeatherConfig(AppConfig):
    name = "weather"
    verbose_name = _("Weather")

    def ready(self):
        from . import checks  # noqa: F401  (registers the system check)
