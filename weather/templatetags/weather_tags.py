from django import template

from weather.models import PlaceWeather, Report

register = template.Library()


def _fresh_weather(reports) -> PlaceWeather | None:
    """The default place's weather from its reports, or None when there is nothing fresh.

    An active warning shows even when the measurements are outdated: a station that
    stopped reporting must not hide a storm warning from readers.
    """
    reports = list(reports)
    if not reports:
        return None
    weather = PlaceWeather(reports[0].place, reports)
    return weather if weather.current or weather.alerts else None


@register.inclusion_tag("weather/widget.html")
def weather_widget() -> dict:
    """The default place's weather for the top bar (one query)."""
    return {"weather": _fresh_weather(Report.objects.for_widget())}


@register.inclusion_tag("weather/teaser.html")
def weather_teaser() -> dict:
    """The default place's weather for the sidebar: now, today and the next two days (one
    query). Cache it under a fragment name of its own: the widget's is called "weather"."""
    weather = _fresh_weather(Report.objects.for_teaser())
    if weather is None:
        return {"weather": None}
    days = ([weather.today] if weather.today else []) + weather.next_days[:2]
    return {"weather": weather, "days": days}
