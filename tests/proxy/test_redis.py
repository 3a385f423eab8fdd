"""REDIS_URL: separate app processes (as gunicorn workers on several machines would be)
share one Redis as the default cache: versions, invalidations and click de-duplication.
And when Redis is down or hangs, the site goes on without it (newsroom/cache.py)."""

import json
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from ads.models import BannerStat, ads_today
from tests.ads.factories import BannerFactory, counted
from tests.factories import ArticleFactory

from .conftest import ROOT, database_url, eventually, free_port, require_binary

REDIS_SERVER = shutil.which("redis-server") or (
    "/usr/bin/redis-server" if os.path.exists("/usr/bin/redis-server") else None
)


class RedisServer:
    """A redis-server of its own on a free port, which a test can stop, hang and start
    again on the same port."""

    def __init__(self, directory):
        self.binary = require_binary(REDIS_SERVER, "redis-server")
        self.directory = directory
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc = None

    def start(self) -> None:
        import redis

        self.proc = subprocess.Popen(
            [self.binary, "--bind", "127.0.0.1", "--port", str(self.port),
             "--dir", str(self.directory), "--save", "", "--appendonly", "no",
             "--daemonize", "no"],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while True:
            try:
                redis.Redis.from_url(self.url).ping()
                return
            except redis.ConnectionError:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    self.stop()
                    raise
                time.sleep(0.05)

    def stop(self) -> None:
        """As a crash or a restart: the port refuses connections, the data is gone."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGCONT)  # in case it hangs
            self.proc.terminate()
            self.proc.wait(10)

    def hang(self) -> None:
        """As an overloaded or blackholed Redis: connections open, nothing answers."""
        self.proc.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        self.proc.send_signal(signal.SIGCONT)


@pytest.fixture
def redis_server(tmp_path):
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def redis_url(redis_server):
    return redis_server.url


def in_app_process(redis_url: str, code: str) -> dict:
    """Run `code` in a fresh `manage.py shell` with REDIS_URL; it prints one JSON line."""
    env = {
        **os.environ,
        "REDIS_URL": redis_url,
        "DATABASE_URL": database_url(),
        "HTTP_CACHE_PURGE_URLS": "",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


READ = """
import json
from django.core.cache import cache, caches
from newsroom import caching
seen = {
    "backend": type(caches["default"]).__name__,
    "list": caching.read_versions()["list"][0],
    "ads": caching.read_versions()["ads"][0],
    "click_counted": cache.add("ads:click:test", True, timeout=60),
}
INVALIDATE
print(json.dumps(seen))
"""


def read(redis_url: str, invalidate: str = "") -> dict:
    code = READ.replace("INVALIDATE", f"caching.invalidate({invalidate!r})" if invalidate else "")
    return in_app_process(redis_url, code)


@pytest.mark.django_db
def test_processes_share_versions_invalidations_and_click_dedup(redis_url):
    first = read(redis_url)
    assert first["backend"] == "ResilientRedisCache"
    assert first["click_counted"] is True

    # Another process sees the same versions and the first one's click (rate limit shared).
    second = read(redis_url, invalidate="list")
    assert (second["list"], second["ads"]) == (first["list"], first["ads"])
    assert second["click_counted"] is False

    # ... and its invalidation reaches the first process's next page.
    third = read(redis_url)
    assert third["list"] > first["list"]
    assert third["ads"] == first["ads"]


# --- When Redis is down or hangs ------------------------------------------------------

TIMEOUT = 0.25  # socket timeouts (REDIS_TIMEOUT, 0.5 s in production)
RETRY_AFTER = 0.5  # seconds without trying Redis after a failure (5 s in production)
READER = "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/131.0 Mobile Safari/537.36"


@pytest.fixture
def redis_cache(settings, redis_server):
    """The app cache on `redis_server`, as settings.py configures it with REDIS_URL (with
    shorter waits, so that the tests need not wait as long)."""
    settings.CACHES = {
        "default": {
            "BACKEND": "newsroom.cache.ResilientRedisCache",
            "LOCATION": redis_server.url,
            "TIMEOUT": 300,
            "OPTIONS": {
                "socket_connect_timeout": TIMEOUT,
                "socket_timeout": TIMEOUT,
                "RETRY_AFTER": RETRY_AFTER,
            },
        }
    }
    return redis_server


def logged(caplog, text: str) -> int:
    return sum(r.name == "newsroom.cache" and text in r.getMessage() for r in caplog.records)


def cache_works() -> bool:
    """A value set is read back: Redis is used again."""
    cache.set("redis-test", "zurück")
    return cache.get("redis-test") == "zurück"


@pytest.mark.django_db
def test_readers_and_staff_are_served_while_redis_is_down(redis_cache, journalist, caplog):
    article = ArticleFactory(title="Brücke wird saniert")
    reader = Client(headers={"User-Agent": READER})
    assert reader.get("/").status_code == 200  # with Redis, filling the cache

    redis_cache.stop()
    for _ in range(3):
        home = reader.get("/")
        assert home.status_code == 200
        assert "Brücke wird saniert" in home.text
        page = reader.get(article.get_absolute_url())
        assert page.status_code == 200
        assert "Der Text des Artikels." in page.text
        # Varnish may keep it: during a breaking story's rush, the proxy carries the load
        # (bans on save go to Varnish over HTTP, Redis or not).
        assert "s-maxage" in page["Cache-Control"] and "no-cache" not in page["Cache-Control"]

    staff = Client()
    assert staff.get(reverse("admin:login")).status_code == 200
    response = staff.post(
        reverse("admin:login"),
        {"username": "redakteurin", "password": "geheim-und-lang-123", "next": "/admin/"},
    )
    assert response.status_code == 302
    assert staff.get("/admin/").status_code == 200
    assert logged(caplog, "Redis unavailable") == 1  # once, not per request


@pytest.mark.django_db
def test_ad_clicks_lead_on_uncounted_while_redis_is_down_and_count_again_after(redis_cache, caplog):
    banner = BannerFactory(target_url="https://example.org/sommerfest")
    reader = Client(headers={"User-Agent": READER})
    click = reverse("ads:banner-click", args=[banner.pk])

    def report():
        return reader.post(reverse("ads:seen"), {"shown": f"b{banner.pk}"})

    redis_cache.stop()
    for _ in range(3):
        response = reader.get(click)
        assert response.status_code == 302
        assert response["Location"] == "https://example.org/sommerfest"
        assert report().status_code == 204
    # Whether a click repeats one, or reports come too often, cannot be told: not counted.
    assert counted(BannerStat, banner) == (0, 0)
    assert logged(caplog, "Redis unavailable") == 1

    redis_cache.start()  # empty, on the same port
    eventually(cache_works)
    assert reader.get(click).status_code == 302
    assert reader.get(click).status_code == 302  # a repeat: counted once
    assert report().status_code == 204
    assert counted(BannerStat, banner, day=ads_today()) == (1, 1)
    assert logged(caplog, "Redis available again") == 1
    assert logged(caplog, "Redis unavailable") == 1


@pytest.mark.django_db
def test_a_hanging_redis_neither_holds_up_pages_nor_keeps_old_text(redis_cache, caplog):
    article = ArticleFactory(body="<p>Die Brücke bleibt gesperrt.</p>")
    reader = Client(headers={"User-Agent": READER})
    assert "bleibt gesperrt" in reader.get(article.get_absolute_url()).text  # now in Redis

    redis_cache.hang()
    article.body = "<p>Die Brücke ist wieder offen.</p>"
    article.save()  # would drop the article's cached parts, but Redis does not answer
    started = time.monotonic()
    for _ in range(10):
        page = reader.get(article.get_absolute_url())
        assert page.status_code == 200
        assert "wieder offen" in page.text
    # A timeout now and then, not one for each of a page's many cache reads.
    assert time.monotonic() - started < 8
    assert logged(caplog, "Redis unavailable") == 1

    redis_cache.resume()  # with the old parts still in it
    eventually(cache_works)
    page = reader.get(article.get_absolute_url())
    assert "wieder offen" in page.text
    assert "bleibt gesperrt" not in page.text
    assert logged(caplog, "Redis available again") == 1


@pytest.mark.django_db
def test_an_app_process_with_a_hanging_redis_answers(redis_server):
    """settings.py with REDIS_URL: the backend and its timeouts (a hung Redis would
    otherwise hold the process forever)."""
    redis_server.hang()
    started = time.monotonic()
    seen = read(redis_server.url)
    assert seen["backend"] == "ResilientRedisCache"
    assert seen["click_counted"] is False
    assert time.monotonic() - started < 30
