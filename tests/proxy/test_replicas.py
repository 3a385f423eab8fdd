"""Read replicas on two real PostgreSQL clusters: the test's primary and a streaming
replica of it (pg_basebackup) that replays each commit two seconds late
(recovery_min_apply_delay). gunicorn reads reading pages from the replica, behind the
shipped Varnish. A change must never leave the old version in Varnish: the ban waits until
the replica has replayed the commit."""

import os
import shlex
import subprocess
import sys
import tempfile
import time

import psycopg2
import pytest
from django.db import connection
from django.urls import reverse

from tests.factories import ArticleFactory
from tests.proxy.conftest import (
    IN_CI,
    ROOT,
    VARNISHD,
    Server,
    Varnish,
    database_url,
    eventually,
    free_port,
    require_binary,
)

pytestmark = pytest.mark.django_db(transaction=True)
DELAY = 3  # seconds the replica replays late


class Replica:
    """A streaming replica of the test database's cluster on a free port."""

    def __init__(self):
        db = connection.settings_dict
        self.bin = os.environ.get("PGBIN") or ""
        self.run = shlex.split(os.environ.get("PG_RUN", ""))
        self.tmp = tempfile.mkdtemp(prefix="replica.")
        if self.run:  # root runs PostgreSQL as its own account
            subprocess.run(["chown", "postgres:", self.tmp], check=True)
        self.port = free_port()
        data = f"{self.tmp}/data"
        subprocess.run(
            [*self.run, f"{self.bin}/pg_basebackup", "-h", db["HOST"], "-p", str(db["PORT"]),
             "-U", db["USER"], "-D", data, "-R", "-X", "stream", "-c", "fast"],
            check=True, capture_output=True,
        )  # fmt: skip
        options = (
            f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.tmp} -c fsync=off "
            f"-c hot_standby=on -c recovery_min_apply_delay={DELAY}s"
        )
        subprocess.run(
            [*self.run, f"{self.bin}/pg_ctl", "-D", data, "-l", f"{self.tmp}/server.log",
             "-w", "-t", "60", "start", "-o", options],
            check=True, capture_output=True,
        )  # fmt: skip
        self.url = database_url().replace(f":{db['PORT']}/", f":{self.port}/")
        self.dsn = {
            "host": "127.0.0.1",
            "port": self.port,
            "user": db["USER"],
            "dbname": db["NAME"],
        }

    def query(self, sql: str, params=()):
        with psycopg2.connect(**self.dsn) as conn, conn.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    def stop(self):
        subprocess.run(
            [*self.run, f"{self.bin}/pg_ctl", "-D", f"{self.tmp}/data", "-m", "immediate",
             "-w", "stop"],
            capture_output=True,
        )  # fmt: skip
        subprocess.run(["rm", "-rf", self.tmp])


class App(Server):
    """gunicorn with the replica as DATABASE_REPLICA_URLS and Varnish to ban in."""

    def __init__(self, tmp, port: int, env: dict):
        self.port = port
        self.env = {**os.environ, "MEDIA_ROOT": str(tmp / "media"), **env}
        self.start(
            [str(ROOT / ".venv" / "bin" / "gunicorn"), "newsroom.wsgi", "--workers", "2",
             "--bind", f"127.0.0.1:{port}", "--log-level", "warning"],
            tmp / "gunicorn.log", "gunicorn", cwd=ROOT, env=self.env,
        )  # fmt: skip

    def manage(self, code: str) -> subprocess.Popen:
        """Python run with the app's settings, as an editor's save in another process."""
        return subprocess.Popen(
            [sys.executable, "manage.py", "shell", "-c", code], cwd=ROOT, env=self.env
        )


