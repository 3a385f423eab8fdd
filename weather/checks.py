from urllib.parse import urlsplit

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


@register()
def check_weather_base_url(app_configs, **kwargs):
    """The client opens whatever URL it is given: file:// or ftp:// would read other things."""
    try:
        url = urlsplit(settings.WEATHER_BASE_URL)
        if url.scheme in {"http", "https"} and url.hostname:
            return []
    except ValueError:  # e.g. an unclosed IPv6 bracket
        pass
    return [
        Error(
            f"WEATHER_BASE_URL={settings.WEATHER_BASE_URL!r} is not an http:// or https:// "
            "address with a host name.",
            hint="Leave it unset for Bright Sky (https://api.brightsky.dev) or give the "
            "address of a Bright Sky compatible service.",
            id="weather.E002",
        )
    ]
