"""Reading pages cost what they show, not what the archive holds.

A small generated archive stands in for 100,000 articles: its size does not matter to the
query plans, which are read with EXPLAIN for every query a page runs. On PostgreSQL, with so
few rows the planner would rightly prefer sequential scans and sorts; they are switched off
for the EXPLAIN, so a plan that still needs one has no index to use instead.
"""

import json
import re
from datetime import timedelta

import pytest
from django.db import connection

from ads.models import ads_today
from articles import pagination
from articles.management.commands.generate_content import ArchiveGenerator
from articles.models import Article, Author, Category, Tag
from tests.ads.factories import JobAdFactory

pytestmark = pytest.mark.django_db

# The article tables; a sort or a count over them must sit above a LIMIT.
ARCHIVE_TABLES = {"articles_article", "articles_taggedarticle"}
# Tables no reading page may scan from end to end.
SCANNED_TABLES = ARCHIVE_TABLES | {
    "articles_article_authors",
    "ads_jobad",
    "readership_articlereads",  # every read ever counted
}


@pytest.fixture
def archive():
    ArchiveGenerator(seed=3).top_up(300, batch=120)
    for i in range(3):
        JobAdFactory(title=f"Stelle {i}")
    JobAdFactory(expired=True)
    JobAdFactory(
        first_day=ads_today() + timedelta(days=3), last_day=ads_today() + timedelta(days=9)
    )


def reading_pages() -> dict[str, str]:
    subtree_root = Category.objects.filter(parent=None, children__isnull=False).first()
    sub = subtree_root.children.first()
    tag = Tag.objects.filter(tagged_articles__listed_at__isnull=False).first()
    author = Author.objects.filter(articles__status="published").first()
    return {
        "home": "/",
        "category": subtree_root.get_absolute_url(),
        "category page 2": f"{subtree_root.get_absolute_url()}?seite=2",
        "subcategory": sub.get_absolute_url(),
        "tag": tag.get_absolute_url(),
        "author": author.get_absolute_url(),
        "feed": "/feed/",
        "sitemap index": "/sitemap.xml",
        # Sections by id range (PostgreSQL's ids go on counting between tests).
        "sitemap section": f"/sitemap-articles-{Article.objects.latest('pk').pk // 2000}.xml",
        "sitemap categories": "/sitemap-categories.xml",
        "feed rss": "/feed/rss/",
        "category feed": f"/feed/rss/rubrik/{subtree_root.path}/",
        "sitemap news": "/sitemap-news.xml",
        "sitemap tags": f"/sitemap-tags-{tag.pk // 2000}.xml",
        "sitemap authors": "/sitemap-authors.xml",
        "job board": "/stellenmarkt/",
    }


def run_page(client, url) -> list[tuple[str, tuple]]:
    """The SQL (with its parameters) of one request, the site-wide caches warm."""
    assert client.get(url).status_code == 200, url
    queries = []

    def record(execute, sql, params, many, context):
        queries.append((sql, tuple(params or ())))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        response = client.get(url)
    assert response.status_code == 200, url
    return queries


def sqlite_problems(sql, params) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        rows = cursor.fetchall()  # (id, parent, notused, detail)
    problems = []
    for _id, parent, _unused, detail in rows:
        table = re.match(r"(SCAN|SEARCH) (\w+)", detail)
        if table and table.group(1) == "SCAN" and table.group(2) in SCANNED_TABLES:
            problems.append(detail)  # the whole table or the whole of an index
        if detail.startswith("USE TEMP B-TREE"):
            # A sort at the level of an archive read sorts all rows that read finds; one above
            # merged subqueries sorts only what their LIMITs let through.
            siblings = [r[3] for r in rows if r[1] == parent]
            if any(
                re.match(rf"(SCAN|SEARCH) {t}\b", s) and "PRIMARY KEY" not in s
                for s in siblings
                for t in ARCHIVE_TABLES
            ):
                problems.append(f"{detail} over {siblings}")
    return problems


