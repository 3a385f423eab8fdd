"""One run at a time (refresh_weather, backup): a lock that a crashed run cannot leave behind.

On PostgreSQL it is a session-level advisory lock, so runs started by cron on several app
servers sharing the database exclude each other too; the server drops it when the
session ends, however the process died. On SQLite (one machine by nature) it is an
fcntl.flock on a file in settings.RUN_LOCK_DIR, which the kernel drops with the process.
"""

import fcntl
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import connection


@contextmanager
def run_lock(name: str) -> Iterator[bool]:
    """Yield True while holding the lock `name`, or False at once when another run holds it."""
    if connection.vendor == "postgresql":
        with _advisory_lock(name) as acquired:
            yield acquired
    else:
        with _file_lock(name) as acquired:
            yield acquired


@contextmanager
def _advisory_lock(name: str) -> Iterator[bool]:
    key = zlib.crc32(f"newsroom:{name}".encode())  # a stable number for the name
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
        acquired = cursor.fetchone()[0]
    try:
        yield acquired
    finally:
        if acquired:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [key])


@contextmanager
def _file_lock(name: str) -> Iterator[bool]:
    directory = Path(settings.RUN_LOCK_DIR)
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / f"{name}.lock", "a") as file:
        try:
            fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(file, fcntl.LOCK_UN)
