"""`make run` on any port: `PORT=8010 make run` serves there, says so, links in e-mails
follow it, and the designed error pages can be seen in debug."""

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import closing
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]

# It runs the Makefile, not the database under test: once, in the SQLite pass.
pytestmark = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="make run is tested in the SQLite pass"
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_run(tmp_path, port: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "PORT": str(port),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'run.sqlite3'}",
        "MEDIA_ROOT": str(tmp_path / "media"),
        "CACHE_LOCATION": str(tmp_path / "cache"),
    }
    for name in ("DJANGO_SETTINGS_MODULE", "DEBUG", "SITE_URL"):
        env.pop(name, None)
    return subprocess.Popen(
        ["make", "run"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # runserver and the weather refresher stop with the group
    )


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def worker_finished(database, task_path: str, timeout: float = 120) -> bool:
    """Whether a task of `task_path` succeeded in `make run`'s database within `timeout`."""
    deadline = time.monotonic() + timeout
    query = (
        "SELECT count(*) FROM django_tasks_database_dbtaskresult"
        " WHERE task_path = ? AND status = 'SUCCESSFUL'"
    )
    while time.monotonic() < deadline:
        with closing(sqlite3.connect(database, timeout=10)) as db:
            if db.execute(query, [task_path]).fetchone()[0]:
                return True
        time.sleep(0.5)
    return False


def test_make_run_serves_on_the_port_it_is_given_and_shows_the_designed_error_pages(tmp_path):
    port = free_port()
    run = make_run(tmp_path, port)
    try:
        deadline = time.monotonic() + 240
        while True:
            try:
                status, page = get(f"http://127.0.0.1:{port}/404/")
                break
            except OSError:
                assert run.poll() is None, run.stdout.read()
                assert time.monotonic() < deadline, "make run did not serve within 4 minutes"
                time.sleep(0.5)
        assert status == 404
        assert "Seite nicht gefunden" in page and "Technical" not in page
        status, page = get(f"http://127.0.0.1:{port}/500/")
        assert status == 500 and "Serverfehler" in page
        status, _page = get(f"http://127.0.0.1:{port}/")
        assert status == 200
        # The worker beside the server: the demo images' renditions and the schedule's
        # first weather refresh are done in the background.
        assert worker_finished(tmp_path / "run.sqlite3", "images.tasks.make_renditions")
        assert worker_finished(tmp_path / "run.sqlite3", "jobs.tasks.run_command")
    finally:
        os.killpg(run.pid, signal.SIGTERM)
        output = run.communicate(timeout=30)[0]
    assert f"Newsroom runs on http://127.0.0.1:{port}/" in output
    assert f"Admin: http://127.0.0.1:{port}/admin/" in output


def test_make_run_says_which_port_is_taken(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        run = make_run(tmp_path, port)
        output = run.communicate(timeout=120)[0]
    assert run.returncode != 0
    assert f"Port {port} is taken" in output and "PORT=8010 make run" in output
    assert not (tmp_path / "run.sqlite3").exists()  # stopped before touching anything


def test_links_in_e_mails_follow_the_port_in_debug():
    env = {
        **os.environ,
        "DEBUG": "true",
        "PORT": "8010",
        "DJANGO_SETTINGS_MODULE": "newsroom.settings",
    }
    env.pop("SITE_URL", None)
    code = "from django.conf import settings; print(settings.SITE_URL)"
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT, env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert result.stdout.strip() == "http://127.0.0.1:8010"
