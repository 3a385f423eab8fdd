"""Answers for load balancers and monitoring: /healthz, /readyz and /metrics.

`HealthMiddleware` comes first in MIDDLEWARE. Load balancers ask by IP address and over
plain http, so these are answered before SecurityMiddleware redirects to https and before
anything reads the Host header (ALLOWED_HOSTS); nothing below them (sessions, cookies,
newsroom.caching's ETags and 304s) sees these requests. Every answer is
`Cache-Control: no-store`.

- /healthz: the process answers; nothing else is asked (200 "ok").
- /readyz: the database, the app cache, the media storage and the task queue each answer
  within READINESS_TIMEOUT seconds, all asked at the same time: 200, or 503. The body
  has one line per dependency, "ok", "timeout" or the error's class ("cache:
  ConnectionError"); the error itself goes to the log, once when a dependency starts
  failing and once when it is back.
- /metrics: newsroom/metrics.py, for METRICS_ALLOWED_IPS only; 404 to anyone else.
"""

import logging
import threading
import time
import uuid
from collections.abc import Callable

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.core.files.storage import storages
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, router
from django.http import HttpResponse, HttpResponseNotAllowed
from django_tasks_db.models import DBTaskResult

from newsroom import metrics
from newsroom.net import in_networks, is_trusted_proxy

logger = logging.getLogger(__name__)


# --- The checks ------------------------------------------------------------------------


def _on_kept_connection(alias: str, query: Callable[[], object]) -> None:
    """`query()` on this thread's connection to `alias`, kept from one check to the next
    (as a worker keeps its own). A kept connection that fails (the database restarted
    since) is replaced and asked once more, so that a restart raises no false alarm."""
    connection = connections[alias]
    kept = connection.connection is not None
    try:
        query()
    except DatabaseError:
        connection.close()
        if not kept:
            raise
        query()


def check_database() -> None:
    def select_one():
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT 1")

    _on_kept_connection(DEFAULT_DB_ALIAS, select_one)


def check_cache() -> None:
    cache = caches["default"]
    if isinstance(cache, RedisCache):
        # newsroom.cache.ResilientRedisCache reads a dead Redis as an empty cache: ask its
        # client (the same server and timeouts) directly, which raises.
        cache._cache.get_client(write=True).ping()
    else:
        cache.get("readyz")  # the other backends raise when they fail


def check_storage() -> None:
    # A name that is never there: a stat on disk, a HEAD request to S3. Only an error or
    # a hang (an unreachable mount or bucket) counts; the answer itself does not matter.
    storages["default"].exists("readyz")


_NO_TASK = uuid.UUID(int=0)


def check_queue() -> None:
    # A primary-key lookup in the queue's table, where tasks are written and claimed.
    alias = router.db_for_write(DBTaskResult)
    _on_kept_connection(alias, DBTaskResult.objects.using(alias).filter(pk=_NO_TASK).exists)


class _Run:
    def __init__(self):
        self.done = threading.Event()
        self.error: Exception | None = None


class Check:
    """One dependency's probe, on a thread of its own that stays for the next call (and
    keeps its database connection). A probe still running from an earlier call is waited
    for, never started again: a hanging dependency holds one thread, however often the
    load balancer asks."""

    def __init__(self, name: str, probe: Callable[[], None], *, at_start: bool = False):
        self.name = name
        self.probe = probe
        self.at_start = at_start
        self.failing = False  # for logging only the changes
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stopping = False
        self._thread: threading.Thread | None = None
        self._run: _Run | None = None

    def start(self) -> _Run:
        with self._lock:
            alive = self._thread is not None and self._thread.is_alive()
            if alive and self._run is not None and not self._run.done.is_set():
                return self._run
            self._run = _Run()
            if not alive:
                self._thread = threading.Thread(
                    target=self._serve, name=f"readyz-{self.name}", daemon=True
                )
                self._thread.start()
            self._wake.set()
            return self._run

    def _serve(self) -> None:
        try:
            while True:
                self._wake.wait()
                self._wake.clear()
                if self._stopping:
                    return
                run = self._run
                try:
                    self.probe()
                except Exception as error:
                    run.error = error
                run.done.set()
        finally:
            connections.close_all()  # this thread's own

    def stop(self) -> threading.Thread | None:
        self._stopping = True
        self._wake.set()
        return self._thread


