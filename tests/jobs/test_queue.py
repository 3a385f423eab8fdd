"""The queue's parts in this process: the worker's batch run, mail through the queue, the
schedule, bans retried until the proxy takes them, and the admin's view of it all."""

import json
import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection, transaction
from django.urls import reverse
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from jobs import schedule
from jobs.models import ScheduledRun
from newsroom import caching

from . import tasks

pytestmark = pytest.mark.django_db(transaction=True)


def run_worker():
    call_command("worker", "--batch", "--no-reload", "--no-startup-delay", "-v0")


def only_task(path: str) -> DBTaskResult:
    (result,) = DBTaskResult.objects.filter(task_path=path)
    return result


@pytest.fixture
def queued_mail(settings):
    settings.EMAIL_BACKEND = "jobs.mail.QueuedEmailBackend"
    settings.EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def test_a_mail_waits_in_the_queue_and_the_worker_delivers_it(queued_mail):
    message = mail.EmailMultiAlternatives(
        "Ihre Anzeige „Tischler (m/w/d)“", "Guten Tag,\nIhre Anzeige ist online.",
        "anzeigen@example.org", ["personal@tischlerei-example.de"],
        reply_to=["anzeigen@example.org"], headers={"X-Newsroom": "ads"},
    )  # fmt: skip
    message.attach_alternative("<p>Ihre Anzeige ist online.</p>", "text/html")
    message.attach("rechnung.txt", "Betrag: 120,00 €", "text/plain")
    message.send()

    assert mail.outbox == []  # the request did not wait for the mail server
    run_worker()

    (sent,) = mail.outbox
    assert sent.subject == "Ihre Anzeige „Tischler (m/w/d)“"
    assert sent.body == "Guten Tag,\nIhre Anzeige ist online."
    assert sent.to == ["personal@tischlerei-example.de"]
    assert sent.reply_to == ["anzeigen@example.org"]
    assert sent.extra_headers == {"X-Newsroom": "ads"}
    assert sent.alternatives[0][0] == "<p>Ihre Anzeige ist online.</p>"
    assert sent.attachments[0][:2] == ("rechnung.txt", "Betrag: 120,00 €")


def test_a_mail_of_a_rolled_back_change_is_never_sent(queued_mail):
    with pytest.raises(RuntimeError), transaction.atomic():
        mail.send_mail("Freigegeben", "Text", None, ["a@example.org"])
        raise RuntimeError("the save failed")
    run_worker()
    assert mail.outbox == []
    assert not DBTaskResult.objects.exists()


def test_a_refused_mail_waits_for_its_next_attempt(queued_mail, settings):
    settings.EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    mail.send_mail("Freigegeben", "Text", None, ["a@example.org"])

    run_worker()

    result = only_task("jobs.mail.deliver")
    assert result.status == TaskResultStatus.READY  # to be tried again, not dropped
    assert result.run_after > datetime.now(UTC)
    assert "ConnectionRefusedError" in result.traceback


def test_the_admin_shows_a_failed_task_waiting_with_its_error(admin_client, tmp_path, settings):
    settings.TASK_RETRY_BACKOFF = 600
    tasks.flaky.enqueue(str(tmp_path / "log"), 5)
    run_worker()

    page = admin_client.get(reverse("admin:jobs_task_changelist"))

    text = page.content.decode()
    assert page.status_code == 200
    assert "flaky" in text
    assert "ConnectionError: the mail server is away" in text  # the last error
    assert "wartet" in text


def test_failed_tasks_can_be_run_again_from_the_admin(admin_client, tmp_path):
    tasks.hopeless.enqueue(str(tmp_path / "log"))
    for _ in range(2):
        DBTaskResult.objects.update(run_after=datetime.now(UTC))
        run_worker()
    result = only_task("tests.jobs.tasks.hopeless")
    assert result.status == TaskResultStatus.FAILED

    admin_client.post(
        reverse("admin:jobs_task_changelist"),
        {"action": "retry_now", "_selected_action": [str(result.pk)]},
    )

    assert only_task("tests.jobs.tasks.hopeless").status == TaskResultStatus.READY


