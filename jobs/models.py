from datetime import timedelta

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

# The statuses in the editors' words (the library's own labels are not translated).
STATUS_LABELS = {
    TaskResultStatus.READY: _("waiting"),
    TaskResultStatus.RUNNING: _("running"),
    TaskResultStatus.FAILED: _("failed"),
    TaskResultStatus.SUCCESSFUL: _("done"),
}


class Task(DBTaskResult):
    """django-tasks-db's rows, shown in this app's part of the admin."""

    class Meta:
        proxy = True
        verbose_name = _("task")
        verbose_name_plural = _("tasks")


class WorkerQuerySet(models.QuerySet):
    def alive(self, timeout: float):
        return self.filter(seen_at__gte=timezone.now() - timedelta(seconds=timeout))


class Worker(models.Model):
    """A running `manage.py worker`, heard of every few seconds (jobs.worker). The tasks of
    one not heard of for TASK_WORKER_TIMEOUT are given to another worker."""

    worker_id = models.CharField(_("worker"), max_length=64, primary_key=True)
    host = models.CharField(_("host"), max_length=255)
    pid = models.PositiveIntegerField(_("process"))
    started_at = models.DateTimeField(_("started at"), auto_now_add=True)
    seen_at = models.DateTimeField(_("last seen"), db_index=True)

    objects = WorkerQuerySet.as_manager()

    class Meta:
        verbose_name = _("worker")
        verbose_name_plural = _("workers")
        ordering = ["-seen_at"]

    def __str__(self):
        return f"{self.host}:{self.pid}"


class ScheduledRun(models.Model):
    """One run of a scheduled job per slot: the unique pair lets every server's scheduler
    ask, and exactly one of them enqueues it."""

    job = models.CharField(_("job"), max_length=64)
    slot = models.DateTimeField(_("due at"))
    task_id = models.CharField(_("task"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("enqueued at"), auto_now_add=True)

    class Meta:
        verbose_name = _("scheduled run")
        verbose_name_plural = _("scheduled runs")
        ordering = ["-slot"]
        constraints = [
            models.UniqueConstraint(fields=["job", "slot"], name="jobs_scheduledrun_once")
        ]

    def __str__(self):
        return f"{self.job} {self.slot:%Y-%m-%d %H:%M}"
