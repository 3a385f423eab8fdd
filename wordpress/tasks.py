"""The import started from the admin, run by the worker.

Safe to run twice (a killed worker's task is run again): the run's row is locked and
checked first, and a run that is over is not run again. The import and the run's "done"
are one transaction, so the run is done exactly when its import is committed; a run
interrupted midway left nothing behind, and the next attempt starts afresh.
"""

import logging
import threading
import time

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from .importer import import_wordpress
from .models import ImportRun, import_storage, progress_cache_key
from .wxr import WXRError

logger = logging.getLogger(__name__)

Status = ImportRun.Status
PROGRESS_SAVE_EVERY = 1.5  # seconds; the importer writes a line every few seconds anyway
PROGRESS_CACHE_TIMEOUT = 24 * 60 * 60


class ProgressWriter:
    """The stream the importer writes its progress lines to (wordpress.report.Progress).

    Everything the import writes is in one transaction, invisible to other connections
    until the end; so is anything else written through its connection. The latest line is
    therefore saved on a thread of its own, with its own database connection, at most every
    PROGRESS_SAVE_EVERY seconds. On SQLite a second connection could not write while the
    import holds the database's one write lock: there the line goes to the cache instead,
    which web server and worker share on the one machine a SQLite site runs on.
    """

    def __init__(self, run_id: int):
        self.run_id = run_id
        self.latest = self.saved = ""
        self.to_cache = connection.vendor == "sqlite"
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="import-progress", daemon=True)
        self._thread.start()

    # The file-like part the importer uses.
    def write(self, text: str) -> int:
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        if lines:
            self.latest = lines[-1][:200]
        return len(text)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False

    def close(self) -> None:
        """Save the last line and end the thread (and its connection). Idempotent."""
        self._stop.set()
        self._thread.join()
        if self.to_cache:
            cache.delete(progress_cache_key(self.run_id))

    def _run(self) -> None:
        try:
            while not self._stop.wait(PROGRESS_SAVE_EVERY):
                self._save()
            self._save()
        finally:
            if not self.to_cache:
                connection.close()  # this thread's own connection

    def _save(self) -> None:
        line = self.latest
        if line == self.saved:
            return
        try:
            if self.to_cache:
                cache.set(progress_cache_key(self.run_id), line, PROGRESS_CACHE_TIMEOUT)
            else:
                ImportRun.objects.filter(pk=self.run_id, status=Status.RUNNING).update(
                    progress=line
                )
            self.saved = line
        except (DatabaseError, OSError) as error:  # only the progress is late; the import goes on
            logger.warning("Import %s: progress not saved: %s", self.run_id, error)


def _begin(run_id: int) -> ImportRun | None:
    """Lock the run and mark it running; None if it is gone or over (a repeated task)."""
    with transaction.atomic():
        run = ImportRun.objects.select_for_update().filter(pk=run_id).first()
        if run is None or not run.is_active:
            return None
        run.status = Status.RUNNING
        run.started_at = timezone.now()
        run.progress = ""
        run.save(update_fields=["status", "started_at", "progress"])
        return run


def _end(run: ImportRun, status: str, *, error: str = "", report: str = "") -> None:
    """Record the outcome and delete the upload once that is committed."""
    name = run.file.name
    ImportRun.objects.filter(pk=run.pk).update(
        status=status, error=error, report=report, progress="", file="",
        finished_at=timezone.now(),
    )  # fmt: skip
    if name:
        transaction.on_commit(lambda: import_storage().delete(name))


def execute(run_id: int, *, last_attempt: bool = True) -> str:
    """Run the import `run_id` if it is still to be run; its status afterwards."""
    run = _begin(run_id)
    if run is None:
        return "skipped"
    if not run.file or not import_storage().exists(run.file.name):
        with transaction.atomic():
            _end(run, Status.FAILED, error=_(
                "The uploaded file is not there for the worker. Web server and worker must "
                "share the folder WORDPRESS_IMPORT_DIR. Nothing was imported."
            ))  # fmt: skip
        return Status.FAILED
    started = time.monotonic()
    logger.info("Import %s of %s started (dry run: %s)", run.pk, run.file_name, run.dry_run)
    progress = ProgressWriter(run.pk)
    try:
        with transaction.atomic():
            report = import_wordpress(
                import_storage().path(run.file.name), dry_run=run.dry_run, stream=progress
            )
            progress.close()  # its last write is committed before this transaction locks the row
            _end(run, Status.DONE, report="\n".join(report.lines()))
    except WXRError as error:
        with transaction.atomic():
            _end(run, Status.FAILED, error=_(
                "The export was refused, nothing was imported. %(reason)s"
            ) % {"reason": error})  # fmt: skip
        return Status.FAILED
    except Exception as error:
        reason = f"{type(error).__name__}: {error}"
        if last_attempt:
            with transaction.atomic():
                _end(run, Status.FAILED, error=_(
                    "The import stopped, nothing was imported. %(reason)s"
                ) % {"reason": reason})  # fmt: skip
        else:
            ImportRun.objects.filter(pk=run.pk).update(
                status=Status.QUEUED, progress="",
                error=_("An attempt stopped, nothing was imported; the worker tries again "
                        "shortly. %(reason)s") % {"reason": reason},
            )  # fmt: skip
        raise  # the queue records it (and retries)
    finally:
        progress.close()
    logger.info("Import %s done in %.1f s", run.pk, time.monotonic() - started)
    return Status.DONE


@task(takes_context=True)
def run_import(context, run_id: int) -> str:
    """The admin's import `run_id` (wordpress.services.import_run_start queues it)."""
    last_attempt = context.attempt >= run_import.func.max_attempts
    with translation.override(settings.LANGUAGE_CODE):
        return execute(run_id, last_attempt=last_attempt)


# A failure that is no refusal (the database away for a moment) is tried again; an import
# interrupted midway wrote nothing, so another attempt starts afresh.
run_import.func.max_attempts = 3
