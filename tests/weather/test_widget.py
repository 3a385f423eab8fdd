"""The top-bar widget as readers see it: fresh, stale, missing, with and without warnings."""

from datetime import timedelta

import lxml.html
import pytest
from django.template import Context, Template
from django.utils import timezone

from weather.models import Place, Report
from weather.services import weather_refresh

from .fakes import age_reports, alerts_answer, current_answer, serve_good_weather

pytestmark = pytest.mark.django_db


def render_widget() -> str:
    return Template("{% load weather_tags %}{% weather_widget %}").render(Context())


def test_fresh_weather_shows_temperature_condition_and_town(server, place):
    serve_good_weather(server, alerts=False)
    weather_refresh(place=place)

    html = render_widget()

    assert "8,6&nbsp;°C" in html
    assert "Bewölkt" in html
    assert "Dorsten" in html
    assert 'href="/wetter/"' in html
    assert '<img class="weather-widget__icon" src="/static/weather/icons/cloudy.' in html
    assert 'alt=""' in html  # decorative: the condition is written beside it
    assert "Quelle:" in html and "Deutscher Wetterdienst" in html
    assert "Warnung" not in html


def test_an_active_warning_shows_a_badge(server, place):
    serve_good_weather(server, alerts=True)
    weather_refresh(place=place)

    html = render_widget()

    assert "1 Warnung" in html
    assert "weather-badge--moderate" in html


def test_a_warning_starting_later_today_already_shows(server, place):
    serve_good_weather(server)
    server.answer("/alerts", alerts_answer(onset=timezone.now() + timedelta(hours=3)))
    weather_refresh(place=place)

    assert "1 Warnung" in render_widget()


def test_an_expired_warning_shows_no_badge(server, place):
    serve_good_weather(server)
    server.answer("/alerts", alerts_answer(expires=timezone.now() - timedelta(minutes=1)))
    weather_refresh(place=place)

    html = render_widget()

    assert "8,6" in html
    assert "Warnung" not in html


def test_outdated_warnings_show_no_badge_beside_fresh_conditions(server, place):
    serve_good_weather(server)
    weather_refresh(place=place)
    Report.objects.filter(kind=Report.Kind.ALERTS).update(
        as_of=timezone.now() - timedelta(minutes=91)
    )

    html = render_widget()

    assert "8,6" in html
    assert "Warnung" not in html


def test_stale_weather_shows_nothing_rather_than_old_numbers(server, place):
    serve_good_weather(server)
    weather_refresh(place=place)
    age_reports(place, minutes=91)

    assert render_widget().strip() == ""


def test_an_active_warning_shows_even_when_the_measurements_are_outdated(server, place):
    serve_good_weather(server)
    weather_refresh(place=place)
    Report.objects.filter(kind=Report.Kind.CURRENT).update(
        as_of=timezone.now() - timedelta(minutes=91)
    )

    html = render_widget()

    assert "8,6" not in html and "°C" not in html
    assert "Dorsten" in html and "1 Warnung" in html
    assert 'href="/wetter/"' in html
    assert "Deutscher Wetterdienst" in html


def test_an_old_measurement_is_not_shown_even_when_just_fetched(server, place):
    # The service may keep answering with the last reading of a station that stopped.
    serve_good_weather(server, alerts=False)
    server.answer(
        "/current_weather", current_answer(observed_at=timezone.now() - timedelta(hours=2))
    )
    weather_refresh(place=place)

    assert render_widget().strip() == ""


def test_without_any_data_the_widget_is_empty_and_pages_render(client, place):
    assert render_widget().strip() == ""
    Place.objects.all().delete()
    assert render_widget().strip() == ""

    response = client.get("/")
    assert response.status_code == 200
    assert b"weather-widget" not in response.content


def test_temperatures_below_zero_and_around_it_read_correctly(server, place):
    serve_good_weather(server)
    server.answer("/current_weather", current_answer(temperature=-0.04))
    weather_refresh(place=place)
    assert "0,0&nbsp;°C" in render_widget()

    server.answer("/current_weather", current_answer(temperature=-7.5))
    weather_refresh(place=place)
    assert "-7,5&nbsp;°C" in render_widget()


def test_the_widget_costs_one_query(server, place, django_assert_num_queries):
    serve_good_weather(server)
    weather_refresh(place=place)

    with django_assert_num_queries(1):
        html = render_widget()
    assert "1 Warnung" in html

    Place.objects.all().delete()
    with django_assert_num_queries(1):
        render_widget()


def test_the_widget_shows_in_the_top_bar_of_pages(client, server, place):
    serve_good_weather(server)
    weather_refresh(place=place)

    doc = lxml.html.fromstring(client.get("/").content)

    [topbar] = doc.xpath('//div[@class="topbar"]')
    assert "8,6\xa0°C" in topbar.text_content()
    assert topbar.xpath(".//a/@href") == ["/wetter/"]