def test_each_scheduled_job_is_enqueued_once_per_slot(settings):
    settings.TASK_SCHEDULE = {
        "purge_tasks": {"command": "purge_tasks", "every": 3600},
        "nightly": {"command": "purge_tasks", "at": "03:15"},
    }
    night = datetime(2026, 12, 7, 2, 20, tzinfo=UTC)  # 03:20 in Berlin
    assert schedule.enqueue_due(night) == ["purge_tasks", "nightly"]
    # Every server asks (each worker, each timer): nothing more in the same slots.
    assert schedule.enqueue_due(night.replace(minute=59)) == []
    assert schedule.enqueue_due(night.replace(hour=3)) == ["purge_tasks"]
    # A worker started in the afternoon runs no nightly job until the next night.
    assert schedule.enqueue_due(night.replace(day=8, hour=14)) == ["purge_tasks"]

    nightly = ScheduledRun.objects.get(job="nightly")
    assert nightly.slot == datetime(2026, 12, 7, 2, 15, tzinfo=UTC)  # 03:15 in Berlin
    run_worker()
    assert DBTaskResult.objects.successful().count() == 4


class FlakyProxy(BaseHTTPRequestHandler):
    """A Varnish that refuses bans until told otherwise, or hangs on them."""

    bans: list[str] = []
    refuse = True
    hang: threading.Event | None = None

    def do_BAN(self):
        if self.hang is not None:
            self.hang.wait(10)
        if self.refuse:
            self.send_response(503)
        else:
            self.bans.append(self.headers["X-Ban-Tags"])
            self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def proxy(settings):
    FlakyProxy.bans, FlakyProxy.refuse, FlakyProxy.hang = [], True, None
    server = ThreadingHTTPServer(("127.0.0.1", 0), FlakyProxy)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings.HTTP_CACHE_PURGE_URLS = [f"http://127.0.0.1:{server.server_port}"]
    settings.HTTP_CACHE_PURGE_REPEAT_AFTER = 0
    yield FlakyProxy
    server.shutdown()


def test_a_refused_ban_is_retried_until_the_proxy_takes_it(proxy):
    with transaction.atomic():
        caching.invalidate("article-7")
    for thread in threading.enumerate():
        if thread.name == "cache-ban":
            thread.join(5)
    result = only_task("newsroom.caching.ban")
    assert result.status == TaskResultStatus.READY

    for _ in range(3):  # however often the proxy refuses: kept for the next attempt
        DBTaskResult.objects.update(run_after=datetime.now(UTC))
        run_worker()
        assert only_task("newsroom.caching.ban").status == TaskResultStatus.READY
    proxy.refuse = False
    DBTaskResult.objects.update(run_after=datetime.now(UTC))
    run_worker()

    assert only_task("newsroom.caching.ban").status == TaskResultStatus.SUCCESSFUL
    assert len(proxy.bans) == 1 and "article-7" in proxy.bans[0].split()


def test_a_save_does_not_wait_for_a_hanging_proxy(proxy):
    proxy.hang, proxy.refuse = threading.Event(), False
    with transaction.atomic():
        caching.invalidate("article-7")
    # The commit returned while the proxy still holds the ban.
    assert proxy.bans == []
    proxy.hang.set()
    for thread in threading.enumerate():
        if thread.name == "cache-ban":
            thread.join(5)
    assert len(proxy.bans) == 1 and "article-7" in proxy.bans[0].split()


def test_metrics_count_the_queue_without_reading_the_finished_tasks():
    """/metrics counts ready, running and failed tasks at every scrape; weeks of finished
    tasks (a rendition task per upload, a task per mail) must not be read for it."""
    done = TaskResultStatus.SUCCESSFUL
    DBTaskResult.objects.bulk_create(
        DBTaskResult(status=done, args_kwargs={"args": [], "kwargs": {}}, task_path="x.y",
                     backend_name="default", run_after=datetime.now(UTC))
        for _ in range(3000)
    )  # fmt: skip
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"ANALYZE {DBTaskResult._meta.db_table}")
        for status in ("READY", "RUNNING", "FAILED"):
            sql, params = (
                DBTaskResult.objects.filter(status=status).only("pk").query.sql_with_params()
            )
            sql = f"SELECT count(*) FROM ({sql}) AS counted"
            if connection.vendor == "postgresql":
                cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
                plan = json.dumps(cursor.fetchone()[0])
                assert "Seq Scan" not in plan, (status, plan)
            else:
                cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
                plan = " ".join(row[3] for row in cursor.fetchall())
                assert "USING" in plan and "INDEX" in plan, (status, plan)
