"""The sidebar teaser as readers see it: fresh, with a warning, stale, missing."""

import re
from datetime import timedelta

import lxml.html
import pytest
from django.template import Context, Template
from django.utils import timezone

from weather.models import Place, Report
from weather.services import weather_refresh

from .fakes import age_reports, serve_good_weather

pytestmark = pytest.mark.django_db

WEEKDAYS = ["Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"]


def render_teaser() -> str:
    return Template("{% load weather_tags %}{% weather_teaser %}").render(Context())


def text(element) -> str:
    """What a reader reads: whitespace collapsed, no-break spaces kept."""
    return re.sub(r"[ \t\r\n]+", " ", element.text_content()).strip()


def test_fresh_weather_shows_now_the_next_days_and_the_link(server, place):
    serve_good_weather(server, alerts=False)
    weather_refresh(place=place)

    teaser = lxml.html.fragment_fromstring(render_teaser())

    assert teaser.tag == "section"
    [heading] = teaser.xpath("h2")
    assert teaser.get("aria-labelledby") == heading.get("id")
    assert text(heading) == "Wetter in Dorsten"
    assert text(teaser.xpath('.//p[@class="weather-teaser__now"]')[0]) == "8,6\xa0°C Bewölkt"
    today = timezone.localdate()
    assert [text(li) for li in teaser.xpath(".//li")] == [
        "Heute 2 bis 9\xa0°C",
        f"{WEEKDAYS[(today + timedelta(days=1)).weekday()]} 2 bis 9\xa0°C",
        f"{WEEKDAYS[(today + timedelta(days=2)).weekday()]} 2 bis 9\xa0°C",
    ]
    assert teaser.xpath(".//li/img/@alt") == ["Teils bewölkt"] * 3  # the condition's words
    assert "Datenbasis: Deutscher Wetterdienst, eigene Berechnung" in text(teaser)
    [link] = teaser.xpath(".//a")
    assert (link.get("href"), text(link)) == ("/wetter/", "Zur Wettervorhersage")
    assert "Warnung" not in text(teaser)


def test_an_active_warning_shows_before_the_weather(server, place):
    serve_good_weather(server, alerts=True)
    weather_refresh(place=place)

    teaser = lxml.html.fragment_fromstring(render_teaser())

    [alert] = teaser.xpath('.//li[contains(@class, "weather-teaser__alert")]')
    assert "weather-teaser__alert--moderate" in alert.get("class")
    assert text(alert) == "Warnung vor markantem Wetter Amtliche WARNUNG vor STURMBÖEN"
    assert text(teaser).index("STURMBÖEN") < text(teaser).index("8,6")


def test_an_active_warning_shows_even_when_the_measurements_are_outdated(server, place):
    serve_good_weather(server)
    weather_refresh(place=place)
    Report.objects.filter(kind=Report.Kind.CURRENT).update(
        as_of=timezone.now() - timedelta(minutes=91)
    )

    html = render_teaser()

    assert "8,6" not in html
    assert "Amtliche WARNUNG vor STURMBÖEN" in html and 'href="/wetter/"' in html


def test_stale_or_missing_weather_renders_nothing(server, place):
    assert render_teaser().strip() == ""

    serve_good_weather(server)
    weather_refresh(place=place)
    age_reports(place, minutes=91)
    assert render_teaser().strip() == ""

    Place.objects.all().delete()
    assert render_teaser().strip() == ""


def test_the_teaser_costs_one_query(server, place, django_assert_num_queries):
    serve_good_weather(server)
    weather_refresh(place=place)

    with django_assert_num_queries(1):
        html = render_teaser()
    assert "STURMBÖEN" in html and "Heute" in html

    Place.objects.all().delete()
    with django_assert_num_queries(1):
        render_teaser()
