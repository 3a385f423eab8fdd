"""The Bright Sky client against a real HTTP server: requests, timeouts, broken answers."""

import json
import socket
import time
from datetime import date

import pytest

from weather.client import MAX_ANSWER_BYTES, BrightSkyClient
from weather.providers import ProviderError

from .fakes import alerts_answer, current_answer, forecast_answer

LAT, LON = 51.6604, 6.965


def test_current_conditions_are_read_from_the_answer(server):
    server.answer("/current_weather", current_answer())

    conditions = BrightSkyClient().current(latitude=LAT, longitude=LON)

    assert conditions.temperature == 8.6
    assert conditions.icon == "cloudy"
    assert conditions.wind_speed == 14.4
    assert conditions.wind_gust == 27.7
    assert conditions.precipitation == 0.2
    # The station is the one named by source_id, not the fallback for visibility.
    assert conditions.station_name == "Essen-Bredeney"
    assert conditions.station_distance_km == pytest.approx(28.44)
    path, query = server.requests[0]
    assert path == "/current_weather"
    assert query == {"lat": "51.6604", "lon": "6.965", "tz": "Europe/Berlin"}


def test_forecast_asks_for_the_days_and_reads_every_hour(server):
    server.answer("/weather", forecast_answer(days=7))

    hours = BrightSkyClient().forecast(
        latitude=LAT, longitude=LON, first_day=date(2026, 11, 25), days=7
    )

    assert len(hours) == 7 * 24 + 1
    assert hours[0].icon == "partly-cloudy-night"
    _, query = server.requests[0]
    assert query["date"] == "2026-11-25"
    assert query["last_date"] == "2026-12-02"
    assert query["tz"] == "Europe/Berlin"


def test_warnings_keep_the_official_german_texts(server):
    server.answer("/alerts", alerts_answer())

    [alert] = BrightSkyClient().alerts(latitude=LAT, longitude=LON)

    assert alert.severity == "moderate"
    assert alert.event == "STURMBÖEN"
    assert alert.headline == "Amtliche WARNUNG vor STURMBÖEN"
    assert alert.description.startswith("Es treten Sturmböen mit Geschwindigkeiten um 70 km/h")
    assert alert.instruction.startswith("ACHTUNG! Hinweis auf mögliche Gefahren")


def test_a_slow_service_is_given_up_after_the_timeout_and_retried(server, settings):
    server.answer("/current_weather", current_answer(), delay=1.5)

    started = time.monotonic()
    with pytest.raises(ProviderError, match=r"no answer within 0.3 s \(after 2 attempts\)"):
        BrightSkyClient().current(latitude=LAT, longitude=LON)

    assert time.monotonic() - started < 1.2  # two attempts of 0.3 s, not the server's 1.5 s
    assert server.paths() == ["/current_weather", "/current_weather"]


def test_a_server_error_is_retried_then_refused(server):
    server.answer("/current_weather", {"error": "internal"}, status=500)

    with pytest.raises(ProviderError, match=r"HTTP 500 \(after 2 attempts\)"):
        BrightSkyClient().current(latitude=LAT, longitude=LON)

    assert len(server.requests) == 2


def test_a_client_error_is_not_retried(server):
    server.answer("/alerts", {"detail": "bad coordinates"}, status=400)

    with pytest.raises(ProviderError, match="HTTP 400"):
        BrightSkyClient().alerts(latitude=LAT, longitude=LON)

    assert len(server.requests) == 1


def test_an_unreachable_service_is_refused(settings):
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings.WEATHER_BASE_URL = f"http://127.0.0.1:{port}"

    with pytest.raises(ProviderError, match="cannot connect"):
        BrightSkyClient().current(latitude=LAT, longitude=LON)


def test_malformed_json_is_refused(server):
    server.answer("/current_weather", b'{"weather": {"temperature": 8.6,')

    with pytest.raises(ProviderError, match="malformed JSON"):
        BrightSkyClient().current(latitude=LAT, longitude=LON)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"temperature": None}, "'temperature' is missing"),
        ({"temperature": "8,6"}, "'temperature' is not a number"),
        ({"temperature": True}, "'temperature' is not a number"),
        ({"timestamp": "gestern"}, "'timestamp' is not a date and time"),
        ({"timestamp": "2026-11-25T09:30:00"}, "'timestamp' has no time zone"),
        ({"icon": 3}, "'icon' is not text"),
        ({"source_id": 999}, "no station listed for source_id 999"),
    ],
)
def test_missing_or_mistyped_fields_are_refused(server, change, message):
    answer = current_answer()
    answer["weather"].update(change)
    server.answer("/current_weather", answer)

    with pytest.raises(ProviderError, match=message):
        BrightSkyClient().current(latitude=LAT, longitude=LON)


