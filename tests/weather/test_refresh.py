"""Refreshing: what is stored, what is refused, and that the last good data survives."""

import copy
import io
import logging
import time
from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from weather.forecast import BERLIN, summarize_days
from weather.models import Place, Report
from weather.providers import Hour
from weather.services import place_make_default, weather_refresh

from .fakes import alerts_answer, current_answer, forecast_answer, serve_good_weather

pytestmark = pytest.mark.django_db


def stored(place, kind):
    return Report.objects.get(place=place, kind=kind)


def test_refresh_stores_conditions_forecast_and_warnings_with_their_times(server, place):
    serve_good_weather(server)

    result = weather_refresh(place=place)

    assert result.ok
    assert sorted(server.paths()) == ["/alerts", "/current_weather", "/weather"]
    current = stored(place, Report.Kind.CURRENT)
    assert current.provider == "brightsky"
    assert current.conditions().temperature == 8.6
    assert timezone.now() - current.fetched_at < timedelta(seconds=10)
    assert current.as_of == current.conditions().observed_at  # measured, not fetched
    assert len(stored(place, Report.Kind.FORECAST).days()) == 7
    assert stored(place, Report.Kind.ALERTS).alerts()[0].headline == (
        "Amtliche WARNUNG vor STURMBÖEN"
    )
    place.refresh_from_db()
    assert place.last_success_at is not None
    assert place.last_error == ""


# Each way a current-conditions answer can go wrong, with what the log line must say.
BROKEN_CURRENT = {
    "timeout": ({"body": current_answer(), "delay": 1.0}, "no answer within 0.3 s"),
    "http 500": ({"body": {"error": "boom"}, "status": 500}, "HTTP 500"),
    "malformed json": ({"body": b"<html>Wartungsarbeiten</html>"}, "malformed JSON"),
    "missing field": ({"body": {"weather": {}, "sources": []}}, "'source_id' is missing"),
    "extreme value": (
        {"body": current_answer(temperature=85.3)},
        "temperature 85.3 is outside -60..60",
    ),
    "far station": (
        {"body": current_answer(source_id=238701)},  # made far away below
        "station Haltern is 312 km away (limit 50 km)",
    ),
}


@pytest.mark.parametrize("case", BROKEN_CURRENT, ids=list(BROKEN_CURRENT))
def test_a_bad_answer_keeps_the_last_good_data_and_logs_one_line(server, place, caplog, case):
    serve_good_weather(server)
    weather_refresh(place=place)
    good = stored(place, Report.Kind.CURRENT)
    place.refresh_from_db()
    last_success = place.last_success_at

    answer, message = copy.deepcopy(BROKEN_CURRENT[case])
    if case == "far station":
        answer["body"]["sources"][1]["distance"] = 312_000
    server.answer("/current_weather", answer.pop("body"), **answer)
    with caplog.at_level(logging.WARNING, logger="weather"):
        result = weather_refresh(place=place)

    assert not result.ok
    kept = stored(place, Report.Kind.CURRENT)
    assert (kept.data, kept.fetched_at) == (good.data, good.fetched_at)
    assert kept.conditions().temperature == 8.6
    [line] = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert line.startswith("Weather for Dorsten: current conditions not updated, keeping")
    assert message in line
    place.refresh_from_db()
    assert place.last_success_at == last_success  # the admin now shows it as not refreshed
    assert message in place.last_error


def test_a_failing_part_does_not_hold_back_the_others(server, place):
    serve_good_weather(server, alerts=False)
    weather_refresh(place=place)
    server.answer("/current_weather", current_answer(temperature=3.1))
    server.answer("/alerts", {"error": "boom"}, status=503)

    result = weather_refresh(place=place)

    assert result.updated == ["current", "forecast"]
    assert list(result.failed) == ["alerts"]
    assert stored(place, Report.Kind.CURRENT).conditions().temperature == 3.1
    assert stored(place, Report.Kind.ALERTS).data == []  # the last good answer: no warnings


