"""The WordPress import started from the admin: an administrator uploads the export, the
worker runs it, the run's page shows its progress and the report. The upload stays private
and is deleted afterwards; what is plainly no export is refused before anything is queued."""

import functools
import gzip
import os
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection, transaction
from django.urls import reverse
from django.utils.html import escape
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from articles.models import Article, Author
from images.models import Image
from redirects.models import Redirect
from tests.jobs.conftest import start_worker  # noqa: F401 (a fixture)
from tests.proxy.conftest import eventually
from tests.uploads import jpeg_with_gps
from wordpress import report, tasks
from wordpress.models import ImportRun, import_storage

from .exports import SAMPLE

pytestmark = pytest.mark.django_db(transaction=True)

ADD = reverse("admin:wordpress_importrun_add")
OLD_SITE = "http://127.0.0.1:8081"  # where the sample's site ran; its images are fetched there


def run_worker():
    call_command("worker", "--batch", "--no-reload", "--no-startup-delay", "-v0")


def page_of(run) -> str:
    return reverse("admin:wordpress_importrun_change", args=[run.pk])


@pytest.fixture(autouse=True)
def private_dir(settings, tmp_path):
    settings.WORDPRESS_IMPORT_DIR = tmp_path / "imports"
    return settings.WORDPRESS_IMPORT_DIR


@pytest.fixture
def old_site(tmp_path):
    """The old WordPress site's uploads on a real HTTP server on 127.0.0.1, as the admin
    import downloads them (the admin has no --uploads)."""
    root = tmp_path / "old-site"
    (root / "wp-content").mkdir(parents=True)
    (root / "wp-content" / "uploads").symlink_to(SAMPLE / "uploads")

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=root))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def export(tmp_path, old_site) -> Path:
    """The sample's export, pointing to the old site's server of this test."""
    if not (SAMPLE / "export.xml").exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"the WordPress sample is missing at {SAMPLE}")
        pytest.skip(f"the WordPress sample is missing at {SAMPLE}")
    path = tmp_path / "export.xml"
    path.write_text((SAMPLE / "export.xml").read_text().replace(OLD_SITE, old_site))
    return path


def upload(client, path: Path, *, dry_run=False, name=None):
    with path.open("rb") as file:
        data = {"file": SimpleUploadedFile(name or path.name, file.read())}
    if dry_run:
        data["dry_run"] = "on"
    return client.post(ADD, data)  # multipart, as a browser sends it


def stored_files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


def test_an_administrator_imports_the_sample_from_the_admin(admin_client, export, private_dir):
    response = upload(admin_client, export)

    run = ImportRun.objects.get()
    assert response.status_code == 302 and response["Location"] == page_of(run)
    assert run.status == ImportRun.Status.QUEUED and run.file_name == "export.xml"
    assert run.created_by.username == "redakteurin"
    assert DBTaskResult.objects.get(id=run.task_id).task_path == "wordpress.tasks.run_import"
    # The upload waits in the private folder: nowhere below MEDIA_ROOT, no address.
    (stored,) = stored_files(private_dir)
    assert Path(import_storage().path(run.file.name)) == stored
    assert not stored.is_relative_to(settings.MEDIA_ROOT) and not stored_files(
        Path(settings.MEDIA_ROOT)
    )
    assert stored.stat().st_mode & 0o077 == 0  # the app's user only
    with pytest.raises(ValueError):
        import_storage().url(run.file.name)
    assert admin_client.get(f"{settings.MEDIA_URL}{run.file.name}", follow=True).status_code == 404
    # Waiting: the page says so, and why (no worker yet), and reloads itself.
    waiting = admin_client.get(page_of(run)).content.decode()
    assert "wartet" in waiting and "zurzeit läuft kein Worker" in waiting
    assert '<meta http-equiv="refresh"' in waiting

    run_worker()

    run.refresh_from_db()
    assert run.status == ImportRun.Status.DONE, run.error
    assert run.started_at <= run.finished_at and not run.error
    assert Article.objects.published().count() == 40
    assert Image.objects.count() == 24  # downloaded from the old site
    assert Redirect.objects.exists()
    html = admin_client.get(page_of(run)).content.decode()
    assert "fertig" in html and '<meta http-equiv="refresh"' not in html
    assert "Import abgeschlossen." in run.report_lines[0]
    for line in run.report_lines:
        assert escape(line) in html
    # The upload is gone after the import.
    assert run.file.name == "" and stored_files(private_dir) == []
    listing = admin_client.get(reverse("admin:wordpress_importrun_changelist")).content.decode()
    assert "export.xml" in listing and "fertig" in listing


