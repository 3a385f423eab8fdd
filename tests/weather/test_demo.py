"""The demo: invented data without network, labelled as such and never credited to the DWD."""

from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.template import Context, Template

import weather.demo
from weather.demo_client import DemoProvider
from weather.forecast import summarize_days
from weather.models import Place, Report
from weather.providers import check_hours

from .fakes import age_reports

pytestmark = pytest.mark.django_db


def test_load_creates_lindenau_with_fresh_demo_data_and_no_network(client, server):
    weather.demo.load(stdout=StringIO())
    weather.demo.load(stdout=StringIO())  # idempotent

    place = Place.objects.get()
    assert (place.name, place.is_default) == ("Lindenau", True)
    assert set(Report.objects.values_list("provider", flat=True)) == {"demo"}
    assert Report.objects.count() == 3
    assert server.requests == []

    widget = Template("{% load weather_tags %}{% weather_widget %}").render(Context())
    assert "°C" in widget and "Lindenau" in widget
    assert "Demodaten" in widget
    assert "DWD" not in widget and "Wetterdienst" not in widget

    page = client.get("/wetter/").content.decode()
    assert "Demodaten" in page
    assert "Wetterdienst" not in page
    assert "Demowarnung vor Windböen" in page


def test_refresh_with_the_demo_provider_keeps_the_demo_fresh(settings, server):
    weather.demo.load(stdout=StringIO())
    place = Place.objects.get()
    age_reports(place, minutes=120)
    widget = Template("{% load weather_tags %}{% weather_widget %}")
    assert widget.render(Context()).strip() == ""

    settings.WEATHER_PROVIDER = "demo"
    call_command("refresh_weather", stdout=StringIO())

    assert "Lindenau" in widget.render(Context())
    assert server.requests == []


def test_a_week_of_demo_weather_is_plausible(server):
    hours = DemoProvider().forecast(
        latitude=51.66, longitude=6.96, first_day=date(2026, 3, 28), days=7
    )

    check_hours(hours)  # across the switch to summer time
    days = summarize_days(hours)
    assert len(days) == 7
    assert all(-15 < d.temperature_min <= d.temperature_max < 30 for d in days)
