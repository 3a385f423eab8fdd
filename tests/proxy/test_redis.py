"""REDIS_URL: separate app processes (as gunicorn workers on several machines would be)
share one Redis as the default cache: versions, invalidations and click de-duplication."""

import json
import os
import shutil
import subprocess
import sys
import time

import pytest
from django.db import connection

from .conftest import ROOT, free_port, require_binary

REDIS_SERVER = shutil.which("redis-server") or (
    "/usr/bin/redis-server" if os.path.exists("/usr/bin/redis-server") else None
)


@pytest.fixture
def redis_url(tmp_path):
    binary = require_binary(REDIS_SERVER, "redis-server")
    import redis

    port = free_port()
    proc = subprocess.Popen(
        [binary, "--bind", "127.0.0.1", "--port", str(port), "--dir", str(tmp_path),
         "--save", "", "--appendonly", "no", "--daemonize", "no"],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"redis://127.0.0.1:{port}/0"
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                redis.Redis.from_url(url).ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.05)
        yield url
    finally:
        proc.terminate()
        proc.wait(10)


def database_url() -> str:
    """The test database, for the other processes (the versions look at articles)."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


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
    assert first["backend"] == "RedisCache"
    assert first["click_counted"] is True

    # Another process sees the same versions and the first one's click (rate limit shared).
    second = read(redis_url, invalidate="list")
    assert (second["list"], second["ads"]) == (first["list"], first["ads"])
    assert second["click_counted"] is False

    # ... and its invalidation reaches the first process's next page.
    third = read(redis_url)
    assert third["list"] > first["list"]
    assert third["ads"] == first["ads"]
