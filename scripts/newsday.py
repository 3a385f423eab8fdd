"""The news-day benchmark of `make bench` (scripts/bench.sh starts Varnish and gunicorn).

    newsday.py run --via http://127.0.0.1:PORT --varnish-name DIR --out FILE.json
                   [--seconds 300] [--rest 0] [--rate 200] ...
    newsday.py newsroom ...   (started by `run`: the scripted newsroom, a Django process)

Readers request pages through Varnish at a fixed rate with a skewed mix (most on the home
page and the newest articles, some on the section pages, a long tail over the archive, a
few tag and author pages) while the newsroom saves through the ORM, as the admin does
(`articles.workflow.save_changes`, in a transaction with a revision), so the same
post_save/m2m_changed signals and bans run as for an editor's save:

    every 60 s   a new article is published (headline "Eilmeldung nd<run>p<n>: …")
    every 20 s   a correction: a recent published article's body gets a new sentence
    every 10 s   a months-old archived article is saved: in turn unchanged, then a body fix

The readers are open-loop: request i is due at start + i / rate whatever happened to the
ones before, and its latency is measured from that moment (a queue behind a slow answer
counts). Keep-alive connections, one more whenever all are waiting for an answer (so a
slow answer holds up no other reader), `Accept-Encoding: gzip` as browsers send. Every page
of the mix is requested once before the measurement, so the run starts with a warm cache.

Measured: X-Cache of each reader answer (HIT; MISS, PASS and STALE are not hits) overall
and per page kind; varnishstat's counters around the run (`MAIN.backend_req` per second is
what reaches gunicorn; `cache_hit`/`cache_miss` there include this script's polls); reader
p50/p99; for each publish the seconds from the save's return until the home page and the
article's section page (polled through Varnish every 20 ms) show the headline.

Staleness: once a save has returned (committed, first ban sent) and its repeated ban has
had time to land (HTTP_CACHE_PURGE_REPEAT_AFTER + --margin), every reader answer started
later must show the new state: the headline on home and section, the corrected sentence
on the article (and an archive body fix on its page). Only the page's <main> is searched,
so the sidebar's "Neueste Artikel" cannot stand in for a stale list. A later save of the
same page is accepted too. Each answer that fails counts as "stale after ban".

The newsroom writes into the archive it is given: each run adds its published articles
(`--seconds / 60` of them) and leaves its last correction and archive fix in a few bodies
(a fix replaces the previous run's, so bodies do not grow). Clocks: time.monotonic() is
system-wide on Linux, so both processes share it.
"""

import argparse
import gzip
import http.client
import json
import math
import os
import queue
import random
import re
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
KINDS = {  # page kind: share of the readers' requests
    "home": 0.30,
    "newest": 0.35,  # the newest few dozen articles
    "section": 0.15,  # the main categories' first pages
    "archive": 0.12,  # a long tail over the whole archive
    "tag_author": 0.08,
}
KIND_LABELS = {
    "home": "home",
    "section": "section pages",
    "newest": "newest articles",
    "archive": "archive articles",
    "tag_author": "tag/author pages",
}
TARGETS = {"hit_ratio": 0.97, "home_fresh_s": 2.0, "stale_after_ban": 0, "p99_ms": 20.0}
# Keep-alive connections: a few to start with, one more whenever every one is waiting for
# an answer, so that a slow answer holds up no other reader (each reader has a connection).
CONNECTIONS, MAX_CONNECTIONS = 16, 2000
POLL_EVERY = 0.02
POLL_GIVE_UP = 30.0
CORRECTION = re.compile(r"<p>Berichtigung der Redaktion \([^<]*\)</p>")
ARCHIVE_FIX = re.compile(r"<p>Nachtrag der Redaktion \([^<]*\)</p>")


def emit(**event) -> None:
    print(json.dumps(event), flush=True)


# --- The newsroom (a Django process) ---------------------------------------------------


def zipf(n: int, exponent: float = 1.0) -> list[float]:
    return [1 / (rank + 1) ** exponent for rank in range(n)]


