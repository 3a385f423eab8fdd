"""Prometheus metrics at /metrics (answered by newsroom.health.HealthMiddleware).

django-prometheus counts requests by view, method and status, their latency, and the
database's connections and statements (its middleware pair and database backends,
settings). Here: the site's own.

- `PURGE_FAILURES`: bans a proxy did not take (newsroom.caching counts them).
- The task queue (django-tasks' database backend), read at each scrape (three indexed counts):
  `newsroom_tasks_ready` (waiting, retries due later included), `newsroom_tasks_running`,
  `newsroom_tasks_failed` (kept TASK_RETENTION_DAYS).

With several gunicorn workers each process counts for itself, and a scrape reaches one of
them. PROMETHEUS_MULTIPROC_DIR (an empty directory when the app starts, set before
anything imports prometheus_client) makes every process write its counts there, and a
scrape adds up all of them (prometheus_client's multiprocess mode).
"""

import logging
import os

from django.db import DatabaseError
from django.http import HttpResponse
from django_tasks import TaskResultStatus
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily

logger = logging.getLogger(__name__)

PURGE_FAILURES = Counter(
    "newsroom_purge_failures_total", "Bans a proxy did not take (each is retried as a task)."
)

_QUEUE_GAUGES = {
    "ready": ("newsroom_tasks_ready", "Tasks waiting to run, retries due later included."),
    "running": ("newsroom_tasks_running", "Tasks a worker is running."),
    "failed": ("newsroom_tasks_failed", "Failed tasks, kept TASK_RETENTION_DAYS."),
}


class TaskQueueCollector:
    """The task queue as the database holds it at the moment of the scrape."""

    def describe(self):
        # Registering reads nothing (prometheus_client calls this then).
        return [GaugeMetricFamily(name, text) for name, text in _QUEUE_GAUGES.values()]

    def collect(self):
        # Inside: newsroom.caching imports this module before the apps are loaded.
        from django_tasks_db.models import DBTaskResult

        try:
            # One count per status, each from its partial index (django-tasks-db's for
            # READY, jobs' migration 0002 for the others): no scan of the finished tasks.
            counts = {
                key: DBTaskResult.objects.filter(status=status).count()
                for key, status in (
                    ("ready", TaskResultStatus.READY),
                    ("running", TaskResultStatus.RUNNING),
                    ("failed", TaskResultStatus.FAILED),
                )
            }
        except DatabaseError as error:
            # The rest of the page is worth having; the gauges are missing meanwhile.
            logger.warning("Task queue not counted for /metrics: %s", error)
            return
        for key, (name, text) in _QUEUE_GAUGES.items():
            yield GaugeMetricFamily(name, text, value=counts[key])


TASK_QUEUE = TaskQueueCollector()
REGISTRY.register(TASK_QUEUE)


def _registry():
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        # Every process's files, read at each scrape (the queue is read by this process).
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        registry.register(TASK_QUEUE)
        return registry
    return REGISTRY


def export() -> HttpResponse:
    """The metrics in Prometheus' text format, never cached anywhere."""
    response = HttpResponse(generate_latest(_registry()), content_type=CONTENT_TYPE_LATEST)
    response["Cache-Control"] = "no-store"
    return response
