"""The app cache's backends: Redis (REDIS_URL), which the site survives losing, and
Django's file and local-memory caches; each counts its gets for /metrics.

Django's RedisCache raises as soon as Redis is unreachable, and every page, login and ad
click answered 500. Here an unreachable Redis reads as an empty cache that keeps nothing:
pages render from the database, and the limits kept in the cache refuse what they count
(an ad click redirects but is not counted, see `add` and `incr`).

After a failure Redis is left alone for RETRY_AFTER seconds, so a Redis that does not
answer costs one request a timeout (OPTIONS socket_timeout), not every request. The outage
is logged once per process when it starts and once when it ends.
"""

import logging
import sys
import threading
import time

from django.core.cache.backends import filebased, locmem
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from django_prometheus.cache.metrics import django_cache_get_fail_total as GET_FAILURES
from django_prometheus.cache.metrics import django_cache_get_total as GETS
from django_prometheus.cache.metrics import django_cache_hits_total as HITS
from django_prometheus.cache.metrics import django_cache_misses_total as MISSES
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

_MISSING, _UNAVAILABLE = object(), object()


def _counted(backend: str, value, default):
    """A get's result counted in django-prometheus' counters (/metrics). Its own cache
    backends return the default for any falsy value (a cached 0, [] or False), so the
    site counts with its own: `value` is _MISSING for a miss."""
    GETS.labels(backend=backend).inc()
    (MISSES if value is _MISSING else HITS).labels(backend=backend).inc()
    return default if value is _MISSING else value


class FileBasedCache(filebased.FileBasedCache):
    """Django's file cache, its gets counted (/metrics)."""

    def get(self, key, default=None, version=None):
        return _counted("filebased", super().get(key, _MISSING, version), default)


class LocMemCache(locmem.LocMemCache):
    """Django's local-memory cache, its gets counted (/metrics)."""

    def get(self, key, default=None, version=None):
        return _counted("locmem", super().get(key, _MISSING, version), default)


# Seconds without trying Redis after a failure (OPTIONS "RETRY_AFTER" overrides it).
RETRY_AFTER = 5.0


class _Link:
    """This process's view of one Redis: shared by the cache objects of all threads
    (Django makes one per thread), so that an outage is logged once."""

    def __init__(self):
        self.lock = threading.Lock()
        self.down_since: float | None = None
        self.retry_at = 0.0
        # A delete that did not reach Redis leaves a stale entry there (an article's old
        # text under a version that should have ended): Redis is emptied when it is back.
        self.missed_deletes = False

    def may_try(self, retry_after: float) -> bool:
        if self.down_since is None:  # the usual case, without taking the lock
            return True
        with self.lock:
            if self.down_since is None:
                return True
            now = time.monotonic()
            if now < self.retry_at:
                return False
            self.retry_at = now + retry_after  # one request tries; the others keep waiting
            return True

    def failed(self, error: RedisError, retry_after: float) -> None:
        with self.lock:
            self.retry_at = time.monotonic() + retry_after
            if self.down_since is not None:
                return
            self.down_since = time.monotonic()
        logger.warning("Redis unavailable, serving without the app cache: %s", error)

    def succeeded(self, emptied: bool) -> None:
        if self.down_since is None:
            return
        with self.lock:
            if self.down_since is None:
                return
            seconds, self.down_since = time.monotonic() - self.down_since, None
        logger.warning(
            "Redis available again after %.0f s, the app cache is back%s",
            seconds,
            " (emptied: deletions were missed meanwhile)" if emptied else "",
        )


_links: dict[str, _Link] = {}
_links_lock = threading.Lock()


class ResilientRedisCache(RedisCache):
    """RedisCache that treats redis.exceptions.RedisError as a miss (see the module)."""

    def __init__(self, server, params):
        options = dict(params.get("OPTIONS", {}))
        # Ours, not redis-py's: everything else in OPTIONS goes to its connection pool.
        self.retry_after = float(options.pop("RETRY_AFTER", RETRY_AFTER))
        super().__init__(server, {**params, "OPTIONS": options})
        with _links_lock:
            self._link = _links.setdefault(",".join(self._servers), _Link())

    def _try(self, fallback, operation, *args, deletes=False):
        """`operation(*args)`, or `fallback` while Redis is unavailable."""
        link = self._link
        if not link.may_try(self.retry_after):
            link.missed_deletes |= deletes
            return fallback
        empty = link.missed_deletes
        if empty:
            link.missed_deletes = False
        try:
            if empty:
                super().clear()  # before anything stale is read
            result = operation(*args)
        except RedisError as error:
            link.missed_deletes |= deletes or empty
            link.failed(error, self.retry_after)
            return fallback
        link.succeeded(empty)
        return result

    # Nothing is kept: a lock or de-duplication built on add() refuses (an ad click is
    # not counted twice, nor at all).
    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._try(False, super().add, key, value, timeout, version)

    def get(self, key, default=None, version=None):
        value = self._try(_UNAVAILABLE, super().get, key, _MISSING, version)
        if value is _UNAVAILABLE:
            GET_FAILURES.labels(backend="redis").inc()
            value = _MISSING
        return _counted("redis", value, default)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._try(None, super().set, key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._try(False, super().touch, key, timeout, version)

    def delete(self, key, version=None):
        return self._try(False, super().delete, key, version, deletes=True)

    def get_many(self, keys, version=None):
        return self._try({}, super().get_many, keys, version)

    def has_key(self, key, version=None):
        return self._try(False, super().has_key, key, version)

    # A count that cannot be read is taken as past every limit: limits built on add() and
    # incr() ("at most N a minute", as the ads' impression reports) refuse, as add() does.
    # (A missing key's ValueError would make those callers start a new count and accept.)
    def incr(self, key, delta=1, version=None):
        return self._try(sys.maxsize, super().incr, key, delta, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._try(list(data), super().set_many, data, timeout, version)

    def delete_many(self, keys, version=None):
        return self._try(None, super().delete_many, keys, version, deletes=True)

    def clear(self):
        return self._try(False, super().clear, deletes=True)