def test_a_dry_run_of_a_gzipped_export_writes_nothing_but_shows_the_report(
    admin_client, export, tmp_path, private_dir, monkeypatch
):
    packed = tmp_path / "export.xml.gz"
    packed.write_bytes(gzip.compress(export.read_bytes()))
    upload(admin_client, packed, dry_run=True)
    run = ImportRun.objects.get()
    assert run.dry_run and run.file.name.endswith(".xml.gz")
    # A progress line at every step, saved as often as it can be: nothing waits on another.
    monkeypatch.setattr(report, "PROGRESS_EVERY", 0)
    monkeypatch.setattr(tasks, "PROGRESS_SAVE_EVERY", 0.05)
    saved = []
    close = tasks.ProgressWriter.close
    monkeypatch.setattr(tasks.ProgressWriter, "close", lambda w: (close(w), saved.append(w.saved)))

    run_worker()

    assert saved and saved[0].endswith("%")  # e.g. "Artikel und Seiten: 100 %"

    run.refresh_from_db()
    assert run.status == ImportRun.Status.DONE, run.error
    assert (Article.objects.count(), Author.objects.count(), Redirect.objects.count()) == (0, 0, 0)
    assert Image.objects.count() == 0 and stored_files(Path(settings.MEDIA_ROOT)) == []
    html = admin_client.get(page_of(run)).content.decode()
    assert "Probelauf: Es wurde nichts gespeichert." in run.report_lines[0]
    assert escape(run.report_lines[0]) in html and "Artikel: neu 40" in html
    assert stored_files(private_dir) == []


def test_a_jpeg_renamed_xml_is_refused_on_the_form_and_nothing_is_queued(admin_client, private_dir):
    photo = jpeg_with_gps()
    response = admin_client.post(
        ADD, {"file": SimpleUploadedFile("export.xml", photo.read(), "text/xml")}
    )

    assert response.status_code == 200
    assert "Die Datei ist ein JPEG-Bild, keine WordPress-Exportdatei." in response.content.decode()
    assert not ImportRun.objects.exists() and not DBTaskResult.objects.exists()
    assert stored_files(private_dir) == []


def test_xml_that_is_no_wordpress_export_is_refused_on_the_form(admin_client):
    sitemap = b'<?xml version="1.0"?>\n<urlset xmlns="http://www.sitemaps.org/"></urlset>\n'
    response = admin_client.post(ADD, {"file": SimpleUploadedFile("sitemap.xml", sitemap)})

    assert "Die Datei ist keine WordPress-Exportdatei." in response.content.decode()
    assert not ImportRun.objects.exists() and not DBTaskResult.objects.exists()


def test_an_export_the_importer_refuses_fails_with_its_reason(admin_client, tmp_path, private_dir):
    broken = tmp_path / "kaputt.xml"
    broken.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<rss version="2.0" xmlns:wp="http://wordpress.org/export/1.2/">\n'
        "<channel><wp:wxr_version>1.2</wp:wxr_version>\n<item><title>Offen</title>\n"
    )
    upload(admin_client, broken)

    run_worker()

    run = ImportRun.objects.get()
    assert run.status == ImportRun.Status.FAILED
    assert run.error.startswith("Der Export wurde abgelehnt, nichts wurde importiert.")
    assert "Zeile" in run.error  # where the file breaks off
    html = admin_client.get(page_of(run)).content.decode()
    assert "fehlgeschlagen" in html and escape(run.error) in html
    assert not Article.objects.exists() and stored_files(private_dir) == []
    # A refusal is final: the queue does not try it again.
    assert DBTaskResult.objects.get(id=run.task_id).status == TaskResultStatus.SUCCESSFUL


@pytest.mark.parametrize("group", ["Redaktion", "Chef vom Dienst"])
def test_newsroom_staff_without_the_permission_get_403(django_user_model, export, group):
    from tests.factories import member

    _user, client = member(django_user_model, "selin", group)

    assert client.get(ADD).status_code == 403
    assert upload(client, export).status_code == 403
    assert client.get(reverse("admin:wordpress_importrun_changelist")).status_code == 403
    assert not ImportRun.objects.exists() and not DBTaskResult.objects.exists()