_checks: list[Check] | None = None
_checks_lock = threading.Lock()


def _all_checks() -> list[Check]:
    global _checks
    with _checks_lock:
        if _checks is None:
            _checks = [
                Check("database", check_database),
                # Their first use in a thread builds a client (boto3's takes half a second):
                # done when the process starts, not while the first /readyz waits.
                Check("cache", check_cache, at_start=True),
                Check("storage", check_storage, at_start=True),
                Check("queue", check_queue),
            ]
        return _checks


def warm_up() -> None:
    """Run the checks that need no database once, in the background (see _all_checks)."""
    for check in _all_checks():
        if check.at_start:
            check.start()


def close(timeout: float = 5.0) -> None:
    """Stop the checks' threads and close their database connections (a test database
    cannot be dropped while they hold one). The next /readyz starts new ones; a thread
    still hanging in its probe ends when the probe does."""
    global _checks
    with _checks_lock:
        checks, _checks = _checks or [], None
    threads = [check.stop() for check in checks]
    deadline = time.monotonic() + timeout
    for thread in threads:
        if thread is not None:
            thread.join(max(0.0, deadline - time.monotonic()))


def readiness() -> dict[str, str]:
    """Each dependency's state: "ok", "timeout" or the error's class name."""
    checks = _all_checks()
    deadline = time.monotonic() + settings.READINESS_TIMEOUT
    runs = [check.start() for check in checks]
    states = {}
    for check, run in zip(checks, runs, strict=True):
        if not run.done.wait(max(0.0, deadline - time.monotonic())):
            state, detail = "timeout", f"no answer within {settings.READINESS_TIMEOUT} s"
        elif run.error is not None:
            state, detail = type(run.error).__name__, f"{type(run.error).__name__}: {run.error}"
        else:
            state, detail = "ok", ""
        failing = state != "ok"
        if failing != check.failing:
            check.failing = failing
            if failing:
                logger.warning("Not ready: %s: %s", check.name, detail)
            else:
                logger.warning("Ready again: %s", check.name)
        states[check.name] = state
    return states


# --- Who may read /metrics -------------------------------------------------------------


def metrics_allowed(request) -> bool:
    """Whether the sender is one of METRICS_ALLOWED_IPS. As in newsroom.net, forwarded
    addresses are read from the right while the hop that wrote them is one of
    TRUSTED_PROXIES, but all the way: a request forwarded for anyone not known (a reader
    through nginx and Varnish) is refused, whatever TRUSTED_PROXY_COUNT says."""
    sender = request.META.get("REMOTE_ADDR", "")
    forwarded = [p.strip() for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [p for p in forwarded if p]
    while forwarded and is_trusted_proxy(sender):
        sender = forwarded.pop()
    return not forwarded and in_networks(sender, settings.METRICS_ALLOWED_IPS)


# --- The middleware --------------------------------------------------------------------


def _text(body: str, status: int = 200) -> HttpResponse:
    response = HttpResponse(body, status=status, content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = "no-store"
    return response


def healthz(request) -> HttpResponse:
    return _text("ok\n")


def readyz(request) -> HttpResponse:
    states = readiness()
    body = "".join(f"{name}: {state}\n" for name, state in states.items())
    ready = all(state == "ok" for state in states.values())
    response = _text(body, 200 if ready else 503)
    # Logged once when a dependency starts failing (readiness()), not at every call as
    # Django logs a 5xx: a load balancer asks every second.
    response._has_been_logged = True
    return response


def metrics_view(request) -> HttpResponse:
    if not metrics_allowed(request):
        return _text("Not Found\n", 404)
    return metrics.export()


ENDPOINTS = {"/healthz": healthz, "/readyz": readyz, "/metrics": metrics_view}


class HealthMiddleware:
    """Answers ENDPOINTS before any other middleware runs (see the module)."""

    def __init__(self, get_response):
        self.get_response = get_response
        warm_up()

    def __call__(self, request):
        view = ENDPOINTS.get(request.path_info)
        if view is None:
            return self.get_response(request)
        if request.method not in ("GET", "HEAD"):
            response = HttpResponseNotAllowed(["GET", "HEAD"])
            response["Cache-Control"] = "no-store"
            return response
        return view(request)
