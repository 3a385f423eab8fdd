"""Helper of scripts/bench.sh (run with the archive's environment).

    bench_helper.py prepare ARCHIVE_DIR STATIC_DIR   pages to measure, their SQL, static copies
    bench_helper.py report RESULTS_DIR               table on stdout, RESULTS_DIR/results.json
    bench_helper.py import-bench JSONL DB POSTS LOG -- COMMAND...
                                                     runs COMMAND (the import), appends its wall
                                                     time and peak RSS to JSONL
    bench_helper.py import-report RESULTS_DIR        import table, "import" in results.json

`prepare` renders each page with Django's test client against the archive's database:
the number of queries with a cleared app cache (cold) and a warm one, the slowest query,
and the page's bytes as a static file (to compare Varnish serving the page with Varnish
serving the same bytes from /static/).

`import-bench` runs the import as its only child process: the wall time around it, and
the child's peak resident memory from getrusage(RUSAGE_CHILDREN) once it has exited
(ru_maxrss, KiB on Linux). Then it counts the articles in the database (a sanity check,
not part of the measurement).
"""

import json
import os
import resource
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGE_ORDER = ["home", "category", "category_deep", "tag", "article", "search", "search_two",
              "search_rare", "jobs"]  # fmt: skip
IMPORT_TARGETS = {"posts_per_s": 200, "peak_rss_mb": 400}  # at least, below


def setup_django():
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
    import django

    django.setup()


