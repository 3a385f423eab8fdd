"""/healthz and /readyz: what a load balancer asking every second gets (newsroom/health.py).

Each failure is a real one: a redis-server stopped, an S3 endpoint gone, the queue's table
locked by another connection, an app process whose database refuses or never answers;
hangs are TCP servers that accept and say nothing."""

import json
import os
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.db import connection
from django_tasks_db.models import DBTaskResult
from prometheus_client import REGISTRY

from newsroom import health
from tests.proxy.conftest import Forwarder, eventually
from tests.proxy.test_redis import RedisServer
from tests.s3 import bucket, s3_media, s3_server  # noqa: F401 (fixtures)

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 0.3  # READINESS_TIMEOUT in these tests
SLACK = 0.5  # what a busy test machine may add (a hang would take seconds, or forever)


@pytest.fixture(autouse=True)
def _checks(settings):
    settings.READINESS_TIMEOUT = TIMEOUT
    yield
    # Their threads hold database connections; the test database is dropped at the end.
    health.close()


class SilentServer:
    """Accepts connections and never answers: a hung Redis, database or bucket."""

    def __init__(self):
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.accepted: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                self.accepted.append(self.listener.accept()[0])
            except OSError:
                return

    def close(self):
        try:
            self.listener.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept()
        except OSError:
            pass
        self.listener.close()
        for s in self.accepted:
            s.close()


@pytest.fixture
def silent_server():
    server = SilentServer()
    yield server
    server.close()


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def states(response) -> dict[str, str]:
    lines = response.content.decode().splitlines()
    return dict(line.split(": ", 1) for line in lines)


def timed_readyz(client):
    started = time.monotonic()
    response = client.get("/readyz")
    return response, time.monotonic() - started


def redis_cache(url: str, socket_timeout: float = 0.5) -> dict:
    return {
        "default": {
            "BACKEND": "newsroom.cache.ResilientRedisCache",
            "LOCATION": url,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": socket_timeout},
        }
    }


def assert_not_cached(response):
    assert response["Cache-Control"] == "no-store"
    assert not response.cookies
    assert "Set-Cookie" not in response
    assert "ETag" not in response and "Last-Modified" not in response


# --- Answers ---------------------------------------------------------------------------


def test_healthz_says_the_process_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok\n"
    assert_not_cached(response)
    assert client.head("/healthz").status_code == 200


@pytest.mark.django_db
def test_readyz_is_200_when_everything_answers(client):
    response = client.get("/readyz")
    assert response.status_code == 200, response.content
    assert states(response) == {"database": "ok", "cache": "ok", "storage": "ok", "queue": "ok"}
    assert_not_cached(response)


@pytest.mark.django_db
def test_answered_by_ip_over_plain_http_in_production(client, settings):
    """A load balancer asks http://10.0.0.5:8000/healthz: no https redirect, no Host check."""
    settings.SECURE_SSL_REDIRECT = True
    settings.ALLOWED_HOSTS = ["lindenau-nachrichten.de"]
    # The site itself redirects plain http and refuses hosts it does not know ...
    assert client.get("/", HTTP_HOST="lindenau-nachrichten.de").status_code == 301
    assert client.get("/", HTTP_HOST="10.0.0.5:8000").status_code == 400
    # ... the checks answer anyone.
    for path in ("/healthz", "/readyz"):
        response = client.get(path, HTTP_HOST="10.0.0.5:8000")
        assert response.status_code == 200, (path, response.content)
        assert_not_cached(response)


@pytest.mark.django_db
def test_never_answered_from_a_cache(client):
    """The page cache's ETags and 304s (newsroom.caching) never reach the checks."""
    page = client.get("/robots.txt")
    assert page["ETag"]
    assert client.get("/robots.txt", HTTP_IF_NONE_MATCH=page["ETag"]).status_code == 304
    response = client.get(
        "/readyz", HTTP_IF_NONE_MATCH="*", HTTP_IF_MODIFIED_SINCE=page["Last-Modified"]
    )
    assert response.status_code == 200 and states(response)["database"] == "ok"
    assert_not_cached(response)


def test_only_get_and_head(client):
    response = client.post("/readyz")
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"


@pytest.mark.django_db
def test_a_check_costs_two_trivial_statements(client):
    """A load balancer asks every second: `SELECT 1` and one lookup by primary key in the
    queue's table, on connections kept between calls (counted by django-prometheus)."""
    labels = {"alias": "default", "vendor": connection.vendor}

    def statements() -> float:
        return REGISTRY.get_sample_value("django_db_execute_total", labels) or 0

    assert client.get("/readyz").status_code == 200  # connects
    before = statements()
    for _ in range(10):
        assert client.get("/readyz").status_code == 200
    assert statements() - before == 20


# --- Failures --------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_stopped_redis_is_named_though_the_site_goes_on_without_it(client, settings, tmp_path):
    redis_server = RedisServer(tmp_path)
    redis_server.start()
    try:
        settings.CACHES = redis_cache(redis_server.url)
        assert client.get("/readyz").status_code == 200
        redis_server.stop()
        response = client.get("/readyz")
        assert response.status_code == 503
        assert states(response) == {
            "database": "ok", "cache": "ConnectionError", "storage": "ok", "queue": "ok",
        }  # fmt: skip
        assert_not_cached(response)
        # The site itself serves without the cache (newsroom/cache.py).
        assert client.get("/robots.txt").status_code == 200
        redis_server.start()
        assert client.get("/readyz").status_code == 200
    finally:
        redis_server.stop()