def test_an_implausible_forecast_is_refused(server, place, caplog):
    server.answer("/current_weather", current_answer())
    server.answer(
        "/weather", forecast_answer(hour=lambda t: {"temperature": 71.0} if t.hour == 15 else {})
    )
    server.answer("/alerts", alerts_answer())

    with caplog.at_level(logging.WARNING, logger="weather"):
        result = weather_refresh(place=place)

    assert list(result.failed) == ["forecast"]
    assert not Report.objects.filter(place=place, kind=Report.Kind.FORECAST).exists()
    assert "temperature at" in caplog.text and "71.0 is outside -60..60" in caplog.text


def test_a_forecast_from_a_far_station_is_refused(server, place, caplog):
    serve_good_weather(server)
    server.answer("/weather", forecast_answer(distance=180_000))

    with caplog.at_level(logging.WARNING, logger="weather"):
        result = weather_refresh(place=place)

    assert list(result.failed) == ["forecast"]
    assert "station GELSENKIRCHEN is 180 km away (limit 50 km)" in caplog.text


def test_warnings_with_an_unknown_severity_are_refused(server, place):
    serve_good_weather(server)
    answer = alerts_answer()
    answer["alerts"][0]["severity"] = "apocalyptic"
    server.answer("/alerts", answer)

    result = weather_refresh(place=place)

    assert "unknown severity 'apocalyptic'" in result.failed["alerts"]


def _hour(day: date, hour: int, temperature, *, condition="dry", icon="cloudy", rain=0.0):
    return Hour(
        time=datetime(day.year, day.month, day.day, hour, tzinfo=BERLIN),
        temperature=temperature,
        precipitation=rain,
        condition=condition,
        icon=icon,
        wind_speed=10.0,
    )


def test_days_are_summarised_from_the_hours():
    monday, tuesday, wednesday = date(2026, 11, 30), date(2026, 12, 1), date(2026, 12, 2)
    hours = [
        # Monday: rain from 14 to 16 h decides the day, although it is mostly cloudy.
        *[
            _hour(monday, h, 1.5 + h / 4, **({"condition": "rain", "icon": "rain", "rain": 0.7}
                                               if 14 <= h < 17 else {}))
            for h in range(24)
        ],
        # Tuesday: dry, mostly sunny in daytime (a clear night does not count as sunny).
        *[
            _hour(tuesday, h, -2.0 if h < 8 else 4.0,
                  icon="clear-day" if 8 <= h < 16 else "clear-night" if h < 8 else "cloudy")
            for h in range(24)
        ],
        _hour(wednesday, 0, -5.0),  # the cut-off record at the end of the answer
    ]  # fmt: skip

    days = summarize_days(hours)

    assert [d.date for d in days] == [monday, tuesday]  # Wednesday is no complete day
    assert (days[0].temperature_min, days[0].temperature_max) == (1.5, 7.25)
    assert days[0].precipitation == 2.1
    assert (days[0].condition, days[0].icon, days[0].label) == ("rain", "rain", "Regen")
    assert (days[1].temperature_min, days[1].temperature_max) == (-2.0, 4.0)
    assert (days[1].condition, days[1].icon, days[1].label) == ("dry", "clear-day", "Sonnig")


def _hours_from(start: datetime, count: int, **fields) -> list[Hour]:
    """`count` consecutive hours from `start`, stepped in UTC as real time passes."""
    return [
        Hour(time=start + timedelta(hours=n), temperature=float(n), precipitation=1.0,
             condition="dry", icon="cloudy", **fields)
        for n in range(count)
    ]  # fmt: skip