def reader_pages(rnd: random.Random, *, newest: int, archive: int) -> dict:
    """The mix's addresses, newest first where that matters."""
    from django.db.models import Count, Q

    from articles.models import Article, Author, Category, Tag

    published = Article.objects.published().select_related("category")
    recent = list(published.order_by("-published_at", "-pk")[:newest])
    ids = list(published.values_list("pk", flat=True))
    recent_ids = {a.pk for a in recent}
    sample = rnd.sample([pk for pk in ids if pk not in recent_ids], archive)
    by_pk = published.in_bulk(sample)
    tail = [by_pk[pk] for pk in sample if pk in by_pk]
    tags = (
        Tag.objects.annotate(
            n=Count("tagged_articles", filter=Q(tagged_articles__listed_at__isnull=False))
        )
        .filter(n__gt=0)
        .order_by("-n")[:15]
    )
    authors = Author.objects.annotate(n=Count("articles")).filter(n__gt=0).order_by("-n")
    people = [a.get_absolute_url() for a in authors]
    tag_urls = [t.get_absolute_url() for t in tags]
    # Interleaved: the most used tags and authors share the head of the distribution.
    tag_author = [u for pair in zip(tag_urls, people, strict=False) for u in pair]
    tag_author += tag_urls[len(people) :] + people[len(tag_urls) :]
    return {
        "home": ["/"],
        "section": [c.get_absolute_url() for c in Category.objects.filter(parent=None)],
        "newest": [a.get_absolute_url() for a in recent],
        "archive": [a.get_absolute_url() for a in tail],
        "archive_ids": [a.pk for a in tail],
        "tag_author": tag_author,
    }


def schedule(seconds: float, every: dict[str, float], offsets: dict[str, float]) -> list:
    plan = []
    for kind, interval in every.items():
        at = offsets[kind]
        while interval > 0 and at < seconds:
            plan.append((at, kind))
            at += interval
    return sorted(plan)


def newsroom(args) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
    import django

    django.setup()
    import reversion
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.utils import timezone

    from articles.models import Article
    from articles.workflow import save_changes

    rnd = random.Random(args.seed)
    run = args.run
    pages = reader_pages(rnd, newest=args.newest, archive=args.archive)
    emit(
        event="pages",
        pages={k: v for k, v in pages.items() if k in KINDS},
        repeat_after=settings.HTTP_CACHE_PURGE_REPEAT_AFTER,
        purge_urls=list(settings.HTTP_CACHE_PURGE_URLS),
    )
    user, created = get_user_model().objects.get_or_create(
        username="newsday-bench", defaults={"is_staff": True, "is_superuser": True}
    )
    if created:
        user.set_unusable_password()
        user.save()
    cutoff = timezone.now() - timedelta(days=90)
    archived = list(
        Article.objects.filter(pk__in=pages["archive_ids"], published_at__lt=cutoff)
        .order_by()
        .values_list("pk", flat=True)
    )
    rnd.shuffle(archived)

    line = sys.stdin.readline().split()  # "go <monotonic start>"
    if not line or line[0] != "go":
        return
    start = float(line[1])
    plan = schedule(
        args.seconds,
        {
            "publish": args.publish_every,
            "correction": args.correct_every,
            "archive": args.archive_every,
        },
        {"publish": 20.0, "correction": 10.0, "archive": 5.0},
    )
    counters = {"publish": 0, "correction": 0, "archive": 0}
    for at, kind in plan:
        time.sleep(max(0.0, start + at - time.monotonic()))
        counters[kind] += 1
        n = counters[kind]
        began = time.monotonic()
        if kind == "publish":
            model = rnd.choice(
                list(Article.objects.published().order_by("-published_at", "-pk")[:20])
            )
            marker = f"nd{run}p{n}"
            with transaction.atomic(), reversion.create_revision():
                reversion.set_user(user)
                article = Article(
                    title=f"Eilmeldung {marker}: {model.title}"[:200],
                    kicker=model.kicker,
                    lead=model.lead,
                    body=model.body,
                    category=model.category,
                    lead_image=model.lead_image,
                    lead_image_alt=model.lead_image_alt,
                    status=Article.Status.PUBLISHED,
                    published_at=timezone.now(),
                    created_by=user,
                )
                article.save()
                article.tags.set(list(model.tags.values_list("name", flat=True)))
                article.authors.set(model.authors.all())
            saved = time.monotonic()
            section = article.category
            while section.parent_id:
                section = section.parent
            emit(
                event="publish",
                n=n,
                at=saved,
                saved_in=saved - began,
                marker=marker,
                article=article.get_absolute_url(),
                home="/",
                section=section.get_absolute_url(),
            )
        elif kind == "correction":
            # A recent article (not the one just published, which readers may not know yet).
            recent = list(Article.objects.published().order_by("-published_at", "-pk")[1:12])
            article = rnd.choice(recent)
            marker = f"nd{run}c{n}"
            sentence = (
                f"<p>Berichtigung der Redaktion ({marker}): Die Uhrzeit war falsch angegeben.</p>"
            )
            body = CORRECTION.sub("", article.body) + sentence
            save_changes(user, article, {"body": body})
            saved = time.monotonic()
            emit(
                event="correction",
                n=n,
                at=saved,
                saved_in=saved - began,
                marker=marker,
                article=article.get_absolute_url(),
            )
        else:
            article = Article.objects.get(pk=archived[(n - 1) % len(archived)])
            if n % 2:  # opened and saved without a change
                save_changes(user, article, {})
                marker = None
            else:
                marker = f"nd{run}a{n}"
                sentence = f"<p>Nachtrag der Redaktion ({marker}): Der Name wurde korrigiert.</p>"
                save_changes(user, article, {"body": ARCHIVE_FIX.sub("", article.body) + sentence})
            saved = time.monotonic()
            emit(
                event="archive",
                n=n,
                at=saved,
                saved_in=saved - began,
                marker=marker,
                article=article.get_absolute_url(),
                published=article.published_at.isoformat(),
            )
    # The repeated bans run on timers of this process: let the last one go out.
    time.sleep(settings.HTTP_CACHE_PURGE_REPEAT_AFTER + 1)
    emit(event="done", saves=counters)


