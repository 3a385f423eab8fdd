from django.conf import settings
from django.core.checks import Error, register
from django.core.exceptions import ImproperlyConfigured


@register()
def check_weather_provider(app_configs, **kwargs):
    """A mistyped WEATHER_PROVIDER would otherwise surface only when cron runs."""
    from .providers import get_provider

    try:
        get_provider(settings.WEATHER_PROVIDER)
    except ImproperlyConfigured as error:
        return [Error(str(error), id="weather.E001")]
    return []