@pytest.mark.django_db
def test_a_hanging_redis_costs_the_timeout_and_one_thread(client, settings, silent_server):
    # Redis's own timeout is longer than the check's: the check's bounds the answer.
    settings.CACHES = redis_cache(f"redis://127.0.0.1:{silent_server.port}/0", socket_timeout=5)
    threads = threading.active_count()
    for _ in range(5):
        response, seconds = timed_readyz(client)
        assert response.status_code == 503
        assert states(response)["cache"] == "timeout"
        assert states(response)["database"] == "ok"
        assert seconds < TIMEOUT + SLACK
    # The probe still hanging since the first call was not started again.
    assert threading.active_count() <= threads + 4  # one thread per dependency
    assert [t.name for t in threading.enumerate()].count("readyz-cache") == 1
    # The hung connection ends: the next call asks again and gets a refusal.
    silent_server.close()
    time.sleep(0.1)
    assert states(client.get("/readyz"))["cache"] == "ConnectionError"


@pytest.mark.django_db
def test_an_unreachable_bucket_is_named(client, settings, s3_media, s3_server):  # noqa: F811
    relay = Forwarder(s3_server.port)
    try:
        settings.AWS_S3_ENDPOINT_URL = f"http://127.0.0.1:{relay.port}"
        settings.STORAGES = {**settings.STORAGES}  # builds the storage anew
        # Its first use in the check's thread builds boto3's client, which takes about half
        # a second (done at a worker's start, newsroom.health.warm_up): ready soon after.
        eventually(lambda: client.get("/readyz").status_code == 200, timeout=5)
        relay.stop()
        response = client.get("/readyz")
        assert response.status_code == 503
        found = states(response)
        assert found["storage"] != "ok"
        assert found["database"] == found["cache"] == found["queue"] == "ok"
    finally:
        relay.stop()


@contextmanager
def queue_table_locked():
    """Another connection holds the queue's table (a migration, a VACUUM FULL, a LOCK)."""
    table = DBTaskResult._meta.db_table
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        # SQLite locks the whole file: statements that read no table still run.
        other = sqlite3.connect(db["NAME"], isolation_level=None)
        other.execute("BEGIN EXCLUSIVE")
    else:
        import psycopg2

        other = psycopg2.connect(
            dbname=db["NAME"], user=db["USER"], password=db["PASSWORD"] or None,
            host=db["HOST"] or None, port=db["PORT"] or None,
        )  # fmt: skip
        other.cursor().execute(f'LOCK TABLE "{table}" IN ACCESS EXCLUSIVE MODE')
    try:
        yield
    finally:
        other.rollback()
        other.close()


@pytest.mark.django_db(transaction=True)
def test_a_locked_queue_table_is_named(client):
    assert client.get("/readyz").status_code == 200
    with queue_table_locked():
        response, seconds = timed_readyz(client)
        assert response.status_code == 503
        assert states(response) == {
            "database": "ok", "cache": "ok", "storage": "ok", "queue": "timeout",
        }  # fmt: skip
        assert seconds < TIMEOUT + SLACK
    # Released: the waiting lookup goes through, and the queue is ready again.
    time.sleep(0.1)
    assert client.get("/readyz").status_code == 200


def readyz_in_an_app_process(database_url: str) -> dict:
    """GET /readyz in a fresh app process whose DATABASE_URL is `database_url`."""
    code = (
        "import json, time\n"
        "from django.test import Client\n"
        "started = time.monotonic()\n"
        "response = Client().get('/readyz')\n"
        "print(json.dumps({'status': response.status_code, 'body': response.content.decode(),"
        " 'seconds': time.monotonic() - started}))\n"
    )
    env = {**os.environ, "DATABASE_URL": database_url, "READINESS_TIMEOUT": str(TIMEOUT)}
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    answer["log"] = result.stderr
    return answer


def test_a_database_that_refuses_connections_is_named():
    answer = readyz_in_an_app_process(f"postgres://newsroom@127.0.0.1:{closed_port()}/newsroom")
    assert answer["status"] == 503
    assert "database: OperationalError\n" in answer["body"]
    assert "queue: OperationalError\n" in answer["body"]  # the queue lives there too
    # The log says why, once; the load balancer's every call is not logged.
    assert "Not ready: database: OperationalError: connection to server" in answer["log"]
    assert "Service Unavailable" not in answer["log"]


def test_a_database_that_never_answers_costs_the_timeout(silent_server):
    answer = readyz_in_an_app_process(f"postgres://newsroom@127.0.0.1:{silent_server.port}/x")
    assert answer["status"] == 503
    assert "database: timeout\n" in answer["body"]
    assert "cache: ok\n" in answer["body"] and "storage: ok\n" in answer["body"]
    assert answer["seconds"] < TIMEOUT + SLACK
