"""`manage.py backup` and `restore`: the database and the media files in one archive, back
byte for byte on an empty install; damaged archives and installs with data are refused.

Runs on SQLite and on PostgreSQL (pg_dump/pg_restore against the test database). The tests
replace the whole database, so they run outside a test transaction."""

import errno
import hashlib
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import tarfile
import threading
import time
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder

from ads.models import JobAd
from articles.models import Article
from images.models import Image
from newsroom.backup import archives
from newsroom.locks import run_lock
from newsroom.models import SiteSettings
from tests.factories import ArticleFactory, ImageFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def backup_dir(settings, tmp_path):
    settings.BACKUP_DIR = tmp_path / "backups"
    settings.RUN_LOCK_DIR = tmp_path / "locks"
    return settings.BACKUP_DIR


def run(name: str, *args) -> str:
    out = io.StringIO()
    call_command(name, *args, stdout=out, stderr=out)
    return out.getvalue()


def rows() -> list[dict]:
    """Every row of every table, as dumpdata writes them (many-to-many lists sorted)."""
    out = io.StringIO()
    call_command("dumpdata", stdout=out)
    objects = json.loads(out.getvalue())
    for obj in objects:
        for name, value in obj["fields"].items():
            if isinstance(value, list):
                obj["fields"][name] = sorted(value, key=repr)
    return objects


def media(settings) -> dict[str, str]:
    root = Path(settings.MEDIA_ROOT)
    return {
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in root.rglob("*")
        if path.is_file()
    }


def rewrite(archive: Path, change) -> None:
    """Rewrites the archive with change(name, data) applied to each file's bytes."""
    with tarfile.open(archive) as tar:
        entries = [(member, tar.extractfile(member).read()) for member in tar.getmembers()]
    with tarfile.open(archive, "w:gz") as tar:
        for member, data in entries:
            data = change(member.name, data)
            member.size = len(data)
            tar.addfile(member, io.BytesIO(data))


def test_the_demo_portal_comes_back_byte_for_byte(settings, client):
    call_command("load_demo", stdout=io.StringIO())
    site_name = SiteSettings.load().site_name
    assert Article.objects.count() >= 40 and JobAd.objects.exists()
    before_rows, before_files = rows(), media(settings)
    assert len(before_files) >= Image.objects.count() > 0

    out = run("backup")
    [archive] = archives()
    assert f"Sicherung geschrieben: {archive}" in out
    # It holds logins and contact data: readable by the site's account only.
    assert archive.stat().st_mode & 0o077 == 0

    # An empty install: no rows, no media, an empty cache.
    call_command("flush", interactive=False)
    shutil.rmtree(settings.MEDIA_ROOT)
    cache.clear()
    # The empty site's parts are now in the app cache.
    assert site_name not in client.get("/").content.decode()

    out = run("restore", str(archive))
    assert f"{len(before_files)} Mediendateien" in out
    assert rows() == before_rows
    assert media(settings) == before_files
    # No stale page from the app cache: readers see the restored portal at once.
    home = client.get("/").content.decode()
    assert site_name in home and Article.objects.published().first().title in home
    # New rows get fresh ids after the restored ones (PostgreSQL's sequences came back too).
    newest = Article.objects.order_by("pk").last().pk
    assert ArticleFactory(title="Nach der Wiederherstellung").pk > newest


def test_restore_refuses_an_install_with_data_unless_told_to_replace_it(settings):
    image = ImageFactory()
    article = ArticleFactory(title="Stadtrat tagt")
    original = Path(image.file.path).read_bytes()
    run("backup")
    Article.objects.filter(pk=article.pk).update(title="Geändert nach der Sicherung")
    Path(image.file.path).write_bytes(b"changed")

    with pytest.raises(CommandError, match=r"Die Datenbank enthält bereits Daten \(.*Artikel"):
        run("restore", "--latest")
    assert Article.objects.get(pk=article.pk).title == "Geändert nach der Sicherung"
    assert Path(image.file.path).read_bytes() == b"changed"

    # An emptied database beside old media files is no empty install either.
    call_command("flush", interactive=False)
    with pytest.raises(CommandError, match="MEDIA_ROOT .* enthält bereits Dateien"):
        run("restore", "--latest")
    assert not Article.objects.exists()

    run("restore", "--latest", "--replace")
    assert Article.objects.get(pk=article.pk).title == "Stadtrat tagt"
    assert Path(image.file.path).read_bytes() == original


def _truncate(archive: Path) -> None:
    data = archive.read_bytes()
    archive.write_bytes(data[: len(data) // 2])


def _alter_database(archive: Path) -> None:
    rewrite(archive, lambda name, data: data[:-1] + b"x" if name.startswith("database") else data)


def _add_entry(archive: Path) -> None:
    with tarfile.open(archive) as tar:
        entries = [(member, tar.extractfile(member).read()) for member in tar.getmembers()]
    with tarfile.open(archive, "w:gz") as tar:
        for member, data in entries:
            tar.addfile(member, io.BytesIO(data))
        extra = tarfile.TarInfo("../../outside.txt")
        extra.size = 4
        tar.addfile(extra, io.BytesIO(b"evil"))


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        (_truncate, ""),
        (_alter_database, "stimmt nicht mit seiner Prüfsumme überein"),
        (_add_entry, "unerwarteter Eintrag ../../outside.txt"),
        (lambda archive: archive.write_text("<html>Not Found</html>"), ""),
    ],
)
def test_a_damaged_archive_is_refused_and_changes_nothing(settings, damage, reason):
    image = ImageFactory()
    article = ArticleFactory(title="Stadtrat tagt")
    run("backup")
    [archive] = archives()
    Article.objects.filter(pk=article.pk).update(title="Geändert nach der Sicherung")
    Path(image.file.path).write_bytes(b"changed")
    files = media(settings)

    damage(archive)
    with pytest.raises(CommandError, match="ist beschädigt oder unvollständig") as refused:
        run("restore", str(archive), "--replace")
    assert reason in str(refused.value)
    assert "Es wurde nichts geändert." in str(refused.value)
    assert Article.objects.get(pk=article.pk).title == "Geändert nach der Sicherung"
    assert media(settings) == files


