"""The weather page per place, in every state, and that no page ever calls the service."""

import re
import socket
from datetime import timedelta
from html import escape

import lxml.html
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from weather.models import Place
from weather.services import weather_refresh

from .fakes import age_reports, alerts_answer, serve_good_weather

pytestmark = pytest.mark.django_db

WEEKDAYS = ["Mo", "Di", "Mi", "Do", "Fr", "Sa", "So"]
MONTHS = "Januar Februar März April Mai Juni Juli August September Oktober November Dezember"


def german(day) -> str:
    """E.g. "Mi., 25. November", as a German reader expects a date."""
    return f"{WEEKDAYS[day.weekday()]}., {day.day}. {MONTHS.split()[day.month - 1]}"


DWD_SOURCE = "Quelle: Deutscher Wetterdienst"
DWD_COMPUTED = "Datenbasis: Deutscher Wetterdienst, eigene Berechnung"


def text_of(response) -> str:
    """The page as a reader reads it: text only, whitespace collapsed."""
    doc = lxml.html.fromstring(response.content)
    [main] = doc.xpath('//main[@id="inhalt"]')
    return re.sub(r"[ \t\r\n]+", " ", main.text_content()).strip()  # keeps no-break spaces


def details(response) -> dict[str, str]:
    doc = lxml.html.fromstring(response.content)
    return {
        item.xpath("string(dt)"): item.xpath("string(dd)")
        for item in doc.xpath('//dl[@class="weather-now__details"]/div')
    }


@pytest.fixture
def wulfen(db):
    return Place.objects.create(name="Wulfen", slug="wulfen", latitude="51.72", longitude="7.03")


def test_the_addresses_are_german():
    assert reverse("weather:default") == "/wetter/"
    assert reverse("weather:place", kwargs={"slug": "wulfen"}) == "/wetter/wulfen/"


def test_fresh_page_shows_conditions_days_and_sources(client, server, place):
    serve_good_weather(server, alerts=False)
    weather_refresh(place=place)

    response = client.get("/wetter/")

    assert response.status_code == 200
    assert "base.html" in [t.name for t in response.templates]
    text = text_of(response)
    assert "Wetter in Dorsten" in text
    assert "8,6\xa0°C Bewölkt" in text
    assert details(response) == {
        "Wind": "14\xa0km/h aus Südwest",
        "Böen": "28\xa0km/h",
        "Niederschlag in der letzten Stunde": "0,2\xa0mm",
        "Luftfeuchtigkeit": "83\xa0%",
        "Luftdruck": "1014\xa0hPa",
    }
    assert "Gemessen an der Station Essen-Bredeney (28 km entfernt), Stand: " in text
    observed = place.reports.get(kind="current").conditions().observed_at
    doc = lxml.html.fromstring(response.content)
    assert doc.xpath('//p[@class="weather-now__station"]/time/@datetime') == [
        timezone.localtime(observed).replace(microsecond=0).isoformat()
    ]
    assert f"{DWD_SOURCE}" in text
    # Six following days, with German weekdays, highs and lows from the hourly forecast.
    tomorrow = timezone.localdate() + timedelta(days=1)
    weekday = ["Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"]
    assert f"{weekday[tomorrow.weekday()]} {tomorrow.day}.{tomorrow.month}." in text
    assert "Teils bewölkt 9\xa0°C 2\xa0°C 0,0\xa0mm" in text
    assert "Heute: höchstens 9,0\xa0°C, tiefstens 2,0\xa0°C, Niederschlag 0,0\xa0mm." in text
    assert DWD_COMPUTED in text
    assert "Demodaten" not in text
    assert "Derzeit liegen für Dorsten keine amtlichen Warnungen vor." in text


def test_warnings_are_shown_unaltered_with_their_validity(client, server, place):
    serve_good_weather(server)
    ten = timezone.localtime().replace(hour=10, minute=0, second=0, microsecond=0)
    onset, expires = ten - timedelta(days=1), ten + timedelta(days=1)
    server.answer("/alerts", alerts_answer(onset=onset, expires=expires))
    weather_refresh(place=place)

    response = client.get("/wetter/")

    html = response.content.decode()
    answer = alerts_answer()["alerts"][0]
    for field in ("headline_de", "description_de", "instruction_de"):
        assert escape(answer[field], quote=False) in html
    text = text_of(response)
    assert "Warnung vor markantem Wetter STURMBÖEN" in text
    assert f"Gültig von {german(onset)}, 10:00\xa0Uhr bis {german(expires)}, 10:00\xa0Uhr" in text
    validity = lxml.html.fromstring(response.content).xpath('//*[@class="weather-alert__validity"]')
    assert validity[0].xpath(".//time/@datetime") == [
        onset.replace(microsecond=0).isoformat(),
        expires.replace(microsecond=0).isoformat(),
    ]
    assert "keine amtlichen Warnungen" not in text


