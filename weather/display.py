"""Words and icons for readers: Bright Sky's codes turned into German labels."""

from django.templatetags.static import static
from django.utils.translation import gettext_lazy as _

ICON_LABELS = {
    "clear-day": _("Sunny"),
    "clear-night": _("Clear"),
    "partly-cloudy-day": _("Partly cloudy"),
    "partly-cloudy-night": _("Partly cloudy"),
    "cloudy": _("Cloudy"),
    "fog": _("Fog"),
    "wind": _("Windy"),
    "rain": _("Rain"),
    "sleet": _("Sleet"),
    "snow": _("Snow"),
    "hail": _("Hail"),
    "thunderstorm": _("Thunderstorm"),
}
CONDITION_LABELS = {
    "dry": _("Dry"),
    "fog": _("Fog"),
    "rain": _("Rain"),
    "sleet": _("Sleet"),
    "snow": _("Snow"),
    "hail": _("Hail"),
    "thunderstorm": _("Thunderstorm"),
}
# The DWD's four warning levels, in their official German names.
SEVERITY_LABELS = {
    "minor": _("Weather warning"),
    "moderate": _("Warning of significant weather"),
    "severe": _("Severe weather warning"),
    "extreme": _("Warning of extreme severe weather"),
}
COMPASS = [
    _("north"),
    _("north-east"),
    _("east"),
    _("south-east"),
    _("south"),
    _("south-west"),
    _("west"),
    _("north-west"),
]


def condition_label(icon: str | None, condition: str | None) -> str:
    """The icon says most (cloud cover and precipitation); the condition is the fallback."""
    return str(ICON_LABELS.get(icon) or CONDITION_LABELS.get(condition) or "")


def icon_url(icon: str | None) -> str:
    return static(f"weather/icons/{icon}.svg") if icon in ICON_LABELS else ""


def compass(degrees: float | None) -> str:
    if degrees is None:
        return ""
    return str(COMPASS[round(degrees / 45) % 8])
