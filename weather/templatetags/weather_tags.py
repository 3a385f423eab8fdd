from django import template

from weather.models import PlaceWeather, Report

register = template.Library()


@register.inclusion_tag("weather/widget.html")
def weather_widget() -> dict:
    """The default place's weather for the top bar (one query); nothing when not fresh.

    An active warning shows even when the measurements are outdated: a station that
    stopped reporting must not hide a storm warning from readers.
    """
    reports = list(Report.objects.for_widget())
    if not reports:
        return {"weather": None}
    weather = PlaceWeather(reports[0].place, reports)
    return {"weather": weather if weather.current or weather.alerts else None}
