"""Scheduled jobs, enqueued once per slot across all servers (settings.TASK_SCHEDULE).

Each job runs a management command in the worker. A job is due once per slot: every
`every` seconds, or daily at `at` (Berlin time). Every server may ask (its worker with
`--schedule`, or the `run_schedule` timer); the unique (job, slot) row lets one enqueue it.
A slot missed while no worker ran is not caught up: a daily job more than LATE late waits
for the next day (a worker started in the afternoon makes no backup), an interval job runs
at once.
"""

from datetime import datetime, time, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import ScheduledRun
from .tasks import run_command

LATE = timedelta(hours=1)


def current_slot(job: dict, now: datetime) -> datetime:
    if "at" in job:
        local = timezone.localtime(now)
        hour, minute = map(int, job["at"].split(":"))
        slot = timezone.make_aware(datetime.combine(local.date(), time(hour, minute)))
        return slot if slot <= now else slot - timedelta(days=1)
    every = int(job["every"])
    return datetime.fromtimestamp(now.timestamp() // every * every, tz=now.tzinfo)


def enqueue_due(now: datetime | None = None) -> list[str]:
    """Enqueue every scheduled job whose current slot has no run yet; the names enqueued."""
    now = now or timezone.now()
    enqueued = []
    for name, job in settings.TASK_SCHEDULE.items():
        slot = current_slot(job, now)
        if "at" in job and now - slot > LATE:
            continue
        if ScheduledRun.objects.filter(job=name, slot=slot).exists():
            continue
        try:
            with transaction.atomic():
                run = ScheduledRun.objects.create(job=name, slot=slot)
                result = run_command.enqueue(job["command"], *job.get("args", ()))
                run.task_id = str(result.id)
                run.save(update_fields=["task_id"])
        except IntegrityError:  # another server enqueued it first
            continue
        enqueued.append(name)
    return enqueued
