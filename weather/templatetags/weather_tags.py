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


@register.inclusion_tag("weather/teaser.html")
def weather_teaser() -> dict:
    """The default place's weather for the sidebar: now, today and the next two days.

    One query; nothing when not fresh, by the widget's rule. Cache it under a fragment name
    of its own: the widget's fragment is called "weather".
    """
    reports = list(Report.objects.for_teaser())
    if not reports:
        return {"weather": None}
    weather = PlaceWeather(reports[0].place, reports)
    if not (weather.current or weather.alerts):
        return {"weather": None}
    days = ([weather.today] if weather.today else []) + weather.next_days[:2]
    return {"weather": weather, "days": days}