# --- The readers (stdlib only) ---------------------------------------------------------


def main_part(raw: bytes, encoding: str | None) -> str:
    if encoding == "gzip":
        raw = gzip.decompress(raw)
    text = raw.decode("utf-8", "replace")
    begin, end = text.find("<main"), text.find("</main>")
    return text[begin:end] if 0 <= begin < end else text


class Expectations:
    """What a page must show from a moment on: per address, (since, marker, what) in the
    order of the saves."""

    def __init__(self):
        self.lock = threading.Lock()
        self.by_url: dict[str, list[tuple[float, str, str]]] = {}
        self.violations: list[dict] = []

    def add(self, url: str, since: float, marker: str, what: str) -> None:
        with self.lock:
            self.by_url.setdefault(url, []).append((since, marker, what))

    def due(self, url: str, started: float) -> list[tuple[float, str, str]] | None:
        """The expectation in force for an answer started at `started`, and the later ones
        (whose new state is as good), or None."""
        with self.lock:
            entries = list(self.by_url.get(url, ()))
        for i in range(len(entries) - 1, -1, -1):
            if entries[i][0] <= started:
                return entries[i:]
        return None

    def check(self, url: str, started: float, text: str, cache: str) -> None:
        due = self.due(url, started)
        if due and not any(marker in text for _, marker, _ in due):
            with self.lock:
                self.violations.append(
                    {
                        "url": url,
                        "what": due[0][2],
                        "marker": due[0][1],
                        "late_by_s": round(started - due[0][0], 3),
                        "x_cache": cache,
                    }
                )