@pytest.fixture(scope="module")
def stack(django_db_setup, django_db_blocker, tmp_path_factory):
    if connection.vendor != "postgresql":
        pytest.skip("replicas are PostgreSQL's (tested in the PostgreSQL pass)")
    if not os.environ.get("PGBIN") and not IN_CI:
        pytest.skip("no PostgreSQL server binaries (scripts/pg.sh exports PGBIN)")
    require_binary(VARNISHD, "varnish (varnishd)")
    tmp = tmp_path_factory.mktemp("replicas")
    (tmp / "varnish").mkdir()
    started = []
    with django_db_blocker.unblock():
        replica = Replica()
    try:
        port = free_port()
        varnish = Varnish(tmp / "varnish", port)
        started.append(varnish)
        app = App(tmp, port, {
            "DATABASE_URL": database_url(),
            "DATABASE_REPLICA_URLS": replica.url,
            "HTTP_CACHE_PURGE_URLS": varnish.purge_url,
            "HTTP_CACHE_PURGE_REPEAT_AFTER": "0.3",
            # One app cache for the app and the editor's process, as on a real server.
            "CACHE_BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "CACHE_LOCATION": str(tmp / "cache"),
        })  # fmt: skip
        started.append(app)
        for _ in range(4):  # both workers past their first, slow request
            assert app.get("/").status == 200
        yield app, varnish, replica
    finally:
        for process in reversed(started):
            process.stop()
        replica.stop()


def on_replica(replica: Replica, title: str) -> bool:
    return bool(replica.query("SELECT 1 FROM articles_article WHERE title = %s", [title]))


def test_reading_pages_read_the_replica_and_staff_the_primary(stack):
    app, _varnish, replica = stack
    article = ArticleFactory(title="Brücke am Mühlbach wieder offen")
    url = article.get_absolute_url()

    # Committed on the primary, not yet replayed: readers do not see it yet ...
    assert not on_replica(replica, article.title)
    assert app.get(url).status == 404
    # ... a request with a staff session reads the primary (the session itself is not
    # valid here, so the article is shown as to a reader: it is published).
    assert app.get(url, Cookie="sessionid=abc").status == 200
    # The search's own SQL (no router sees it) reads the replica too.
    search = reverse("articles:search") + "?q=M%C3%BChlbach"
    assert article.title not in app.get(search).text
    eventually(lambda: on_replica(replica, article.title), timeout=DELAY + 10)
    assert app.get(url).status == 200
    assert article.title in app.get(search).text


def test_a_change_never_leaves_the_old_version_in_the_proxy(stack):
    app, varnish, replica = stack
    article = ArticleFactory(title="Stadtfest: Programm steht")
    url = article.get_absolute_url()
    eventually(lambda: on_replica(replica, article.title), timeout=DELAY + 10)
    varnish.ban_everything()
    assert "Programm steht" in varnish.get(url).text
    assert varnish.get(url).cache == "HIT"

    editor = app.manage(
        "from articles.models import Article; "
        f"a = Article.objects.get(pk={article.pk}); "
        "a.title = 'Stadtfest: Programm geändert'; a.save()"
    )
    # Readers keep asking while the replica lags: each miss renders from the replica.
    seen = []
    deadline = time.monotonic() + DELAY + 8
    while time.monotonic() < deadline:
        page = varnish.get(url, Cache_Control="no-cache").text
        seen.append("geändert" in page)
        time.sleep(0.05)
    assert editor.wait(30) == 0

    assert seen[-1], "the proxy still serves the old version"
    first_new = seen.index(True)
    assert all(seen[first_new:]), "the old version came back after the new one"
    assert "geändert" in varnish.get(url).text


def test_reading_pages_read_the_primary_while_the_replica_is_away(stack, tmp_path):
    app, _varnish, replica = stack
    env = {**app.env, "DATABASE_REPLICA_URLS": replica.url.replace(
        f":{replica.port}/", f":{free_port()}/"
    )}  # fmt: skip
    article = ArticleFactory(title="Wochenmarkt zieht um")
    away = App(tmp_path, free_port(), env)
    try:
        assert away.get(article.get_absolute_url()).status == 200  # from the primary
        assert "Wochenmarkt zieht um" in away.get(article.get_absolute_url()).text
    finally:
        away.stop()