def test_a_run_is_not_run_twice(admin_client, export):
    upload(admin_client, export)
    run_worker()
    run = ImportRun.objects.get()
    first_report = run.report

    # The queue hands out a task again after a lost worker: the run is over, so nothing runs.
    assert tasks.execute(run.pk) == "skipped"
    tasks.run_import.enqueue(run.pk)
    run_worker()

    run.refresh_from_db()
    assert run.status == ImportRun.Status.DONE and run.report == first_report
    assert Article.objects.count() == 40


def test_a_failed_attempt_waits_for_the_next_and_the_last_one_fails_the_run(
    admin_client, export, monkeypatch, private_dir
):
    upload(admin_client, export)
    run = ImportRun.objects.get()

    def away(*args, **kwargs):
        Author.objects.create(name="Halb importiert")
        raise ConnectionError("the database went away")

    monkeypatch.setattr(tasks, "import_wordpress", away)
    with pytest.raises(ConnectionError):
        tasks.execute(run.pk, last_attempt=False)
    run.refresh_from_db()
    assert run.status == ImportRun.Status.QUEUED
    assert "der Worker versucht es gleich noch einmal" in run.error
    assert run.file and stored_files(private_dir)  # kept for the next attempt

    with pytest.raises(ConnectionError):
        tasks.execute(run.pk, last_attempt=True)
    run.refresh_from_db()
    assert run.status == ImportRun.Status.FAILED
    assert "Der Import ist abgebrochen" in run.error and "the database went away" in run.error
    assert not Author.objects.exists()  # nothing half imported
    assert stored_files(private_dir) == []


def test_the_progress_shows_while_the_import_transaction_is_open(admin_client, journalist):
    run = ImportRun.objects.create(
        file_name="export.xml", status=ImportRun.Status.RUNNING, created_by=journalist
    )
    writer = tasks.ProgressWriter(run.pk)
    try:
        with transaction.atomic():  # as the import's: its writes are invisible elsewhere
            Author.objects.create(name="Noch nicht sichtbar")
            writer.write("Artikel und Seiten: 40 %\n")

            def shown():
                page = admin_client.get(page_of(run)).content.decode()
                return "Artikel und Seiten: 40 %" in page

            eventually(shown, timeout=10, interval=0.2)
            if connection.vendor == "sqlite":  # the cache, shared with the web server
                assert cache.get(f"wordpress:import-progress:{run.pk}")
            else:  # the row, written through the writer's own connection
                assert ImportRun.objects.get(pk=run.pk).progress == "Artikel und Seiten: 40 %"
    finally:
        writer.close()


def test_a_worker_process_runs_the_import(admin_client, export, start_worker, settings, tmp_path):  # noqa: F811
    settings.WORDPRESS_IMPORT_DIR = tmp_path / "imports"  # the worker's too, below
    upload(admin_client, export)
    run = ImportRun.objects.get()
    stored = Path(import_storage().path(run.file.name))
    assert stored.exists()
    worker = start_worker(WORDPRESS_IMPORT_DIR=str(settings.WORDPRESS_IMPORT_DIR))

    def done():
        page = admin_client.get(page_of(run)).content.decode()
        return "fertig" in page or "fehlgeschlagen" in page

    try:
        eventually(done, timeout=120, interval=0.5)
        run.refresh_from_db()
        assert run.status == ImportRun.Status.DONE, (run.error, worker.output())
        assert Article.objects.published().count() == 40
        assert not stored.exists()
    finally:
        worker.stop()


def test_a_queued_run_deleted_in_the_admin_takes_its_file_along(admin_client, export, private_dir):
    upload(admin_client, export)
    run = ImportRun.objects.get()

    response = admin_client.post(
        reverse("admin:wordpress_importrun_changelist"),
        {"action": "delete_selected", "_selected_action": [run.pk], "post": "yes"},
    )

    assert response.status_code == 302 and not ImportRun.objects.exists()
    assert stored_files(private_dir) == []
    run_worker()  # its task finds nothing to run
    assert DBTaskResult.objects.get(id=run.task_id).return_value == "skipped"
    assert not Article.objects.exists()


def test_a_run_whose_last_worker_was_killed_shows_as_stopped(admin_client, journalist):
    run = ImportRun.objects.create(
        file_name="export.xml", status=ImportRun.Status.RUNNING, created_by=journalist
    )
    run.task_id = str(tasks.run_import.enqueue(run.pk).id)
    run.save()
    DBTaskResult.objects.filter(id=run.task_id).update(status=TaskResultStatus.FAILED)

    html = admin_client.get(page_of(run)).content.decode()

    assert "abgebrochen (sein Worker wurde beendet); nichts wurde importiert" in html
    assert '<meta http-equiv="refresh"' not in html