def test_an_expired_warning_is_not_shown(client, server, place):
    serve_good_weather(server)
    server.answer(
        "/alerts",
        alerts_answer(
            onset=timezone.now() - timedelta(hours=8), expires=timezone.now() - timedelta(hours=1)
        ),
    )
    weather_refresh(place=place)

    text = text_of(client.get("/wetter/"))

    assert "STURMBÖEN" not in text
    assert "Derzeit liegen für Dorsten keine amtlichen Warnungen vor." in text


def test_when_warnings_could_not_be_fetched_the_page_does_not_claim_there_are_none(
    client, server, place
):
    serve_good_weather(server)
    server.answer("/alerts", {"error": "boom"}, status=500)
    weather_refresh(place=place)

    text = text_of(client.get("/wetter/"))

    assert "Warnungen können derzeit nicht angezeigt werden." in text
    assert "keine amtlichen Warnungen" not in text
    assert "8,6" in text


def test_stale_data_is_not_shown(client, server, place):
    serve_good_weather(server)
    weather_refresh(place=place)
    age_reports(place, minutes=120)

    text = text_of(client.get("/wetter/"))

    assert "8,6" not in text
    assert "STURMBÖEN" not in text
    assert "Derzeit liegen keine aktuellen Messwerte vor." in text
    assert "Derzeit ist keine Vorhersage verfügbar." in text
    assert "Warnungen können derzeit nicht angezeigt werden." in text
    assert "Deutscher Wetterdienst" not in text  # nothing shown, nothing credited


def test_a_place_without_any_data_still_has_a_page(client, place):
    response = client.get("/wetter/")

    assert response.status_code == 200
    assert "Derzeit liegen keine aktuellen Messwerte vor." in text_of(response)


def test_other_places_have_their_own_page(client, server, place, wulfen):
    serve_good_weather(server)
    weather_refresh(place=wulfen)

    response = client.get("/wetter/wulfen/")

    text = text_of(response)
    assert "Wetter in Wulfen" in text
    assert "8,6\xa0°C" in text
    # Links to the other places; the default place's own address is /wetter/.
    doc = lxml.html.fromstring(response.content)
    assert doc.xpath('//nav[contains(@class, "weather-places")]//a/@href') == ["/wetter/"]
    assert client.get("/wetter/").status_code == 200


def test_the_default_place_has_one_address(client, place):
    response = client.get("/wetter/dorsten/")

    assert response.status_code == 302
    assert response["Location"] == "/wetter/"


def test_unknown_places_and_a_missing_default_are_not_found(client, place):
    assert client.get("/wetter/atlantis/").status_code == 404
    Place.objects.all().delete()
    assert client.get("/wetter/").status_code == 404


def test_rendering_pages_never_calls_the_weather_service(
    client, admin_client, server, place, wulfen, monkeypatch
):
    serve_good_weather(server)
    weather_refresh(place=place)
    server.requests.clear()
    connections = []
    # Any provider, any address: no page may open a connection of its own.
    monkeypatch.setattr(socket.socket, "connect", lambda sock, address: connections.append(address))

    for url in ["/", "/wetter/", "/wetter/wulfen/", "/wetter/dorsten/"]:
        assert client.get(url).status_code in {200, 302}
    for url in ["/admin/weather/place/", f"/admin/weather/place/{place.pk}/change/"]:
        assert admin_client.get(url).status_code == 200

    assert server.requests == []
    assert connections == []


def test_the_page_reads_the_weather_with_three_queries(client, server, place, wulfen):
    serve_good_weather(server)
    weather_refresh(place=place)

    with CaptureQueriesContext(connection) as queries:
        response = client.get("/wetter/")

    assert response.status_code == 200
    # Other apps' widgets share the layout; counted here are this app's tables only:
    # the places, the place's reports, and the top-bar widget.
    weather_queries = [q["sql"] for q in queries if '"weather_' in q["sql"]]
    assert len(weather_queries) == 3, weather_queries