def test_an_archive_of_the_other_database_is_refused():
    article = ArticleFactory(title="Stadtrat tagt")
    run("backup")
    [archive] = archives()
    other = "postgresql" if connection.vendor == "sqlite" else "sqlite"

    def claim_other_vendor(name, data):
        if name != "manifest.json":
            return data
        return json.dumps({**json.loads(data), "database": other}).encode()

    rewrite(archive, claim_other_vendor)
    Article.objects.filter(pk=article.pk).update(title="Geändert nach der Sicherung")
    with pytest.raises(CommandError, match=f"enthält eine {other}-Datenbank"):
        run("restore", str(archive), "--replace")
    assert Article.objects.get(pk=article.pk).title == "Geändert nach der Sicherung"


def test_restoring_an_archive_older_than_the_code_asks_for_migrate():
    ArticleFactory()
    recorder = MigrationRecorder(connection)
    newest = MigrationLoader(connection).graph.leaf_nodes()[0]
    recorder.record_unapplied(*newest)  # as if the backup was made before that migration
    try:
        run("backup")
        out = run("restore", "--latest", "--replace")
    finally:
        recorder.record_applied(*newest)
    assert "Bitte jetzt `manage.py migrate` ausführen." in out


def test_retention_keeps_the_newest_archives(settings, backup_dir):
    settings.BACKUP_KEEP = 2
    backup_dir.mkdir()
    old = backup_dir / "newsroom-20200101-000000Z.tar.gz"
    old.write_bytes(b"an old archive")
    notes = backup_dir / "notizen.txt"
    notes.write_text("not an archive: stays")

    made = []
    for _ in range(3):  # within the same second, too
        run("backup")
        made.append(archives()[-1])
    assert len(set(made)) == 3
    assert archives() == made[1:]
    assert notes.exists() and not old.exists()


def test_a_failed_backup_leaves_no_archive_and_deletes_no_old_one(
    settings, backup_dir, monkeypatch
):
    settings.BACKUP_KEEP = 1
    ImageFactory()
    run("backup")
    good = archives()
    write = tarfile.TarFile.addfile

    def disk_full_at_the_media(self, info, fileobj=None, **kwargs):
        if info.name.startswith("media/"):
            raise OSError(errno.ENOSPC, "No space left on device")
        return write(self, info, fileobj, **kwargs)

    monkeypatch.setattr(tarfile.TarFile, "addfile", disk_full_at_the_media)
    with pytest.raises(CommandError, match="Die Sicherung ist fehlgeschlagen: .*No space left"):
        run("backup")
    assert os.listdir(backup_dir) == [good[0].name]


def test_a_backup_killed_midway_leaves_nothing_retention_would_count(settings, backup_dir):
    """A run killed while writing (kill -9, power loss) runs no clean-up: only the name the
    archive gets at the end makes it count as a backup."""
    root = Path(settings.MEDIA_ROOT)
    root.mkdir(parents=True)
    with open(root / "video.bin", "wb") as file:  # incompressible: seconds of gzip
        for _ in range(64):
            file.write(os.urandom(1 << 20))
    db = connection.settings_dict
    url = (
        f"sqlite:///{db['NAME']}"
        if connection.vendor == "sqlite"
        else f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    )
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "MEDIA_ROOT": str(root),
        "BACKUP_DIR": str(backup_dir),
    }
    command = [sys.executable, str(settings.BASE_DIR / "manage.py"), "backup"]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while not any(p.is_file() and p.stat().st_size for p in backup_dir.glob("*")):
            assert process.poll() is None and time.monotonic() < deadline
            time.sleep(0.01)
    finally:
        process.kill()
    assert process.wait() == -signal.SIGKILL  # killed while writing, not finished
    assert archives() == []


def test_backups_inside_media_root_are_refused(settings):
    settings.BACKUP_DIR = Path(settings.MEDIA_ROOT) / "sicherungen"
    with pytest.raises(CommandError, match="darf nicht in MEDIA_ROOT liegen"):
        run("backup")
    assert not settings.BACKUP_DIR.exists()


def test_a_second_backup_while_one_runs_does_nothing():
    """Two runs at once (a slow night and a manual run) would race over retention. The lock
    is held by another thread: its own database session on PostgreSQL, its own file handle
    on SQLite, as another process would."""
    holding, done = threading.Event(), threading.Event()

    def first_run():
        try:
            with run_lock("backup") as acquired:
                assert acquired
                holding.set()
                done.wait(timeout=30)
        finally:
            connections.close_all()

    thread = threading.Thread(target=first_run)
    thread.start()
    try:
        assert holding.wait(timeout=10)
        with pytest.raises(CommandError, match="Eine andere Sicherung läuft noch"):
            run("backup")
        assert archives() == []
    finally:
        done.set()
        thread.join()
    run("backup")  # once the first run has ended
    assert len(archives()) == 1
