"""A whole refresh run: many places against a slow service, and runs that must not overlap."""

import logging
import os
import subprocess
import sys
import time
from io import StringIO
from urllib.parse import quote

import pytest
from django.conf import settings as django_settings
from django.core.checks import run_checks
from django.core.management import CommandError, call_command
from django.db import connection

from weather.models import Place, Report

from .fakes import serve_good_weather

# The command runs in other threads and processes, which see only committed data.
pytestmark = pytest.mark.django_db(transaction=True)


def make_places(count: int) -> list[Place]:
    return [
        Place.objects.create(
            name=f"Ort {n:02d}", slug=f"ort-{n:02d}", latitude=f"51.{n:02d}", longitude="7.0"
        )
        for n in range(count)
    ]


def test_twelve_slow_places_take_a_fraction_of_their_time_in_a_row(server, settings):
    places = make_places(12)
    serve_good_weather(server)
    server.answer("/current_weather", server.routes[("/current_weather", None)].body, delay=1.0)
    settings.WEATHER_TIMEOUT = 5
    settings.WEATHER_CONCURRENCY = 4

    started = time.monotonic()
    call_command("refresh_weather", stdout=StringIO())
    elapsed = time.monotonic() - started

    assert elapsed < 6  # one after another: at least 12 s
    assert Report.objects.count() == 3 * len(places)


def test_places_not_reached_in_the_budget_keep_their_data_and_come_first_next_time(
    server, settings, caplog
):
    make_places(12)
    serve_good_weather(server)
    call_command("refresh_weather", stdout=StringIO())
    before = {r.pk: r.fetched_at for r in Report.objects.all()}

    # Each place now needs one second; two at a time, no request started after 1.5 s.
    server.answer("/current_weather", server.routes[("/current_weather", None)].body, delay=1.0)
    settings.WEATHER_TIMEOUT = 5
    settings.WEATHER_CONCURRENCY = 2
    settings.WEATHER_REFRESH_BUDGET = 1.5
    out = StringIO()
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="weather"), pytest.raises(CommandError) as error:
        call_command("refresh_weather", stdout=out)
    elapsed = time.monotonic() - started

    assert elapsed < 3.5  # the budget plus the requests running when it ran out
    assert "10 place(s) not fully refreshed" in str(error.value)
    not_reached = [line.split(":")[0] for line in out.getvalue().splitlines()
                   if line.endswith("not reached within the time budget, data kept.")]  # fmt: skip
    assert len(not_reached) == 8  # two done in time, two stopped before their forecast
    [summary] = [r.getMessage() for r in caplog.records if "time budget of 1.5 s" in r.getMessage()]
    assert all(name in summary for name in not_reached)
    for report in Report.objects.filter(place__name__in=not_reached):
        assert report.fetched_at == before[report.pk]  # kept, the site shows it with its age
    assert {p.name for p in Place.objects.refresh_order()[:8]} == set(not_reached)


def command_env(server) -> dict[str, str]:
    """The environment for `manage.py refresh_weather` on this test's database and server."""
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        url = (f"postgres://{quote(db['USER'])}:{quote(db['PASSWORD'] or '')}@{db['HOST']}:"
               f"{db['PORT'] or 5432}/{db['NAME']}")  # fmt: skip
    else:
        url = f"sqlite:///{db['NAME']}"
    return {
        **os.environ,
        "DATABASE_URL": url,
        "WEATHER_PROVIDER": "brightsky",
        "WEATHER_BASE_URL": server.url,
        "WEATHER_TIMEOUT": "5",
        "RUN_LOCK_DIR": str(django_settings.RUN_LOCK_DIR),
    }


COMMAND = [sys.executable, "manage.py", "refresh_weather"]


def command_in_another_process(server) -> subprocess.Popen:
    """The command as cron would start it."""
    return subprocess.Popen(
        COMMAND,
        cwd=django_settings.BASE_DIR,
        env=command_env(server),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def wait_for_first_request(server, process) -> None:
    for _ in range(200):
        if server.requests:
            return  # the lock is taken before any place is fetched
        assert process.poll() is None, process.stdout.read()
        time.sleep(0.05)
    pytest.fail("the other run asked the service nothing within 10 s")


def test_a_second_run_exits_at_once_while_the_first_still_runs(server):
    make_places(4)
    serve_good_weather(server)
    # Long enough for a second process to start while the first still runs.
    server.answer("/current_weather", server.routes[("/current_weather", None)].body, delay=3)
    first = command_in_another_process(server)
    try:
        wait_for_first_request(server, first)

        started = time.monotonic()
        with pytest.raises(CommandError, match="Another refresh_weather run is still") as error:
            call_command("refresh_weather", stdout=StringIO())
        assert time.monotonic() - started < 1
        assert error.value.returncode == 75
        # cron's view: the exit status of a real second process
        second = subprocess.run(COMMAND, cwd=django_settings.BASE_DIR, env=command_env(server),
                                capture_output=True, text=True, timeout=60)  # fmt: skip
        assert first.poll() is None, "the first run ended before the second was tried"
    finally:
        output, _ = first.communicate(timeout=60)
    assert second.returncode == 75, second.stderr
    assert "Another refresh_weather run is still going" in second.stderr
    assert first.returncode == 0, output
    assert Report.objects.count() == 12


def test_a_run_that_died_leaves_no_lock_behind(server):
    make_places(4)
    serve_good_weather(server)
    server.answer("/current_weather", server.routes[("/current_weather", None)].body, delay=5)
    crashed = command_in_another_process(server)
    wait_for_first_request(server, crashed)
    crashed.kill()  # SIGKILL: no clean-up code runs
    crashed.communicate(timeout=10)

    server.answer("/current_weather", server.routes[("/current_weather", None)].body)
    call_command("refresh_weather", stdout=StringIO())

    assert Report.objects.count() == 12


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "ftp://api.brightsky.dev", "api.brightsky.dev", "https://",
            "http://[::1"],
)  # fmt: skip
def test_a_weather_base_url_that_is_not_http_is_refused_at_start(settings, url):
    settings.WEATHER_BASE_URL = url

    errors = [e for e in run_checks() if e.id == "weather.E002"]

    assert errors and "not an http:// or https:// address" in errors[0].msg


def test_http_and_https_weather_base_urls_pass_the_check(settings):
    for url in ["https://api.brightsky.dev", "http://127.0.0.1:8080/brightsky"]:
        settings.WEATHER_BASE_URL = url
        assert not [e for e in run_checks() if e.id == "weather.E002"]
