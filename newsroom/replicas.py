"""Read replicas (DATABASE_REPLICA_URLS): reading pages read a replica; staff, forms, the
worker, commands and every write use the primary.

A replica lags the primary by the time it takes to replay the primary's log. Bans wait
for it (newsroom.caching): after a commit the ban is sent only once every replica has
replayed the commit, so no reader can put the old version back into the proxy from a
replica that has not seen the change yet.
"""

import logging
import random
import time
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

logger = logging.getLogger(__name__)

_replica: ContextVar[str | None] = ContextVar("newsroom_replica", default=None)


def aliases() -> list[str]:
    return [alias for alias in settings.DATABASES if alias.startswith("replica")]


# Replicas that refused a connection, and until when they are left alone (monotonic).
_down: dict[str, float] = {}
RETRY_AFTER = 30


def _pick() -> str | None:
    """A replica that takes connections, or None (the primary) when none does."""
    candidates = [alias for alias in aliases() if _down.get(alias, 0) <= time.monotonic()]
    random.shuffle(candidates)
    for alias in candidates:
        try:
            connections[alias].ensure_connection()  # no query when already connected
        except DatabaseError as error:
            logger.warning("Replica %s refused a connection, reading from the primary: %s",
                           alias, error)  # fmt: skip
            _down[alias] = time.monotonic() + RETRY_AFTER
            continue
        return alias
    return None


@contextmanager
def reading():
    """Within: reads go to one of the replicas (the same one for the whole request); to
    the primary while none takes connections (a replica that went away, for RETRY_AFTER)."""
    token = _replica.set(_pick())
    try:
        yield
    finally:
        _replica.reset(token)


def read_connection():
    """The connection reads of this request go to: for raw SQL, which no router sees."""
    return connections[_replica.get() or DEFAULT_DB_ALIAS]


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        return _replica.get()

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replicas hold the same rows

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"


class ReplicaMiddleware:
    """Reading pages (as HTTP caching defines them: safe requests without a staff session,
    outside the admin) read a replica."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from newsroom.caching import HttpCacheMiddleware

        if not aliases() or not HttpCacheMiddleware.is_candidate(request):
            return self.get_response(request)
        with reading():
            return self.get_response(request)


def commit_position() -> str | None:
    """The primary's log position just after a commit (PostgreSQL), or None without
    replicas."""
    if not aliases():
        return None
    with connections["default"].cursor() as cursor:
        # Where the next record goes: past this commit's record, flushed or not yet.
        cursor.execute("SELECT pg_current_wal_insert_lsn()::text")
        return cursor.fetchone()[0]


def replayed(position: str | None) -> bool:
    """Whether every replica that serves readers has replayed the log up to `position`.
    One that is away serves nobody (reading() leaves it alone for RETRY_AFTER)."""
    if position is None:
        return True
    for alias in aliases():
        if _down.get(alias, 0) > time.monotonic():
            continue
        try:
            with connections[alias].cursor() as cursor:
                # NULL on a primary (a replica promoted meanwhile): it has everything.
                cursor.execute(
                    "SELECT coalesce(pg_last_wal_replay_lsn() >= %s::pg_lsn, true)", [position]
                )
                if not cursor.fetchone()[0]:
                    return False
        except DatabaseError as error:
            logger.warning("Replica %s is away: %s", alias, error)
            _down[alias] = time.monotonic() + RETRY_AFTER
            connections[alias].close()
    return True


def wait_until_replayed(position: str | None, timeout: float) -> bool:
    """Poll the replicas until they have replayed `position`; False after `timeout`."""
    deadline = time.monotonic() + timeout
    while not replayed(position):
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)
    return True
