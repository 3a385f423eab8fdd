"""What monitoring reads: /metrics (newsroom/metrics.py, newsroom/health.py) and the log
lines with the request id (newsroom/logging.py)."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from prometheus_client.parser import text_string_to_metric_families

from tests.proxy.conftest import database_url

ROOT = Path(__file__).resolve().parents[2]


def scrape(client, **extra) -> dict[tuple[str, tuple], float]:
    """/metrics as {(sample name, sorted labels): value}, asked from 127.0.0.1."""
    response = client.get("/metrics", **extra)
    assert response.status_code == 200, response.content
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
    }


def answered(metrics, view: str, status: str = "200") -> float:
    key = ("django_http_responses_total_by_status_view_method_total",
           (("method", "GET"), ("status", status), ("view", view)))  # fmt: skip
    return metrics.get(key, 0)


# --- Who gets them ---------------------------------------------------------------------


@pytest.mark.django_db
def test_served_to_the_machine_itself_never_cached(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.ALLOWED_HOSTS = ["lindenau-nachrichten.de"]
    response = client.get("/metrics")  # the test client asks from 127.0.0.1
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")
    assert response["Cache-Control"] == "no-store"
    assert not response.cookies and "ETag" not in response
    assert b"newsroom_purge_failures_total" in response.content
    # Over plain http, by IP address, with production's https redirect (as Prometheus asks).
    assert client.get("/metrics", HTTP_HOST="10.0.0.5:8000").status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    "remote, forwarded",
    [
        ("203.0.113.9", None),  # straight to gunicorn from elsewhere
        ("127.0.0.1", "203.0.113.9"),  # a reader, forwarded by a trusted proxy
        ("127.0.0.1", "203.0.113.9, 127.0.0.1"),  # a reader through nginx and Varnish
        ("127.0.0.1", "127.0.0.1, 203.0.113.9, 127.0.0.1"),  # ... who wrote 127.0.0.1 first
        ("198.51.100.20", "127.0.0.1"),  # a stranger claiming to forward the machine
    ],
)
def test_refused_to_anyone_else(client, settings, remote, forwarded):
    settings.TRUSTED_PROXY_COUNT = 2
    headers = {"REMOTE_ADDR": remote}
    if forwarded:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    response = client.get("/metrics", **headers)
    assert response.status_code == 404
    assert response["Cache-Control"] == "no-store"
    assert b"django_http" not in response.content


@pytest.mark.django_db
def test_forwarded_requests_are_refused_whatever_the_proxy_count(client, settings):
    # Without TRUSTED_PROXY_COUNT the limits take everyone for the proxy; /metrics does not.
    settings.TRUSTED_PROXY_COUNT = 0
    response = client.get("/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert response.status_code == 404


@pytest.mark.django_db
def test_allowed_addresses_and_networks(client, settings):
    settings.METRICS_ALLOWED_IPS = ["10.0.0.0/24", "2001:db8::7"]
    assert client.get("/metrics", REMOTE_ADDR="10.0.0.9").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="2001:db8::7").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="10.0.1.9").status_code == 404
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 404
    # A scraper behind a proxy of ours: the proxy's word is believed.
    settings.TRUSTED_PROXIES = ["192.168.5.1"]
    allowed = client.get("/metrics", REMOTE_ADDR="192.168.5.1", HTTP_X_FORWARDED_FOR="10.0.0.9")
    assert allowed.status_code == 200


def test_a_wrong_address_stops_the_start():
    env = {**os.environ, "METRICS_ALLOWED_IPS": "127.0.0.1,localhost"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True,
        text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode != 0
    assert "METRICS_ALLOWED_IPS" in result.stderr


# --- What they say ---------------------------------------------------------------------


@pytest.mark.django_db
def test_requests_are_counted_by_view_and_status(client):
    before = scrape(client)
    for _ in range(3):
        assert client.get("/robots.txt").status_code == 200
    assert client.get("/gibt-es-nicht/").status_code == 404
    after = scrape(client)
    assert answered(after, "robots") - answered(before, "robots") == 3
    assert any(
        name == "django_http_responses_total_by_status_view_method_total"
        and dict(labels)["status"] == "404"
        for name, labels in after
    )
    # Latency by view, and the database's statements (django-prometheus' backends).
    assert any(name.startswith("django_http_requests_latency_seconds_by_view_method")
               and ("view", "robots") in labels for name, labels in after)  # fmt: skip
    assert any(name == "django_db_execute_total" for name, _ in after)


@pytest.mark.django_db
def test_cache_reads_are_counted(client):
    def gets(metrics):
        return sum(v for (name, _), v in metrics.items() if name == "django_cache_get_total")

    before = scrape(client)
    assert client.get("/").status_code == 200  # the navigation and boxes come from the cache
    assert gets(scrape(client)) > gets(before)


@pytest.mark.django_db
def test_the_queue_as_the_database_holds_it(client, django_assert_num_queries):
    def task(status: str) -> DBTaskResult:
        return DBTaskResult(
            status=status, args_kwargs={"args": [], "kwargs": {}}, backend_name="default",
            task_path="jobs.tasks.example", run_after=timezone.now(),
        )  # fmt: skip

    statuses = ["READY"] * 3 + ["RUNNING"] + ["FAILED"] * 2 + ["SUCCESSFUL"] * 4
    DBTaskResult.objects.bulk_create(task(status) for status in statuses)
    with django_assert_num_queries(3):  # one indexed count per gauge
        metrics = scrape(client)
    assert metrics[("newsroom_tasks_ready", ())] == 3
    assert metrics[("newsroom_tasks_running", ())] == 1
    assert metrics[("newsroom_tasks_failed", ())] == 2
    DBTaskResult.objects.filter(status="READY").update(status="RUNNING")
    metrics = scrape(client)
    assert metrics[("newsroom_tasks_ready", ())] == 0
    assert metrics[("newsroom_tasks_running", ())] == 4


# --- The request id --------------------------------------------------------------------


@pytest.mark.django_db
def test_the_request_id_from_the_proxy_is_echoed(client):
    response = client.get("/robots.txt", HTTP_X_REQUEST_ID="34567")
    assert response["X-Request-ID"] == "34567"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "remote, given",
    [
        ("127.0.0.1", ""),  # none sent
        ("203.0.113.9", "34567"),  # straight to gunicorn from elsewhere
        ("127.0.0.1", "a b"),  # not an id
        ("127.0.0.1", "x" * 200),
    ],
)
def test_otherwise_the_app_makes_one(client, remote, given):
    headers = {"REMOTE_ADDR": remote, "HTTP_X_REQUEST_ID": given}
    first = client.get("/robots.txt", **headers)["X-Request-ID"]
    second = client.get("/robots.txt", **headers)["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", first) and first != second


LOGGING_APP = """
import json
from django.test import Client
client = Client(raise_request_exception=False)
given = client.get("/gibt-es-nicht/", HTTP_X_REQUEST_ID="varnish-4711")
made = client.get("/auch-nicht/")
print(json.dumps({"given": given["X-Request-ID"], "made": made["X-Request-ID"]}))
"""


def app_log(**env) -> tuple[dict, list[str]]:
    """Two missing pages asked in an app process: the ids it answered, and its log lines."""
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-v0", "-c", LOGGING_APP], cwd=ROOT,
        env={**os.environ, "DATABASE_URL": database_url(), **env}, capture_output=True,
        text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    ids = json.loads(result.stdout.strip().splitlines()[-1])
    lines = [line for line in result.stderr.splitlines() if "No directory at" not in line]
    return ids, lines


@pytest.mark.django_db
def test_json_log_lines_carry_the_request_id():
    ids, lines = app_log(LOG_FORMAT="json")
    records = [json.loads(line) for line in lines if line.startswith("{")]
    # Every line on stderr from the app's logging is JSON (warnings.warn's are not logging).
    not_found = {r["message"]: r for r in records if r["logger"] == "django.request"}
    given = not_found["Not Found: /gibt-es-nicht/"]
    assert given["request_id"] == ids["given"] == "varnish-4711"
    assert given["level"] == "WARNING" and given["status_code"] == 404
    assert given["timestamp"].endswith("+00:00")
    made = not_found["Not Found: /auch-nicht/"]
    assert made["request_id"] == ids["made"] and re.fullmatch(r"[0-9a-f]{32}", ids["made"])


@pytest.mark.django_db
def test_plain_log_lines_stay_as_they_were():
    ids, lines = app_log()
    assert "Not Found: /gibt-es-nicht/" in lines
    assert not any(line.startswith("{") for line in lines)


def test_an_unknown_log_format_stops_the_start():
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT,
        env={**os.environ, "LOG_FORMAT": "xml"}, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode != 0
    assert "LOG_FORMAT must be plain or json" in result.stderr


def test_counting_keeps_what_the_cache_holds():
    """A cached 0, [] or False is a hit and comes back as it was (django-prometheus' own
    backends return the default for those)."""
    from django.core.cache import cache

    for value in (0, [], False, ""):
        cache.set("kept", value)
        assert cache.get("kept", "fehlt") == value
    assert cache.get("nie-gesetzt", "fehlt") == "fehlt"