class Readers:
    def __init__(
        self, via: str, pages: dict[str, list[str]], expectations: Expectations, seed: int
    ):
        parts = urlsplit(via)
        self.host, self.port = parts.hostname, parts.port or 80
        self.pages = {k: list(v) for k, v in pages.items()}
        self.weights = {
            k: zipf(len(v), 0.6 if k == "archive" else 1.0) for k, v in self.pages.items()
        }
        self.lock = threading.Lock()
        self.expectations = expectations
        self.rnd = random.Random(seed)
        self.queue: queue.SimpleQueue = queue.SimpleQueue()
        self.results: list[tuple] = []  # (phase, kind, latency_s, status, x_cache, url)
        self.errors = 0
        self.outstanding = 0  # requests due and not yet answered
        self.uncacheable: dict[str, str] = {}  # warmed page: its status and Cache-Control
        self.connections = CONNECTIONS

    def add_newest(self, url: str) -> None:
        with self.lock:
            newest = [url, *self.pages["newest"]][: len(self.pages["newest"])]
            self.pages["newest"] = newest

    def pick(self) -> tuple[str, str]:
        kind = self.rnd.choices(list(KINDS), weights=list(KINDS.values()))[0]
        with self.lock:
            urls = self.pages[kind]
        return kind, self.rnd.choices(urls, weights=self.weights[kind][: len(urls)])[0]

    def connection(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection(self.host, self.port, timeout=30)

    def get(self, conn, url: str):
        conn.request("GET", url, headers={"Accept-Encoding": "gzip", "User-Agent": "newsday-bench"})
        response = conn.getresponse()
        return response, response.read()

    def worker(self) -> None:
        conn = self.connection()
        while (item := self.queue.get()) is not None:
            try:
                conn = self.read(conn, *item)
            finally:
                with self.lock:
                    self.outstanding -= 1
        conn.close()

    def read(self, conn, due: float, phase: str, kind: str, url: str):
        """One reader's request; returns the connection to go on with."""
        started = time.monotonic()
        try:
            try:
                response, raw = self.get(conn, url)
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # A keep-alive connection the server closed meanwhile (Varnish's
                # timeout_idle): like a browser, once more on a new one.
                conn.close()
                conn = self.connection()
                response, raw = self.get(conn, url)
        except (OSError, http.client.HTTPException):
            conn.close()
            # Counted as an answer that is no hit (status 0), after the time it took to fail.
            with self.lock:
                self.errors += 1
                self.results.append((phase, kind, time.monotonic() - due, 0, "ERROR", url))
            return self.connection()
        done = time.monotonic()
        cache = response.getheader("X-Cache", "")
        # An error page is counted as such (not 200), not as a stale copy.
        if response.status == 200 and self.expectations.due(url, started):
            text = main_part(raw, response.getheader("Content-Encoding"))
            self.expectations.check(url, started, text, cache)
        with self.lock:
            self.results.append((phase, kind, done - due, response.status, cache, url))
        return conn

    def warm(self) -> list[str]:
        """Every page of the mix (4 at a time), so the run starts with a warm cache. A page
        whose answer the proxy may not keep (`no-cache`: changed while it was rendered) is
        asked again a moment later, up to 3 times; returns those it never kept."""
        urls = [url for kind in self.pages.values() for url in kind]
        for attempt in range(3):
            if attempt:
                time.sleep(1.1)  # Varnish keeps an uncacheable answer's marker 1 s
            urls = self._warm_once(urls)
            if not urls:
                break
        return urls

    def _warm_once(self, urls: list[str]) -> list[str]:
        todo: queue.SimpleQueue = queue.SimpleQueue()
        for url in urls:
            todo.put(url)
        uncached: list[str] = []

        def warm_one():
            conn = self.connection()
            while True:
                try:
                    url = todo.get_nowait()
                except queue.Empty:
                    break
                try:
                    response, _ = self.get(conn, url)
                except (OSError, http.client.HTTPException):
                    conn.close()
                    conn = self.connection()
                    uncached.append(url)
                    self.uncacheable[url] = "no answer"
                    continue
                control = response.getheader("Cache-Control", "")
                if "s-maxage" not in control or "no-cache" in control:
                    uncached.append(url)
                    self.uncacheable[url] = f"{response.status} {control}"
            conn.close()

        threads = [threading.Thread(target=warm_one) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return uncached

    def run(self, start: float, phases: list[tuple[str, float]], rate: float) -> None:
        """Open loop: request i is due at start + i / rate."""
        workers: list[threading.Thread] = []

        def add_worker():
            workers.append(threading.Thread(target=self.worker, daemon=True))
            workers[-1].start()

        for _ in range(CONNECTIONS):
            add_worker()
        i, phase_start = 0, start
        for phase, seconds in phases:
            end = phase_start + seconds
            while (due := start + i / rate) < end:
                delay = due - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                kind, url = self.pick()
                with self.lock:
                    self.outstanding += 1
                    more = self.outstanding > len(workers) and len(workers) < MAX_CONNECTIONS
                if more:
                    add_worker()
                self.queue.put((due, phase, kind, url))
                i += 1
            phase_start = end
        for _ in workers:
            self.queue.put(None)
        for w in workers:
            w.join()
        self.connections = len(workers)


def poll_until_shown(readers: Readers, url: str, marker: str, saved: float) -> dict:
    """Seconds from the save's return until `url` (through Varnish) shows `marker`."""
    conn = readers.connection()
    try:
        while time.monotonic() - saved < POLL_GIVE_UP:
            try:
                response, raw = readers.get(conn, url)
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = readers.connection()
                continue
            if marker in main_part(raw, response.getheader("Content-Encoding")):
                return {
                    "url": url,
                    "seconds": round(time.monotonic() - saved, 3),
                    "x_cache": response.getheader("X-Cache", ""),
                }
            time.sleep(POLL_EVERY)
        return {"url": url, "seconds": None}
    finally:
        conn.close()


def varnish_counters(name: str | None) -> dict[str, int]:
    if not name:
        return {}
    out = subprocess.run(
        ["varnishstat", "-n", name, "-1", "-j"], capture_output=True, text=True, check=True
    )
    data = json.loads(out.stdout)
    counters = data.get("counters", data)  # 7.x nests them; 6.x does not
    return {k: v["value"] for k, v in counters.items() if isinstance(v, dict) and "value" in v}


VARNISH_COUNTERS = (
    "MAIN.client_req",
    "MAIN.cache_hit",
    "MAIN.cache_miss",
    "MAIN.cache_hitpass",
    "MAIN.cache_hitmiss",
    "MAIN.backend_req",
    "MAIN.bans_added",
    "MAIN.bans_completed",
    "MAIN.n_object",
)


def percentile(values: list[float], p: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


def summarize(results: list[tuple], phase: str, seconds: float, before: dict, after: dict) -> dict:
    rows = [r for r in results if r[0] == phase]
    latencies = [r[2] * 1000 for r in rows]
    hits = [r[2] * 1000 for r in rows if r[4] == "HIT"]
    summary = {
        "seconds": seconds,
        "requests": len(rows),
        "rate": round(len(rows) / seconds, 1) if seconds else None,
        "non_200": sum(1 for r in rows if r[3] not in (0, 200)),
        "no_answer": sum(1 for r in rows if r[3] == 0),
        "x_cache": {c: sum(1 for r in rows if r[4] == c) for c in sorted({r[4] for r in rows})},
        "hit_ratio": round(sum(1 for r in rows if r[4] == "HIT") / len(rows), 4) if rows else None,
        "latency_ms": {
            p: round(percentile(latencies, q), 2) if latencies else None
            for p, q in (("p50", 50), ("p90", 90), ("p99", 99), ("max", 100))
        },
        # HIT answers alone: the proxy and this machine, without the app's renders (but with
        # Varnish's waiting list: a request that waited for another's fetch is a HIT too).
        "hit_latency_ms": {
            p: round(percentile(hits, q), 2) if hits else None
            for p, q in (("p50", 50), ("p99", 99))
        },
        "by_kind": {},
        # Where the misses are: the addresses answered most often with anything but HIT.
        "most_missed": Counter(r[5] for r in rows if r[4] != "HIT").most_common(10),
    }
    for kind in KINDS:
        mine = [r for r in rows if r[1] == kind]
        lat = [r[2] * 1000 for r in mine]
        summary["by_kind"][kind] = {
            "requests": len(mine),
            "hit_ratio": round(sum(1 for r in mine if r[4] == "HIT") / len(mine), 4)
            if mine
            else None,
            "p50_ms": round(percentile(lat, 50), 2) if lat else None,
            "p99_ms": round(percentile(lat, 99), 2) if lat else None,
        }
    if before and after:
        delta = {
            k.removeprefix("MAIN."): after[k] - before[k]
            for k in VARNISH_COUNTERS
            if k in after and k in before
        }
        delta["n_object"] = after.get("MAIN.n_object")
        summary["varnish"] = delta
        summary["backend_req_per_s"] = round(delta["backend_req"] / seconds, 2) if seconds else None
        looked_up = sum(
            delta.get(k, 0) for k in ("cache_hit", "cache_miss", "cache_hitpass", "cache_hitmiss")
        )
        summary["varnish_hit_ratio"] = (
            round(delta["cache_hit"] / looked_up, 4) if looked_up else None
        )
    return summary


def run(args) -> None:
    run_id = format(int(time.time()) % 36**5, "x")
    command = [
        sys.executable,
        __file__,
        "newsroom",
        "--run",
        run_id,
        "--seconds",
        str(args.seconds),
        "--seed",
        str(args.seed),
        "--newest",
        str(args.newest),
        "--archive",
        str(args.archive),
        "--publish-every",
        str(args.publish_every),
        "--correct-every",
        str(args.correct_every),
        "--archive-every",
        str(args.archive_every),
    ]
    newsroom_proc = subprocess.Popen(
        command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1
    )
    first = newsroom_proc.stdout.readline()
    if not first:
        sys.exit("newsday: the newsroom process failed before listing the pages")
    setup = json.loads(first)
    if not setup["purge_urls"]:
        print("newsday: HTTP_CACHE_PURGE_URLS is empty: nothing will be banned", file=sys.stderr)
    repeat_after = setup["repeat_after"]
    expectations = Expectations()
    readers = Readers(args.via, setup["pages"], expectations, args.seed)
    print(f"   warming {sum(len(v) for v in setup['pages'].values())} pages", flush=True)
    not_kept = readers.warm()
    if not_kept:
        example = f"{not_kept[0]}: {readers.uncacheable[not_kept[0]]}"
        print(f"   {len(not_kept)} pages not cacheable when warmed, e.g. {example}", flush=True)

    events, polls, poll_threads = [], [], []

    def follow_newsroom():
        for line in newsroom_proc.stdout:
            event = json.loads(line)
            events.append(event)
            if event["event"] == "done":
                return
            since = event["at"] + repeat_after + args.margin
            marker = event.get("marker")
            if event["event"] == "publish":
                readers.add_newest(event["article"])
                publish = {
                    "n": event["n"],
                    "saved_in_s": round(event["saved_in"], 3),
                    "section_url": event["section"],
                }
                polls.append(publish)
                for key in ("home", "section"):
                    expectations.add(event[key], since, marker, f"publish {event['n']} on {key}")

                    def poll(
                        key=key, publish=publish, url=event[key], marker=marker, at=event["at"]
                    ):
                        publish[key] = poll_until_shown(readers, url, marker, at)

                    poll_threads.append(threading.Thread(target=poll))
                    poll_threads[-1].start()
            elif marker:
                expectations.add(event["article"], since, marker, f"{event['event']} {event['n']}")

    follower = threading.Thread(target=follow_newsroom)
    follower.start()
    before = varnish_counters(args.varnish_name)
    start = time.monotonic() + 0.5
    phases = (
        [("rest", args.rest), ("newsday", args.seconds)]
        if args.rest > 0
        else [("newsday", args.seconds)]
    )
    middle = {}

    def go():
        time.sleep(max(0.0, start + args.rest - time.monotonic()))
        middle.update(varnish_counters(args.varnish_name))
        newsroom_proc.stdin.write(f"go {start + args.rest}\n")
        newsroom_proc.stdin.flush()

    starter = threading.Thread(target=go)
    starter.start()
    print(
        f"   readers at {args.rate:g} req/s: {args.rest:g} s at rest, "
        f"then {args.seconds:g} s of saves",
        flush=True,
    )
    readers.run(start, phases, args.rate)
    after = varnish_counters(args.varnish_name)
    starter.join()
    follower.join()
    for t in poll_threads:
        t.join()
    newsroom_proc.stdin.close()
    if newsroom_proc.wait() != 0:
        sys.exit("newsday: the newsroom process failed")

    done = next((e for e in events if e["event"] == "done"), {})
    result = {
        "rate": args.rate,
        "connections_opened": readers.connections,
        "mix": KINDS,
        "pages": {k: len(v) for k, v in setup["pages"].items()},
        "repeat_after_s": repeat_after,
        "margin_s": args.margin,
        "saves": done.get("saves", {}),
        "archive_saves": {
            "unchanged": sum(1 for e in events if e["event"] == "archive" and not e["marker"]),
            "body_fix": sum(1 for e in events if e["event"] == "archive" and e["marker"]),
        },
        "reader_errors": readers.errors,
        "not_cacheable_when_warmed": {url: readers.uncacheable[url] for url in not_kept},
        "newsday": summarize(
            readers.results, "newsday", args.seconds, middle if args.rest > 0 else before, after
        ),
        "publishes": polls,
        "stale_after_ban": len(expectations.violations),
        "stale_examples": expectations.violations[:20],
        "targets": TARGETS,
    }
    home_fresh = [p.get("home", {}).get("seconds") for p in polls]
    result["targets_met"] = {
        "hit_ratio": (result["newsday"]["hit_ratio"] or 0) >= TARGETS["hit_ratio"],
        "home_fresh": all(s is not None and s <= TARGETS["home_fresh_s"] for s in home_fresh),
        "stale_after_ban": result["stale_after_ban"] <= TARGETS["stale_after_ban"],
        "p99": (result["newsday"]["latency_ms"]["p99"] or math.inf) < TARGETS["p99_ms"],
    }
    if args.rest > 0:
        result["rest"] = summarize(readers.results, "rest", args.rest, before, middle)
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
    report(result)


def report(result: dict) -> None:
    day, rest = result["newsday"], result.get("rest")

    def pct(v):
        return "-" if v is None else f"{v * 100:.1f} %"

    def ms(v):
        return "-" if v is None else f"{v:.1f}"

    def num(v):
        return "-" if v is None else f"{v:g}"

    saves = result["saves"]
    print()
    print(
        f"News day through Varnish: {day['seconds']:g} s at {result['rate']:g} req/s "
        f"({day['requests']} reader requests, {day['no_answer']} without an answer, "
        f"{day['non_200']} not 200); {saves.get('publish', 0)} publishes, "
        f"{saves.get('correction', 0)} corrections, {saves.get('archive', 0)} archive saves "
        f"({result['archive_saves']['unchanged']} unchanged)"
    )
    rows = [
        ("hit ratio (X-Cache HIT)", pct, "hit_ratio", f">= {TARGETS['hit_ratio'] * 100:g} %"),
        *[(f"  {KIND_LABELS[k]}", pct, ("by_kind", k, "hit_ratio"), "") for k in KINDS],
        ("varnish hit ratio (incl. polls)", pct, "varnish_hit_ratio", ""),
        ("requests to gunicorn /s", num, "backend_req_per_s", ""),
        ("reader p50 ms", ms, ("latency_ms", "p50"), ""),
        ("reader p99 ms", ms, ("latency_ms", "p99"), f"< {TARGETS['p99_ms']:g}"),
        ("reader max ms", ms, ("latency_ms", "max"), ""),
        ("  HIT answers p99 ms", ms, ("hit_latency_ms", "p99"), ""),
    ]

    def get(summary, path):
        if summary is None:
            return None
        for part in (path,) if isinstance(path, str) else path:
            summary = summary.get(part) if isinstance(summary, dict) else None
        return summary

    print(f"{'':32}{'at rest':>12}{'news day':>12}   target")
    for label, fmt, path, target in rows:
        print(f"{label:32}{fmt(get(rest, path)):>12}{fmt(get(day, path)):>12}   {target}")
    stale = result["stale_after_ban"]
    print(f"{'stale after ban':32}{'':>12}{stale:>12}   0{'' if stale == 0 else '  <-- FAILED'}")
    for example in result["stale_examples"][:5]:
        print(
            f"   stale: {example['url']} ({example['what']}, {example['late_by_s']} s after "
            f"the ban had landed, X-Cache {example['x_cache']})"
        )
    for p in result["publishes"]:
        home, section = p.get("home", {}), p.get("section", {})

        def fresh(x):
            return "never" if x.get("seconds") is None else f"{x['seconds']:.2f} s"

        late = home.get("seconds") is None or home["seconds"] > TARGETS["home_fresh_s"]
        print(
            f"publish {p['n']} (saved in {p['saved_in_s']:.2f} s): home {fresh(home)}, "
            f"section {p['section_url']} {fresh(section)}   "
            f"target home <= {TARGETS['home_fresh_s']:g} s"
            f"{'  <-- MISSED' if late else ''}"
        )
    met = result.get("targets_met", {})
    print("targets: " + ", ".join(f"{k} {'met' if v else 'MISSED'}" for k, v in met.items()))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("run", "newsroom"):
        p = sub.add_parser(name)
        p.add_argument("--seconds", type=float, default=300)
        p.add_argument("--seed", type=int, default=1)
        p.add_argument("--newest", type=int, default=40, help="newest articles in the mix")
        p.add_argument("--archive", type=int, default=1000, help="archive articles in the mix")
        p.add_argument("--publish-every", type=float, default=60)
        p.add_argument("--correct-every", type=float, default=20)
        p.add_argument("--archive-every", type=float, default=10)
        if name == "run":
            p.add_argument("--via", required=True, help="Varnish's public listener")
            p.add_argument("--varnish-name", help="varnishd's -n, for varnishstat")
            p.add_argument("--out", required=True, help="JSON results")
            p.add_argument("--rate", type=float, default=200)
            p.add_argument(
                "--rest", type=float, default=0, help="seconds of readers before the saves"
            )
            p.add_argument(
                "--margin",
                type=float,
                default=0.5,
                help="seconds after the repeated ban from which no stale page may be served",
            )
        else:
            p.add_argument("--run", required=True)
    args = parser.parse_args()
    run(args) if args.command == "run" else newsroom(args)


if __name__ == "__main__":
    main()
