from django import template

from weather.models import PlaceWeather, Report

register = template.Library()


@register.inclusion_tag("weather/widget.html")
def weather_widget() -> dict:
    """The default place's weather for the top bar (one query); nothing when not fresh."""
    reports = list(Report.objects.for_widget())
    if not reports:
        return {"weather": None}
    weather = PlaceWeather(reports[0].place, reports)
    return {"weather": weather if weather.current else None}
