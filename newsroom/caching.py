"""Caching of reading pages, and the one way to make them fresh again.

Three caches keep a page: the reader's browser (`max-age`, by default 0: it asks again),
a shared proxy in front of the app (Varnish, `s-maxage`, emptied by tag) and the app cache
(site-wide parts such as the navigation, keyed by version).

Versions (app cache, ETags): a few kinds of content, each with a version, the time it last
changed:

- ``all``: everything on every page (site settings, navigation, footer pages, authors'
  and tags' names, the date in the top bar);
- ``list``: articles, wherever they are shown or listed;
- ``ads``: banners and job ads;
- ``weather``: the weather.

A page's ETag and Last-Modified come from the versions, so a conditional request is
answered with 304 before any view runs. Changes that come with time and no write (a
scheduled article going live, an article going offline, an ad's first or last day, the
date) end a version lazily at that moment, and no cached copy is kept past it.

Page tags (the proxy): a page records what it shows (`add_cache_tags`): the versions it
depends on, and finer tags of its apps' own (an article's page, a section's lists, the
"Neueste Artikel" box; see articles/invalidation.py). A change bans exactly the tags of
what it changed, so a correction of an old article leaves the home page and the other
articles cached. A box that many pages carry ("Neueste Artikel" below every article)
records the tags of what it shows, not of what may join it (`arrivals_ignored`): newcomers
appear when the page is made again, within s-maxage, so a publish bans no archive page.

Every write reaches `invalidate()` through model signals (saves, deletes, queryset deletes,
tag and author changes); after the transaction commits it drops the versions and bans the
tags in the proxy through a purge backend, twice (see `_flush`).

An article's own parts (head, text, byline, tags) have a version of their own besides
(`object_version`), so they outlive the many `list` changes of a news day.

Writes that send no signals (`QuerySet.update()`, `bulk_create`) must call `invalidate()`
(and for an article's own fields `invalidate_object()`) themselves, as `generate_content`
does.
"""

import hashlib
import logging
import math
import re
import threading
import time
import urllib.error
import urllib.request
from collections import OrderedDict
from collections.abc import Callable, Collection
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.db import connections, transaction
from django.db.models.signals import post_delete, post_save
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date
from django.utils.module_loading import import_string
from django_tasks import task

from newsroom import replicas
from newsroom.metrics import PURGE_FAILURES

logger = logging.getLogger(__name__)

ALL, LIST, ADS, WEATHER = "all", "list", "ads", "weather"
TAGS = (ALL, LIST, ADS, WEATHER)
VERSION_KEY = "cache-version:{}"

# Responses a shared cache may keep for anonymous readers; others (500, 403, ...) not.
CACHEABLE_STATUS = {200, 301, 404, 410}


# --- Versions --------------------------------------------------------------------------