def postgresql_problems(sql, params) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
        plan = cursor.fetchone()[0]
        cursor.execute("RESET enable_seqscan")
        cursor.execute("RESET enable_sort")
    plan = (json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"]
    problems = []

    def unbounded_archive_read(node) -> bool:
        """A read of an archive table below `node` with no Limit in between (lookups by
        primary key, driven by something else, do not count)."""
        if node["Node Type"] == "Limit":
            return False
        if node.get("Relation Name") in ARCHIVE_TABLES and not node.get("Index Name", "").endswith(
            "_pkey"
        ):
            return True
        return any(unbounded_archive_read(child) for child in node.get("Plans", []))

    def walk(node):
        kind = node["Node Type"]
        if kind == "Seq Scan" and node.get("Relation Name") in SCANNED_TABLES:
            problems.append(f"Seq Scan on {node['Relation Name']}")
        if kind in ("Sort", "Incremental Sort", "Aggregate") and any(
            unbounded_archive_read(child) for child in node.get("Plans", [])
        ):
            problems.append(f"{kind} over the archive: {node.get('Sort Key', '')}")
        for child in node.get("Plans", []):
            walk(child)

    walk(plan)
    return problems


def plan_problems(sql, params) -> list[str]:
    if connection.vendor == "postgresql":
        return postgresql_problems(sql, params)
    return sqlite_problems(sql, params)


PAGES = ["home", "category", "category page 2", "subcategory", "tag", "author", "feed",
         "sitemap index", "sitemap section", "sitemap categories", "job board", "feed rss",
         "category feed", "sitemap news", "sitemap tags", "sitemap authors"]  # fmt: skip


@pytest.mark.parametrize("page", PAGES)
def test_reading_page_reads_no_table_end_to_end_and_sorts_no_archive(client, archive, page):
    queries = run_page(client, reading_pages()[page])
    problems = {}
    for sql, params in queries:
        if not any(table in sql for table in SCANNED_TABLES):
            continue
        if found := plan_problems(sql, params):
            problems[sql[:300]] = found
        if "COUNT(" in sql.upper() and "articles_article" in sql:
            # Counts of articles are capped by a LIMIT inside them, never of the whole table.
            assert "LIMIT" in sql.upper(), f"{page}: unbounded count: {sql[:300]}"
    assert not problems, f"{page}: {json.dumps(problems, indent=1)}"


def test_the_check_catches_an_unbounded_list(client, archive):
    """The plan check itself: the old window over every article and a plain sort by a column
    without an index are reported."""
    from django.db.models import F, Window
    from django.db.models.functions import RowNumber

    window = Article.objects.published().annotate(
        rank=Window(RowNumber(), partition_by=F("category"), order_by=F("published_at").desc())
    )
    unindexed = Article.objects.published().order_by("-modified_at")[:12]
    for queryset in (window, unindexed):
        sql, params = queryset.query.sql_with_params()
        assert plan_problems(sql, params), sql


def listing_titles(html: str) -> list[str]:
    return re.findall(r'class="card__title">\s*<a href="[^"]+">([^<]+)</a>', html)


def test_a_category_reads_to_its_oldest_article_page_by_page(client, archive, monkeypatch):
    """Past the numbered pages, "Ältere Artikel" continues from a cursor: every page answers
    and together they list the whole subtree once, newest first."""
    monkeypatch.setattr(pagination, "NUMBERED_PAGES", 2)
    root = Category.objects.filter(parent=None, children__isnull=False).first()
    expected = [
        a.title
        for a in Article.objects.published().in_category(root).order_by("-published_at", "-pk")
    ]
    assert len(expected) > 5 * pagination.PAGE_SIZE  # the walk goes past the numbered pages
    url, seen, pages = root.get_absolute_url(), [], 0
    while url:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        seen += [t.replace("&#x27;", "'").replace("&quot;", '"') for t in listing_titles(html)]
        pages += 1
        older = re.search(r'<a rel="next" href="(\?[^"]+)">', html)
        url = root.get_absolute_url() + older.group(1).replace("&amp;", "&") if older else None
    assert seen == expected
    assert pages == -(-len(expected) // pagination.PAGE_SIZE)
    # Deep numbered addresses would need an OFFSET through the archive: they are not served.
    assert client.get(root.get_absolute_url(), {"seite": 5000}).status_code == 404
    assert client.get(root.get_absolute_url(), {"vor": "kaputt"}).status_code == 404


def test_a_deep_cursor_page_costs_what_the_first_page_costs(client, archive, monkeypatch):
    monkeypatch.setattr(pagination, "NUMBERED_PAGES", 1)
    root = Category.objects.filter(parent=None, children__isnull=False).first()
    oldest_but_13 = list(
        Article.objects.published().in_category(root).order_by("published_at", "pk")
    )[pagination.PAGE_SIZE]
    cursor = pagination.make_cursor((oldest_but_13.pk, oldest_but_13.published_at))
    deep = run_page(client, f"{root.get_absolute_url()}?vor={cursor}")
    first = run_page(client, root.get_absolute_url())
    assert len(deep) == len(first)
    for sql, params in deep:
        if "articles_article" in sql:
            assert not plan_problems(sql, params), sql
    html = client.get(root.get_absolute_url(), {"vor": cursor}).content.decode()
    assert len(listing_titles(html)) == pagination.PAGE_SIZE
    assert 'rel="next"' not in html  # the 12 oldest: nothing older


def sqlite_vm_steps(work) -> int:
    """How much SQLite does for `work()`: its virtual machine's steps, in tens."""
    steps = 0

    def tick():
        nonlocal steps
        steps += 1
        return 0

    connection.connection.set_progress_handler(tick, 10)
    try:
        work()
    finally:
        connection.connection.set_progress_handler(None, 0)
    return steps


@pytest.mark.skipif(connection.vendor != "sqlite", reason="counts SQLite's VM steps")
def test_an_old_cursor_page_walks_no_more_rows_than_the_first(client, archive, monkeypatch):
    """Given two upper bounds on a column, SQLite's index range uses one: a cursor page ten
    years back must start at the cursor, not walk down from today to it."""
    ArchiveGenerator(seed=3).top_up(1500, batch=500)  # enough years for a walk to show
    monkeypatch.setattr(pagination, "NUMBERED_PAGES", 1)
    root = Category.objects.filter(parent=None, children__isnull=False).first()
    oldest = Article.objects.published().in_category(root).order_by("published_at", "pk")
    last = oldest[pagination.PAGE_SIZE]
    deep_url = (
        f"{root.get_absolute_url()}?vor={pagination.make_cursor((last.pk, last.published_at))}"
    )

    def page_steps(url) -> int:
        assert client.get(url).status_code == 200  # site-wide caches warm
        return sqlite_vm_steps(lambda: client.get(url))

    first, deepest = page_steps(root.get_absolute_url()), page_steps(deep_url)
    assert deepest <= first * 1.5, (first, deepest)


# The home page's Aufmacher lookup: through the partial index of the marked articles, so
# that no marked article in years costs what one marked an hour ago costs. On the index of
# all articles the lookup would test each of them back to the newest one marked (or to the
# first article ever, with none marked): a SEARCH, not a SCAN, which the page check above
# lets through, so these name the index.
LEAD_INDEX = "article_lead_marked_idx"


def mark_only(article: Article | None) -> None:
    Article.objects.update(is_lead_story=False)
    if article is not None:
        Article.objects.filter(pk=article.pk).update(is_lead_story=True)


def lead_lookup_sql() -> tuple[str, tuple]:
    """The SQL of the lookup for a marked article, as the home page runs it."""
    queries = []

    def record(execute, sql, params, many, context):
        queries.append((sql, tuple(params or ())))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        Article.objects.published().lead_story()
    (marked,) = [(s, p) for s, p in queries if "is_lead_story" in s.split(" WHERE ", 1)[-1]]
    return marked


def article_reads(sql, params) -> set[str]:
    """How the query reads articles_article: the index names, or the kind of a read by none.
    PostgreSQL's statistics are gathered first, as autovacuum has them on a running site
    (with one marked article it then rightly fetches that row by bitmap and sorts one row;
    plan_problems, sorts switched off, checks the ordered walk)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE articles_article")
            cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
            plan = cursor.fetchone()[0]
            plan = (json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"]
            reads, nodes = set(), [(plan, None)]
            while nodes:
                node, above = nodes.pop()
                # A bitmap index scan reads for the heap scan above it.
                kind = node["Node Type"]
                table = node.get("Relation Name", above if kind.startswith("Bitmap") else None)
                nodes += [(child, table) for child in node.get("Plans", [])]
                if table == "articles_article" and kind != "Bitmap Heap Scan":
                    reads.add(node.get("Index Name", kind))
            return reads
        cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        details = [row[3] for row in cursor.fetchall()]
    found = (re.match(r"(?:SEARCH|SCAN) articles_article(?: USING (?:COVERING )?INDEX (\w+))?", d)
             for d in details)  # fmt: skip
    return {m.group(1) or m.group(0) for m in found if m}


@pytest.mark.parametrize("marked", ["none", "years ago"])
def test_the_aufmacher_lookup_reads_only_the_marked_articles(archive, marked):
    oldest = Article.objects.published().order_by("published_at").first()
    mark_only(oldest if marked == "years ago" else None)
    sql, params = lead_lookup_sql()
    assert article_reads(sql, params) == {LEAD_INDEX}, sql
    assert not plan_problems(sql, params), sql
    expected = oldest if marked == "years ago" else Article.objects.published().first()
    assert Article.objects.published().lead_story() == expected


@pytest.mark.skipif(connection.vendor != "sqlite", reason="counts SQLite's VM steps")
def test_the_aufmacher_lookup_costs_the_same_with_none_marked(archive):
    """What SQLite does for the lookup, counted in VM steps: with no Aufmacher in the archive
    no more than with one marked an hour ago."""

    def lookup_steps() -> int:
        return sqlite_vm_steps(lambda: Article.objects.published().lead_story())

    mark_only(Article.objects.published().first())
    with_one = lookup_steps()
    mark_only(None)
    assert lookup_steps() <= with_one * 1.5, with_one