def pages() -> dict[str, str]:
    from django.db.models import Count

    from articles.models import Article, Category, Tag

    published = Article.objects.published()
    # The top-level category with the most articles, its archive continued from the middle.
    tops = list(Category.objects.filter(parent=None))
    counts = {c.pk: published.filter(category__root_slug=c.root_slug).count() for c in tops}
    top = max(tops, key=lambda c: counts[c.pk])
    category_url = top.get_absolute_url()
    middle = (
        published.filter(category__root_slug=top.root_slug)
        .order_by("-published_at", "-pk")
        .values_list("pk", "published_at")[counts[top.pk] // 2]
    )
    try:
        from articles.pagination import CURSOR_PARAM, make_cursor

        deep_url = f"{category_url}?{CURSOR_PARAM}={make_cursor(middle)}"
    except ImportError:  # numbered pages only
        deep_url = f"{category_url}?seite={max(1, counts[top.pk] // 24)}"
    article = published.order_by("-published_at", "-pk")[published.count() // 2]
    tag = Tag.objects.annotate(n=Count("tagged_articles")).order_by("-n", "pk").first()
    return {
        "home": "/",
        "category": category_url,
        "category_deep": deep_url,
        "tag": tag.get_absolute_url(),  # the most used tag's newest page
        "article": article.get_absolute_url(),
        "search": "/suche/?q=Feuerwehr",
        # Two words that meet in one article of ten (a full page of results in either
        # archive), and two common words that rarely meet (one in 250 at 100,000; 2 results
        # at 200 articles, so that page is smaller there).
        "search_two": "/suche/?q=Hallenbad+B%C3%BCrgerversammlung",
        "search_rare": "/suche/?q=Sanierung+Hallenbad",
        "jobs": "/stellenmarkt/",
    }


def prepare(archive_dir: Path, static_dir: Path) -> None:
    setup_django()
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1")
    static_dir.mkdir(parents=True, exist_ok=True)
    result = {"pages": pages(), "sql": {}}
    timings = []

    def timed(execute, sql, params, many, context):
        # CaptureQueriesContext rounds to whole milliseconds; this keeps microseconds.
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            timings.append(((time.perf_counter() - started) * 1000, sql))

    # The database warmed by one request per page (a fresh connection and a restarted
    # server read their catalogs and indexes once); "cold" is the app cache alone.
    for url in result["pages"].values():
        client.get(url)
    for key, url in result["pages"].items():
        # Each query's best of three cold renders: a single sample is sometimes an
        # unrelated pause of the machine (a 4 ms read of the four-row footer pages table).
        best = None
        for _ in range(3):
            cache.clear()
            timings.clear()
            with connection.execute_wrapper(timed):
                response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            # Each statement's time beside its own SQL (matched by position with another
            # log, a 15 ms search was once put on the SET LOCAL before it).
            if best is None or [sql for _, sql in best] != [sql for _, sql in timings]:
                best = list(timings)
            else:
                best = [min(pair) for pair in zip(best, timings, strict=True)]
        slowest = max(best, default=(0, ""))
        with CaptureQueriesContext(connection) as warm:
            response = client.get(url)
        result["sql"][key] = {
            "queries_cold": len(best),
            "queries_warm": len(warm.captured_queries),
            "slowest_ms": round(slowest[0], 3),
            "slowest_sql": slowest[1][:300],
            "bytes": len(response.content),
            # Teasers and results shown: a page with fewer costs less whatever the archive.
            "cards": response.content.count(b'<article class="card'),
        }
        (static_dir / f"{key}.html").write_bytes(response.content)
    cache.clear()
    (archive_dir / "pages.json").write_text(json.dumps(result, indent=1))
    print(json.dumps(result["pages"]))


def report(results_dir: Path) -> None:
    archives = {}
    for info in sorted(results_dir.glob("*/pages.json")):
        name = info.parent.name
        measured = info.parent / "measured.jsonl"
        if not measured.exists():
            continue
        data = json.loads(info.read_text())
        data["runs"] = {}
        for line in measured.read_text().splitlines():
            run = json.loads(line)
            if "wrk" in run:  # the summary.lua line of tools.md
                wrk = run["wrk"]
                run["rps"] = round(wrk["rps"], 1)
                run["p50_ms"] = wrk["latency_us"]["p50"] / 1000
                run["p99_ms"] = wrk["latency_us"]["p99"] / 1000
                run["errors"] = sum(wrk["errors"].values())
                if run["errors"]:
                    print(f"WARNING: {name} {run['page']} {run['kind']}: {run['errors']} errors")
            data["runs"].setdefault(run["page"], {})[run["kind"]] = run
        archives[name] = data
    large, small = archives.get("large"), archives.get("small")
    if large is None:
        sys.exit("no results for the large archive")

    def run(archive, page, kind, field):
        try:
            return archive["runs"][page][kind][field]
        except (KeyError, TypeError):
            return None

    rows = []
    for page in PAGE_ORDER:
        p50_large = run(large, page, "c1", "p50_ms")
        p50_small = run(small, page, "c1", "p50_ms")
        varnish_rps = run(large, page, "varnish", "rps")
        static_rps = run(large, page, "static", "rps")
        plain_rps = run(large, page, "varnish-plain", "rps")
        static_plain_rps = run(large, page, "static-plain", "rps")
        sql = large["sql"].get(page, {})
        cards_small = (small or {}).get("sql", {}).get(page, {}).get("cards")
        rows.append(
            {
                "page": page,
                "url": large["pages"][page],
                "cold_ms": run(large, page, "cold", "median_ms"),
                "cold_ms_small": run(small, page, "cold", "median_ms"),
                "p50_c1_ms": p50_large,
                "p50_c1_ms_small": p50_small,
                "p50_ratio_to_small": round(p50_large / p50_small, 2)
                if p50_large and p50_small
                else None,
                "rps_c16": run(large, page, "c16", "rps"),
                "rps_c16_small": run(small, page, "c16", "rps"),
                "varnish_rps": varnish_rps,
                "varnish_p50_ms": run(large, page, "varnish", "p50_ms"),
                "varnish_p99_ms": run(large, page, "varnish", "p99_ms"),
                "static_rps": static_rps,
                "varnish_share_of_static": round(varnish_rps / static_rps, 2)
                if varnish_rps and static_rps
                else None,
                # Without Accept-Encoding (monitors, curl, crawlers): the plain copies.
                "varnish_plain_rps": plain_rps,
                "varnish_plain_p99_ms": run(large, page, "varnish-plain", "p99_ms"),
                "static_plain_rps": static_plain_rps,
                "varnish_plain_share_of_static": round(plain_rps / static_plain_rps, 2)
                if plain_rps and static_plain_rps
                else None,
                "sql_queries_cold": sql.get("queries_cold"),
                "sql_queries_warm": sql.get("queries_warm"),
                "sql_slowest_ms": sql.get("slowest_ms"),
                "sql_slowest": sql.get("slowest_sql"),
                "bytes": sql.get("bytes"),
                "cards": sql.get("cards"),
                "cards_small": cards_small,
            }
        )

    def fmt(value, digits=1):
        if value is None:
            return "–"
        return f"{value:.{digits}f}" if isinstance(value, float) else str(value)

    columns = [
        ("page", "page", 0), ("cold ms", "cold_ms", 1), ("cold 200", "cold_ms_small", 1),
        ("p50@1", "p50_c1_ms", 1), ("p50@1 200", "p50_c1_ms_small", 1),
        ("ratio", "p50_ratio_to_small", 2), ("cards", "cards", 0),
        ("cards 200", "cards_small", 0), ("rps@16", "rps_c16", 0),
        ("V rps", "varnish_rps", 0), ("V p50", "varnish_p50_ms", 2),
        ("V p99", "varnish_p99_ms", 2), ("static rps", "static_rps", 0),
        ("V/static", "varnish_share_of_static", 2), ("Vp rps", "varnish_plain_rps", 0),
        ("Vp p99", "varnish_plain_p99_ms", 2), ("static p rps", "static_plain_rps", 0),
        ("Vp/static p", "varnish_plain_share_of_static", 2), ("SQL cold", "sql_queries_cold", 0),
        ("SQL warm", "sql_queries_warm", 0), ("slowest ms", "sql_slowest_ms", 2),
    ]  # fmt: skip
    table = [[title for title, _, _ in columns]]
    for row in rows:
        table.append([fmt(row[key], digits) for _, key, digits in columns])
    widths = [max(len(r[i]) for r in table) for i in range(len(columns))]
    for i, line in enumerate(table):
        print("  ".join(cell.rjust(w) if i and j else cell.ljust(w)
                        for j, (cell, w) in enumerate(zip(line, widths, strict=True))))  # fmt: skip
        if i == 0:
            print("  ".join("-" * w for w in widths))
    print(
        "\nms = milliseconds; cold = app cache cleared, one request (median of 3);"
        "\np50@1 = one connection, direct to gunicorn; ratio = large / 200-article archive"
        " (target ≤ 1.2);\ncards = teasers and results on the page (fewer cost less);"
        " rps@16 = 16 connections direct;"
        "\nV = through Varnish (16 connections, gzip); V/static = Varnish page vs the same"
        " bytes as a static file (target ≥ 0.8);"
        "\nVp, static p = the same without Accept-Encoding (plain copies; target ≥ 0.8);"
        " SQL = queries (app cache cold/warm)."
    )
    ratios = [r["p50_ratio_to_small"] for r in rows if r["p50_ratio_to_small"]]
    shares = [r["varnish_share_of_static"] for r in rows if r["varnish_share_of_static"]]
    plain_shares = [
        r["varnish_plain_share_of_static"] for r in rows if r["varnish_plain_share_of_static"]
    ]
    # Pages that show as many cards in both archives: a page with fewer costs less.
    equal = [r["p50_ratio_to_small"] for r in rows
             if r["p50_ratio_to_small"] and r["cards"] == r["cards_small"]]  # fmt: skip
    summary = {
        "p50_ratio_max": max(ratios) if ratios else None,
        "p50_ratio_max_equal_cards": max(equal) if equal else None,
        "p50_ratio_median": statistics.median(ratios) if ratios else None,
        "varnish_share_of_static_min": min(shares) if shares else None,
        "varnish_plain_share_of_static_min": min(plain_shares) if plain_shares else None,
    }
    print(f"summary: {json.dumps(summary)}")
    meta = json.loads((results_dir / "meta.json").read_text())
    results = {**meta, "summary": summary, "pages": rows}
    previous = read_results(results_dir)
    if "import" in previous:  # measured by an earlier BENCH_ONLY=import run: kept
        results["import"] = previous["import"]
    write_results(results_dir, results)


def read_results(results_dir: Path) -> dict:
    try:
        return json.loads((results_dir / "results.json").read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return {}


def write_results(results_dir: Path, results: dict) -> None:
    (results_dir / "results.json").write_text(json.dumps(results, indent=1, ensure_ascii=False))


def import_bench(jsonl: Path, db: str, posts: int, log: Path, command: list[str]) -> None:
    """One import, measured: appends a JSON line to jsonl; exits non-zero if it failed."""
    started = time.perf_counter()
    with log.open("wb") as output:
        code = subprocess.run(command, stdout=output, stderr=subprocess.STDOUT).returncode
    seconds = time.perf_counter() - started
    # The largest peak of the children waited for: the import is the only one.
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if code:
        tail = log.read_text(errors="replace").splitlines()[-30:]
        print("\n".join(tail), file=sys.stderr)
        sys.exit(f"bench: the import failed (exit {code}) after {seconds:.1f} s; log: {log}")
    run = {
        "db": db,
        "posts": posts,
        "seconds": round(seconds, 2),
        "posts_per_s": round(posts / seconds, 1),
        "peak_rss_mb": round(peak_kib / 1024, 1),
        "articles": count_articles(),
        "command": " ".join(command[1:]),
    }
    with jsonl.open("a") as out:
        out.write(json.dumps(run) + "\n")
    print(
        f"   {db}: {posts} posts in {run['seconds']:.1f} s = {run['posts_per_s']:.0f} posts/s,"
        f" peak RSS {run['peak_rss_mb']:.0f} MB; {run['articles']} articles in the database"
    )


def count_articles() -> int | None:
    try:
        setup_django()
        from articles.models import Article

        return Article.objects.count()
    except Exception as error:  # the count is a sanity check only
        print(f"   (articles not counted: {error})", file=sys.stderr)
        return None


def import_report(results_dir: Path) -> None:
    measured = results_dir / "import" / "measured.jsonl"
    runs = [json.loads(line) for line in measured.read_text().splitlines() if line.strip()]
    fast, lean = IMPORT_TARGETS["posts_per_s"], IMPORT_TARGETS["peak_rss_mb"]
    for run in runs:
        run["meets_targets"] = run["posts_per_s"] >= fast and run["peak_rss_mb"] < lean
    columns = [
        ("database", "db", "{}"), ("posts", "posts", "{}"), ("seconds", "seconds", "{:.1f}"),
        ("posts/s", "posts_per_s", "{:.0f}"), ("peak RSS MB", "peak_rss_mb", "{:.0f}"),
        ("articles", "articles", "{}"),
    ]  # fmt: skip
    table = [[title for title, _, _ in columns] + ["targets"]]
    for run in runs:
        cells = [fmt.format(run[key]) if run[key] is not None else "–" for _, key, fmt in columns]
        table.append(cells + ["ok" if run["meets_targets"] else "MISSED"])
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    print()
    for i, row in enumerate(table):
        print("  ".join(cell.rjust(w) if j else cell.ljust(w)
                        for j, (cell, w) in enumerate(zip(row, widths, strict=True))))  # fmt: skip
        if i == 0:
            print("  ".join("-" * w for w in widths))
    print(
        f"\nmanage.py import_wordpress into a fresh database; posts/s = posts in the file / wall"
        f" time (target ≥ {fast});\npeak RSS = the import process's maximum resident memory"
        f" (target < {lean} MB); articles = rows in the database afterwards."
    )
    results = read_results(results_dir)
    results["import"] = {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "targets": IMPORT_TARGETS,
        "runs": runs,
    }
    write_results(results_dir, results)


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    if command == "prepare":
        prepare(Path(args[0]), Path(args[1]))
    elif command == "report":
        report(Path(args[0]))
    elif command == "import-bench" and len(args) > 5 and args[4] == "--":
        import_bench(Path(args[0]), args[1], int(args[2]), Path(args[3]), args[5:])
    elif command == "import-report":
        import_report(Path(args[0]))
    else:
        sys.exit(__doc__)
