"""The worker: django-tasks-db's, plus what a queue must do to lose nothing.

- A task that fails is tried again, after TASK_RETRY_BACKOFF seconds doubled with each
  attempt, until its `max_attempts` (a function attribute; 0: until it succeeds; default
  TASK_MAX_ATTEMPTS). Meanwhile it waits as "ready" with its last error, in the admin.
- Each worker is heard of every few seconds (`Worker.seen_at`). A task still "running" on a
  worker not heard of for TASK_WORKER_TIMEOUT (killed, its machine gone) is made ready
  again, so another worker runs it. Tasks must therefore be safe to run twice.
- With `schedule`, the worker also enqueues the scheduled jobs that are due (jobs.schedule).
"""

import functools
import logging
import os
import socket
import threading
from datetime import timedelta
from traceback import format_exception

from django.conf import settings
from django.db import OperationalError, close_old_connections, connection, transaction
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.management.commands.db_worker import Worker as DBWorker
from django_tasks_db.models import DBTaskResult

from . import schedule
from .models import Worker

logger = logging.getLogger(__name__)


def heartbeat_seconds() -> float:
    return min(5.0, settings.TASK_WORKER_TIMEOUT / 4)


class WorkerLost(Exception):
    """Recorded on a task whose worker stopped being heard of during the attempt."""


def max_attempts(result: DBTaskResult) -> int:
    try:
        func = result.task.func
    except Exception:  # not importable here: a worker of a newer version may know it
        return settings.TASK_MAX_ATTEMPTS
    return getattr(func, "max_attempts", settings.TASK_MAX_ATTEMPTS)


def retry_delay(attempts: int) -> float:
    """Seconds before attempt `attempts + 1`."""
    base = settings.TASK_RETRY_BACKOFF * 2 ** max(attempts - 1, 0)
    return min(base, settings.TASK_RETRY_BACKOFF_MAX)


def fail_or_retry(result: DBTaskResult, error: BaseException) -> bool:
    """After a failed attempt, in one write: the task waits for its next attempt after its
    backoff, or fails for good after its last one. The error stays on the row for the
    admin either way. True if it will be tried again."""
    attempts, allowed = len(result.worker_ids), max_attempts(result)
    retry = not allowed or attempts < allowed
    now = timezone.now()
    result.exception_class_path = f"{type(error).__module__}.{type(error).__qualname__}"
    result.traceback = "".join(format_exception(error))
    result.return_value = None
    if retry:
        result.status, result.finished_at = TaskResultStatus.READY, None
        result.run_after = now + timedelta(seconds=retry_delay(attempts))
        logger.warning(
            "Task %s (%s) failed in attempt %d; next attempt at %s",
            result.id, result.task_path, attempts, result.run_after,
        )  # fmt: skip
    else:
        result.status, result.finished_at = TaskResultStatus.FAILED, now
    result.save(update_fields=["status", "finished_at", "run_after", "exception_class_path",
                               "traceback", "return_value"])  # fmt: skip
    return retry


def requeue_lost(timeout: float | None = None) -> int:
    """Make the running tasks of workers not heard of for `timeout` seconds ready again
    (or failed, after their last attempt). Returns how many."""
    timeout = settings.TASK_WORKER_TIMEOUT if timeout is None else timeout
    alive = set(Worker.objects.alive(timeout).values_list("worker_id", flat=True))
    started_before = timezone.now() - timedelta(seconds=timeout)
    running = DBTaskResult.objects.running().filter(started_at__lt=started_before)
    count = 0
    for result in running.only("id", "worker_ids"):
        if result.worker_ids and result.worker_ids[-1] in alive:
            continue
        with transaction.atomic():
            locked = DBTaskResult.objects.select_for_update().filter(pk=result.pk).first()
            if locked is None or locked.status != TaskResultStatus.RUNNING:
                continue
            if locked.worker_ids != result.worker_ids:
                continue  # claimed again meanwhile
            error = WorkerLost(f"worker {locked.worker_ids[-1:]} stopped during the attempt")
            fail_or_retry(locked, error)
            count += 1
    if count:
        logger.warning("%d task(s) of lost workers made ready again", count)
    return count


class RetryingWorker(DBWorker):
    def __init__(self, *, schedule: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.schedule = schedule
        self._stop = threading.Event()

    def run(self) -> None:
        Worker.objects.update_or_create(
            worker_id=self.worker_id,
            defaults={"host": socket.gethostname()[:255], "pid": os.getpid(),
                      "seen_at": timezone.now()},
        )  # fmt: skip
        beat = threading.Thread(target=self._heartbeat, name="worker-heartbeat", daemon=True)
        beat.start()
        try:
            super().run()
        finally:
            self._stop.set()
            beat.join(timeout=heartbeat_seconds() * 2)
            close_old_connections()
            Worker.objects.filter(worker_id=self.worker_id).delete()

    def run_task(self, db_task_result: DBTaskResult) -> None:
        # The library records a failure with set_failed(); here it also decides on the
        # retry in the same write, so nobody sees the task failed in between.
        db_task_result.set_failed = functools.partial(fail_or_retry, db_task_result)
        super().run_task(db_task_result)

    def _heartbeat(self) -> None:
        """On its own thread (and database connection), also while a long task runs."""
        first = True
        while not self._stop.wait(0 if first else heartbeat_seconds()):
            first = False
            try:
                Worker.objects.filter(worker_id=self.worker_id).update(seen_at=timezone.now())
                requeue_lost()
                if self.schedule:
                    schedule.enqueue_due()
            except OperationalError as error:  # a database away for a moment: next round
                logger.warning("Worker heartbeat failed: %s", error)
            except Exception:
                logger.exception("Worker heartbeat failed")
        connection.close()
