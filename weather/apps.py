from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WeatherConfig(AppConfig):
    name = "weather"
    verbose_name = _("Weather")

    def ready(self):
        from newsroom import caching

        from . import checks  # noqa: F401  (registers the system check)

        # Weather pages and boxes; the app's 15-minute end is in newsroom.caching.
        for model in ("weather.Place", "weather.Report"):
            caching.watch(model, caching.WEATHER)