def test_an_answer_without_weather_is_refused(server):
    server.answer("/current_weather", {"sources": []})

    with pytest.raises(ProviderError, match="'weather' is missing"):
        BrightSkyClient().current(latitude=LAT, longitude=LON)


def test_warnings_without_german_headline_are_refused(server):
    answer = alerts_answer()
    del answer["alerts"][0]["headline_de"]
    server.answer("/alerts", answer)

    with pytest.raises(ProviderError, match="'headline_de' is missing"):
        BrightSkyClient().alerts(latitude=LAT, longitude=LON)


def test_an_unknown_icon_is_shown_without_icon_rather_than_refused(server):
    server.answer("/current_weather", current_answer(icon="partly-cloudy-with-drizzle"))

    conditions = BrightSkyClient().current(latitude=LAT, longitude=LON)

    assert conditions.icon is None
    assert conditions.label == "Trocken"  # from the condition "dry"


def test_a_server_trickling_its_answer_is_given_up_at_the_deadline(server):
    # Each byte arrives well within the socket timeout; the whole answer never would.
    server.answer("/current_weather", current_answer(), trickle=0.05)

    started = time.monotonic()
    with pytest.raises(ProviderError, match=r"no answer within 0.3 s \(after 2 attempts\)"):
        BrightSkyClient().current(latitude=LAT, longitude=LON)

    assert time.monotonic() - started < 1.5  # not the 100 s the server would take


def test_an_oversized_answer_is_refused_without_reading_it_all(server):
    server.answer("/weather", b"[" + b"0," * (MAX_ANSWER_BYTES // 2) + b"0]")

    with pytest.raises(ProviderError, match=f"larger than {MAX_ANSWER_BYTES} bytes"):
        BrightSkyClient().forecast(latitude=LAT, longitude=LON, first_day=date.today(), days=7)

    assert len(server.requests) == 1  # too big is no reason to ask again


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b'"temperature": 8.6', b'"temperature": NaN'),
        (b'"temperature": 8.6', b'"temperature": -Infinity'),
        (b'"relative_humidity": 83', b'"relative_humidity": 1e999'),
        (b'"distance": 28440', b'"distance": ' + b"9" * 400),
    ],
    ids=["NaN", "-Infinity", "1e999", "400 digits"],
)
def test_numbers_that_are_not_finite_are_refused(server, raw, message):
    # Python's json reads all of these; a NaN distance would pass every range check
    # and PostgreSQL would refuse to store it.
    body = json.dumps(current_answer()).encode()
    assert raw in body
    server.answer("/current_weather", body.replace(raw, message))

    with pytest.raises(ProviderError, match="not a number|not a finite number"):
        BrightSkyClient().current(latitude=LAT, longitude=LON)


def test_a_forecast_source_without_distance_is_accepted(server):
    answer = forecast_answer()
    answer["sources"][0]["distance"] = None  # e.g. asked by station id, not coordinates
    server.answer("/weather", answer)

    hours = BrightSkyClient().forecast(latitude=LAT, longitude=LON, first_day=date.today(), days=7)

    assert len(hours) == 7 * 24 + 1


def test_test_messages_of_the_dwd_are_left_out(server):
    answer = alerts_answer()
    test_message = {**answer["alerts"][0], "id": 1, "status": "test", "headline_de": "TEST"}
    answer["alerts"].append(test_message)
    server.answer("/alerts", answer)

    alerts = BrightSkyClient().alerts(latitude=LAT, longitude=LON)

    assert [a.headline for a in alerts] == ["Amtliche WARNUNG vor STURMBÖEN"]


def test_once_the_service_failed_completely_further_requests_try_once(server):
    server.answer("/current_weather", {"error": "down"}, status=503)
    server.answer("/alerts", {"error": "down"}, status=503)
    client = BrightSkyClient()

    with pytest.raises(ProviderError, match=r"HTTP 503 \(after 2 attempts\)"):
        client.current(latitude=LAT, longitude=LON)
    with pytest.raises(ProviderError, match=r"HTTP 503 \(one attempt, service down\)"):
        client.current(latitude=LAT, longitude=LON)
    assert len(server.requests) == 2 + 1

    server.answer("/current_weather", current_answer())
    client.current(latitude=LAT, longitude=LON)  # back: retries are allowed again
    server.requests.clear()
    with pytest.raises(ProviderError, match=r"after 2 attempts"):
        client.alerts(latitude=LAT, longitude=LON)


def test_pauses_between_attempts_are_capped(server, monkeypatch):
    server.answer("/current_weather", {"error": "down"}, status=503)
    pauses = []
    monkeypatch.setattr(time, "sleep", pauses.append)

    with pytest.raises(ProviderError):
        BrightSkyClient(retries=4, backoff=20).current(latitude=LAT, longitude=LON)

    assert pauses == [20, 30, 30, 30]  # not 20, 40, 80, 160 s
