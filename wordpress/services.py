"""The import started from the admin: the upload saved as a run and queued for the worker."""

from pathlib import Path

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from .models import ImportRun
from .tasks import run_import


def import_run_start(*, run: ImportRun, by: AbstractBaseUser) -> ImportRun:
    """Save `run` (its uploaded export and dry-run choice) and queue it, in one transaction:
    a save that is rolled back queues nothing. The worker runs it (wordpress.tasks)."""
    run.created_by = by
    run.file_name = Path(run.file.name).name[:255]
    run.status = ImportRun.Status.QUEUED
    run.full_clean()
    with transaction.atomic():
        run.save()
        run.task_id = str(run_import.enqueue(run.pk).id)
        run.save(update_fields=["task_id"])
    return run