def _next_midnight(now: float) -> float:
    local = timezone.localtime(datetime.fromtimestamp(now, tz=timezone.get_current_timezone()))
    tomorrow = (local + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return tomorrow.timestamp()


# When each tag's version ends without a write: the date in the top bar and the ads' run
# days change at midnight; the apps add theirs (`ends_by_time`): the article lists end
# when a scheduled article goes live or a published one goes offline ("offline from").
_ENDS_BY_TIME: dict[str, Callable[[float], float | None]] = {
    ALL: _next_midnight,
    LIST: lambda now: None,
    ADS: _next_midnight,
    # The widget hides measurements once they are too old, refreshed or not.
    WEATHER: lambda now: now + 15 * 60,
}


def ends_by_time(tag: str, next_end: Callable[[datetime], datetime | None]) -> None:
    """For an app (from its AppConfig.ready()): `tag`'s version also ends at
    `next_end(now)`, the next moment its content changes with time alone (or None)."""
    default = _ENDS_BY_TIME[tag]

    def end(now: float) -> float | None:
        ends = [default(now), next_end(datetime.fromtimestamp(now, tz=UTC))]
        ends = [e.timestamp() if isinstance(e, datetime) else e for e in ends]
        return min((e for e in ends if e is not None), default=None)

    _ENDS_BY_TIME[tag] = end


def read_versions() -> dict[str, tuple[float, float | None]]:
    """Every tag's (version, end by time), from one cache read; missing ones start now."""
    return _read_versions()[0]


def _read_versions() -> tuple[dict[str, tuple[float, float | None]], bool]:
    """read_versions(), and whether they are shared: False when the cache kept none of
    the renewed ones (it is down, newsroom/cache.py)."""
    keys = {VERSION_KEY.format(tag): tag for tag in TAGS}
    stored = cache.get_many(keys)
    now = time.time()
    versions, renewed, shared = {}, {}, True
    for key, tag in keys.items():
        entry = stored.get(key)
        if entry is None:
            # Dropped by a change: the first worker to start it again wins, so that all
            # agree (another's page would seem changed while rendered, see changed_since).
            entry = (now, _ENDS_BY_TIME[tag](now))
            if not cache.add(key, entry, timeout=None):
                kept = cache.get(key)
                shared = shared and kept is not None
                entry = kept or entry
        elif entry[1] is not None and entry[1] <= now:
            # A version ended by time starts at that moment (the same in every worker).
            entry = renewed[key] = (entry[1], _ENDS_BY_TIME[tag](now))
        versions[tag] = entry
    shared = shared and not (renewed and cache.set_many(renewed, timeout=None))
    return versions, shared


def request_versions(request) -> dict[str, tuple[float, float | None]]:
    """The versions this request started with (read once, at its start)."""
    if not hasattr(request, "_cache_versions"):
        request._cache_versions, request._cache_versions_shared = _read_versions()
    return request._cache_versions


def changed_since(request) -> bool:
    """Whether what the request's page shows may have changed while it was rendered.
    Unknowable while the cache keeps nothing; then the proxy's bans alone (the second one
    catches a page rendered from the old data) keep pages fresh, as they always do."""
    versions, shared = _read_versions()
    return shared and request._cache_versions_shared and versions != request._cache_versions


def version_key(request, *tags: str) -> str:
    """A cache-key part that changes whenever one of `tags` changes (for fragments)."""
    versions = request_versions(request)
    return "-".join(f"{versions[tag][0]:.6f}" for tag in tags)


# Fragments this process has already read. Their keys carry the versions, so an entry is
# never stale: a change gives the fragment a new key. Values are shared between requests
# and must not be modified.
_local: OrderedDict[str, object] = OrderedDict()
LOCAL_ENTRIES = 256


def cached(
    name: str, tags: Collection[str], compute: Callable, request=None, *, timeout: int | None = None
):
    """`compute()`, kept in the app cache (and this process) until one of `tags` changes.

    With `timeout`, kept in the app cache alone and at most that many seconds: for values
    that also change with time (the most read articles) or come in thousands (one per
    article), which would crowd out this process's few site-wide entries."""
    if request is None:
        versions = "-".join(f"{read_versions()[tag][0]:.6f}" for tag in tags)
    else:
        versions = version_key(request, *tags)
    key = f"fragment:{name}:{versions}"
    if timeout is not None:
        value = cache.get(key)
        if value is None:
            value = compute()
            if value is not None:  # None reads as a miss: storing it would only cost a write
                cache.set(key, value, timeout=timeout)
        return value
    value = _local.get(key)
    if value is None:
        value = cache.get(key)
        if value is None:
            value = compute()
            if value is None:
                return None
            cache.set(key, value, timeout=settings.HTTP_CACHE_FRAGMENT_TIMEOUT)
        _local[key] = value
        if len(_local) > LOCAL_ENTRIES:
            _local.popitem(last=False)
    return value


def stored_version_key(*tags: str) -> str | None:
    """`version_key()` as the cache holds it, or None: never renews a version, so never
    reads the database (the 500 page may be rendered because the database is down)."""
    stored = cache.get_many([VERSION_KEY.format(tag) for tag in tags])
    now = time.time()
    parts = []
    for tag in tags:
        entry = stored.get(VERSION_KEY.format(tag))
        if entry is None or (entry[1] is not None and entry[1] <= now):
            return None
        parts.append(f"{entry[0]:.6f}")
    return "-".join(parts)


def peek(name: str, tags: Collection[str]):
    """What `cached()` holds for `name` under the current versions, or None; computes
    nothing (see `stored_version_key`)."""
    versions = stored_version_key(*tags)
    if versions is None:
        return None
    key = f"fragment:{name}:{versions}"
    value = _local.get(key)
    return value if value is not None else cache.get(key)


def object_version(name: str) -> str:
    """A cache-key part for one object's own parts (an article's headline, text, byline):
    it changes with `invalidate_object(name)`, not with `list`. Publishing bans every page
    in the proxy (each shows the newest articles); re-rendered, an article page reuses its
    own parts, and only what lists other articles is computed again."""
    key = VERSION_KEY.format(name)
    version = cache.get(key)
    if version is None:
        version = time.time()
        if not cache.add(key, version, timeout=settings.HTTP_CACHE_FRAGMENT_TIMEOUT):
            version = cache.get(key, version)  # another worker started it just now
    return f"{version:.6f}"


def invalidate_object(name: str) -> None:
    """`name`'s own parts are stale: dropped now and again after the commit, as in
    `invalidate()`, so nothing read before the commit is kept under the new version."""
    key = VERSION_KEY.format(name)
    cache.delete(key)
    _pending_set("keys").add(key)
    transaction.on_commit(_flush)


class FragmentVersions:
    """`{% cache … cache_versions.list %}` in templates: the version of a tag."""

    def __init__(self, request):
        self.request = request

    timeout = property(lambda self: settings.HTTP_CACHE_FRAGMENT_TIMEOUT)

    def __getattr__(self, tag: str) -> str:
        if tag not in TAGS:
            raise AttributeError(tag)
        return version_key(self.request, tag)


# --- Tags of a page --------------------------------------------------------------------


TAG_RE = re.compile(r"[a-z0-9-]+\Z")  # what the proxy's ban expression accepts


def add_cache_tags(request, *tags: str, until: datetime | None = None) -> None:
    """Record that the page being rendered shows what `tags` stand for (`until`: and must
    not be kept past that moment, e.g. an article's "offline from")."""
    if request is None:
        return
    assert all(TAG_RE.match(tag) for tag in tags), tags
    request.__dict__.setdefault("_cache_tags", {ALL}).update(tags)
    if until is not None:
        request._cache_until = min(until.timestamp(), getattr(request, "_cache_until", math.inf))


@contextmanager
def arrivals_ignored(request, *tags: str):
    """Within: `tags` are not recorded for the page (unless it recorded them before). For a
    box on many pages that follows its members' own tags (an `l-<id>` is banned when that
    article changes or goes) while `tags` stand for newcomers, who may join it when the page
    is made again: a publish then bans the box's own lists, not every page carrying it."""
    before = set(getattr(request, "_cache_tags", ()))
    try:
        yield
    finally:
        recorded = getattr(request, "_cache_tags", None)
        if recorded is not None:
            recorded -= set(tags) - before


def cache_tags(*tags: str):
    """View decorator: the page shows what `tags` stand for."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            add_cache_tags(request, *tags)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


# --- Invalidation ----------------------------------------------------------------------

_pending = threading.local()


def _pending_set(name: str) -> set:
    """What this thread's transaction has made stale so far: "tags" to ban, "versions" and
    object "keys" to drop."""
    if not hasattr(_pending, name):
        setattr(_pending, name, set())
    return getattr(_pending, name)


def invalidate(*tags: str, versions: Collection[str] = ()) -> None:
    """Make every page showing `tags` fresh: app cache and proxy, once the data is committed.

    `tags` are banned in the proxy (and those that are versions dropped in the app cache);
    `versions` are only dropped: for a change that a few page tags name exactly, such as one
    article's, where banning every page that lists articles would be far too much.

    Within a transaction the tags are collected and the first commit callback flushes them
    all, so a weather refresh saving many rows bans the weather pages once. (Tags of a
    rolled-back transaction are flushed with the next commit: one needless ban at most.)
    """
    assert all(TAG_RE.match(tag) for tag in tags), tags
    dropped = {*versions, *(tag for tag in tags if tag in TAGS)}
    # Dropped now for this connection's own later reads, and again after the commit: a
    # reader meanwhile may have cached the old data under a new version.
    _drop_versions(dropped)
    _pending_set("tags").update(tags)
    _pending_set("versions").update(dropped)
    transaction.on_commit(_flush)


def _drop_versions(tags: Collection[str], keys: Collection[str] = ()) -> None:
    keys = [*keys, *(VERSION_KEY.format(tag) for tag in tags if tag in TAGS)]
    if keys:
        cache.delete_many(keys)


def _flush() -> None:
    tags, _pending.tags = _pending_set("tags"), set()
    versions, _pending.versions = _pending_set("versions"), set()
    keys, _pending.keys = _pending_set("keys"), set()
    if not (tags or versions or keys):
        return  # flushed by an earlier callback of the same commit
    _drop_versions(versions, keys)
    position = replicas.commit_position()
    if not position and not (tags and get_purger()):
        return
    # On a thread: a proxy that hangs or a replica that lags holds the save at most
    # HTTP_CACHE_PURGE_WAIT (usually the bans are long sent by then). A ban that fails
    # becomes a task, retried until it succeeds. Not a daemon thread: a process that exits
    # right after its save (a management command, a script) still sends its bans.
    after = threading.Thread(
        target=_after_commit,
        args=[sorted(tags), sorted(versions), sorted(keys), position],
        name="cache-ban",
    )
    after.start()
    after.join(timeout=settings.HTTP_CACHE_PURGE_WAIT)


def _after_commit(tags: list[str], versions: list[str], keys: list[str], position) -> None:
    try:
        if position:
            # With read replicas: only once they have replayed the commit. Until then a
            # reader may render the old data from a replica, into the proxy and the app
            # cache (under the new versions): both are emptied again after the replay.
            if not replicas.wait_until_replayed(position, settings.REPLICA_BAN_WAIT):
                _enqueue_ban(tags, None, position, [*versions, *keys])
                return
            _drop_versions(versions, keys)
        if not tags or get_purger() is None:
            return
        _ban_or_enqueue(tags)
        delay = settings.HTTP_CACHE_PURGE_REPEAT_AFTER
        if delay:
            # A page rendered from the old data may reach the proxy just after the ban;
            # a second ban a moment later removes it too.
            time.sleep(delay)
            _ban_or_enqueue(tags)
    finally:
        connections.close_all()  # this thread's own


def _ban_or_enqueue(tags: list[str], urls: Collection[str] | None = None) -> None:
    failed = get_purger(urls).purge(tags)
    if failed:
        PURGE_FAILURES.inc(len(failed))
        _enqueue_ban(tags, sorted(failed))


def _enqueue_ban(tags, urls, position=None, dropped=()) -> None:
    try:
        ban.enqueue(tags, urls, position, list(dropped))
    except Exception:  # the database away too: readers get the page within s-maxage
        logger.exception("Could not enqueue the retry of a ban")


class PurgeFailed(Exception):
    pass


@task()
def ban(tags: list[str], urls: list[str] | None, position=None, dropped=()) -> None:
    """A ban that failed (or waited too long for the replicas), retried by the worker with
    backoff until every proxy took it: `urls` (None: all), once the replicas have replayed
    `position`, after dropping the versions and keys `dropped` again."""
    if not replicas.replayed(position):
        raise PurgeFailed(f"the replicas have not replayed {position} yet")
    prefix = VERSION_KEY.format("")
    _drop_versions(dropped, [key for key in dropped if key.startswith(prefix)])
    purger = get_purger(urls)
    failed = purger.purge(tags) if purger and tags else ()
    if failed:
        PURGE_FAILURES.inc(len(failed))
        raise PurgeFailed(f"ban of {' '.join(tags)} failed at {', '.join(sorted(failed))}")


ban.func.max_attempts = 0  # until it succeeds: a page never stays stale for good


class VarnishBanPurger:
    """Bans cached pages by tag in Varnish (deploy/varnish/default.vcl).

    The interface of every purge backend: `purge(tags)`, which must not raise and returns
    the URLs that did not take the ban (retried by the task `ban`). A CDN adapter (Fastly,
    Cloudflare, Bunny: all purge by cache tag) implements the same.
    Sends `BAN /` with `X-Ban-Tags: list ads` to each of HTTP_CACHE_PURGE_URLS.
    """

    def __init__(self, urls: Collection[str], timeout: float = 2.0):
        self.urls = list(urls)
        self.timeout = timeout

    def purge(self, tags: Collection[str]) -> set[str]:
        failed = set()
        for url in self.urls:
            request = urllib.request.Request(
                url.rstrip("/") + "/", method="BAN", headers={"X-Ban-Tags": " ".join(tags)}
            )
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:
                    response.read()
            except (OSError, urllib.error.URLError) as error:
                # The editor's save stands; the ban is retried (task `ban`).
                logger.warning("Cache purge of %s at %s failed: %s", " ".join(tags), url, error)
                failed.add(url)
        return failed


def get_purger(urls: Collection[str] | None = None):
    """The purge backend for `urls` (default: all of HTTP_CACHE_PURGE_URLS), or None."""
    urls = settings.HTTP_CACHE_PURGE_URLS if urls is None else urls
    if not urls or not settings.HTTP_CACHE_PURGE_BACKEND:
        return None
    backend = import_string(settings.HTTP_CACHE_PURGE_BACKEND)
    return backend(urls)


# What each model's changes make stale. The site's own models here; each app connects
# its own (`watch`) in its AppConfig.ready(), e.g. articles/invalidation.py, which bans
# only the pages that show an article's change.
def _invalidates(*tags: str, versions: Collection[str] = ()):
    def receiver(sender, **kwargs):
        invalidate(*tags, versions=versions)

    return receiver


RECEIVERS = {"newsroom.SiteSettings": _invalidates(ALL), "newsroom.Page": _invalidates(ALL)}


def watch(sender: str, *tags: str, versions: Collection[str] = (), receiver=None) -> None:
    """For an app's own models (from its AppConfig.ready()): every save or delete of
    `sender` ("app.Model") makes the pages showing `tags` fresh (and drops `versions`), or
    calls `receiver` (a post_save/post_delete receiver) that decides."""
    receiver = receiver or _invalidates(*tags, versions=versions)
    post_save.connect(receiver, sender=sender, weak=False, dispatch_uid=f"cache:{sender}:save")
    post_delete.connect(receiver, sender=sender, weak=False, dispatch_uid=f"cache:{sender}:delete")


def connect_signals() -> None:
    """Called once from NewsroomConfig.ready()."""
    for sender, receiver in RECEIVERS.items():
        watch(sender, receiver=receiver)


# --- The middleware --------------------------------------------------------------------


class HttpCacheMiddleware:
    """Cache headers for anonymous readers, and 304 answers before any view runs.

    Sits above SessionMiddleware: for a reader without a session the page cannot depend
    on the session cookie, so its `Vary: Cookie` (added whenever `request.user` is looked
    at) is dropped; a proxy would otherwise keep one copy per reader.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not self.is_candidate(request):
            response = self.get_response(request)
            if request.method in ("GET", "HEAD") and "Cache-Control" not in response:
                # Staff see previews and their own session: never in any shared cache.
                patch_cache_control(response, private=True, no_store=True)
            return response

        versions = request_versions(request)
        etag = self.etag(request, versions)
        last_modified = int(max(v for v, _ in versions.values()))
        not_modified = get_conditional_response(request, etag=etag, last_modified=last_modified)
        if not_modified is not None:
            if not_modified.status_code == 304:
                # RFC 9110 15.4.5: a 304 carries the ETag (and caching headers) that the
                # 200 would have; caches update their stored copy from it.
                not_modified["ETag"] = etag
                not_modified["Last-Modified"] = http_date(last_modified)
                self.set_public_headers(not_modified, versions, TAGS)
            return not_modified

        response = self.get_response(request)
        if not self.is_cacheable(response):
            return response
        until = getattr(request, "_cache_until", None)
        if changed_since(request):
            # Something changed while this page was rendered; it may show the old state.
            # Kept a second (s-maxage=1), not passed: during a rush, a pass would send every
            # reader of the page to the app meanwhile. (The second ban drops it as well.)
            until = min(until or math.inf, time.time() + 1.999)
        tags = getattr(request, "_cache_tags", {ALL})
        response["ETag"] = etag
        response["Last-Modified"] = http_date(last_modified)
        response["Cache-Tags"] = " ".join(sorted(tags))
        self.set_public_headers(response, versions, tags, until)
        return response

    @staticmethod
    def is_candidate(request) -> bool:
        return (
            request.method in ("GET", "HEAD")
            and settings.SESSION_COOKIE_NAME not in request.COOKIES
            and not request.path_info.startswith(settings.HTTP_CACHE_EXCLUDED_PATHS)
        )

    @staticmethod
    def is_cacheable(response) -> bool:
        return (
            response.status_code in CACHEABLE_STATUS
            and "Cache-Control" not in response
            and not response.cookies
            and not response.streaming
        )

    @staticmethod
    def etag(request, versions) -> str:
        # Weak: ads rotate within a page, which is still the same page.
        parts = [
            request.get_host(),
            request.get_full_path(),
            *(f"{v}" for v, _ in versions.values()),
        ]
        return 'W/"{}"'.format(hashlib.sha256("|".join(parts).encode()).hexdigest()[:32])

    @staticmethod
    def set_public_headers(response, versions, tags, until: float | None = None) -> None:
        now = time.time()
        ends = [versions[t][1] for t in tags if t in versions and versions[t][1] is not None]
        if until is not None:
            ends.append(until)
        # Never kept past the moment it changes by time (scheduled article, ad run day).
        shared = min([settings.HTTP_CACHE_S_MAXAGE, *(max(0, int(end - now)) for end in ends)])
        # Nor served stale past it: proxies and browsers serve a stale-while-revalidate copy
        # once more after s-maxage/max-age, so that window must end by then as well.
        stale = settings.HTTP_CACHE_STALE_WHILE_REVALIDATE
        if ends:
            stale = max(0, min(stale, int(min(ends) - now) - shared))
        patch_cache_control(
            response,
            public=True,
            max_age=min(settings.HTTP_CACHE_MAX_AGE, shared),
            s_maxage=shared,
            stale_while_revalidate=stale,
            stale_if_error=settings.HTTP_CACHE_STALE_IF_ERROR,
        )
        vary = [v.strip() for v in response.get("Vary", "").split(",") if v.strip()]
        if any(v.lower() == "cookie" for v in vary):
            vary = [v for v in vary if v.lower() != "cookie"]
            if vary:
                response["Vary"] = ", ".join(vary)
            else:
                del response["Vary"]