def test_days_are_split_at_midnight_in_berlin_whatever_offset_the_answer_uses():
    # 23:00 UTC is midnight in Berlin in winter: that hour belongs to the next day.
    hours = _hours_from(datetime(2026, 11, 29, 23, tzinfo=UTC), 48)

    days = summarize_days(hours)

    assert [d.date for d in days] == [date(2026, 11, 30), date(2026, 12, 1)]
    assert [(d.temperature_min, d.temperature_max) for d in days] == [(0, 23), (24, 47)]


@pytest.mark.parametrize(
    ("day", "hours_that_day"),
    [(date(2026, 3, 29), 23), (date(2026, 10, 25), 25)],
    ids=["summer time begins", "summer time ends"],
)
def test_days_when_the_clocks_change_have_all_their_hours(day, hours_that_day):
    midnight = datetime.combine(day, datetime.min.time(), tzinfo=BERLIN)
    hours = _hours_from(midnight.astimezone(UTC), 3 * 24)

    [first, *_] = summarize_days(hours)

    assert first.date == day
    assert first.precipitation == hours_that_day  # 1 mm in each hour of the local day
    assert first.temperature_max == hours_that_day - 1


def test_the_command_refreshes_every_place_and_fails_loudly_for_one(server, place, capsys):
    other = Place.objects.create(name="Wulfen", slug="wulfen", latitude="51.72", longitude="7.03")
    serve_good_weather(server)
    server.answer("/current_weather", {"error": "boom"}, status=500, lat="51.72")

    with pytest.raises(CommandError, match="1 place"):
        call_command("refresh_weather")

    out = capsys.readouterr().out
    assert "Dorsten: updated (brightsky)." in out
    assert "Wulfen: kept the last good data for current." in out
    assert Report.objects.filter(place=place).count() == 3
    assert not Report.objects.filter(place=other, kind=Report.Kind.CURRENT).exists()


def test_the_command_can_refresh_one_place(server, place):
    Place.objects.create(name="Wulfen", slug="wulfen", latitude="51.72", longitude="7.03")
    serve_good_weather(server)

    call_command("refresh_weather", "--place", "wulfen")

    assert {q["lat"] for _, q in server.requests} == {"51.72"}
    with pytest.raises(CommandError, match="No weather place with slug: holsterhausen"):
        call_command("refresh_weather", "--place", "holsterhausen")


def test_making_a_place_the_default_unsets_the_old_one(place):
    other = Place.objects.create(name="Wulfen", slug="wulfen", latitude="51.72", longitude="7.03")

    place_make_default(place=other)

    assert list(Place.objects.filter(is_default=True)) == [other]


def test_when_the_service_is_down_a_run_does_not_retry_every_request(server, place, settings):
    settings.WEATHER_CONCURRENCY = 1  # one place after the other, so the count is exact
    Place.objects.create(name="Wulfen", slug="wulfen", latitude="51.72", longitude="7.03")
    for path in ["/current_weather", "/weather", "/alerts"]:
        server.answer(path, {"error": "down"}, status=503)

    with pytest.raises(CommandError, match="2 place"):
        call_command("refresh_weather")

    # The first request is tried twice (WEATHER_RETRIES=1), the five after it once each.
    assert len(server.requests) == 2 + 5


# The loop closes stale connections between rounds, which ends a test's transaction.
@pytest.mark.django_db(transaction=True)
def test_the_running_command_picks_up_places_added_meanwhile(server, place, monkeypatch):
    serve_good_weather(server)
    pauses = []

    def sleep(seconds):
        pauses.append(seconds)
        if len(pauses) == 1:
            Place.objects.create(name="Wulfen", slug="wulfen", latitude="51.72", longitude="7.03")
        else:
            raise KeyboardInterrupt  # ends the loop after the second round

    monkeypatch.setattr(time, "sleep", sleep)
    with pytest.raises(KeyboardInterrupt):
        call_command("refresh_weather", "--every", "900", stdout=io.StringIO())

    assert pauses == [900, 900]
    assert Report.objects.filter(place__slug="wulfen").count() == 3
