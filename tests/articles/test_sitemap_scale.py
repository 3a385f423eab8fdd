"""The sitemap pages at an archive's scale (the checks of test_scale.py): the index asks
every section whether it lists anything without reading the archive, and the sections of
the site's pages, the job market and the weather read no table end to end."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles.models import Article
from articles.sitemaps import ArticleSitemap, sitemap_sections
from newsroom.sitemaps import nonempty
from tests.articles.test_scale import SCANNED_TABLES, archive, plan_problems, run_page  # noqa: F401
from weather.models import Place

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("archive")]

PAGES = ["/sitemap.xml", "/robots.txt", "/sitemap-pages.xml", "/sitemap-jobs.xml",
         "/sitemap-weather.xml"]  # fmt: skip


@pytest.mark.parametrize("url", PAGES)
def test_sitemap_page_reads_no_table_end_to_end(client, url):
    Place.objects.create(name="Lindenau", slug="lindenau", latitude="51.3", longitude="12.3",
                         is_default=True)  # fmt: skip
    problems = {}
    for sql, params in run_page(client, url):
        if any(table in sql for table in SCANNED_TABLES) and (found := plan_problems(sql, params)):
            problems[sql[:300]] = found
    assert not problems, f"{url}: {json.dumps(problems, indent=1)}"


def plan_details(sql, params) -> str:
    """The plan as text: SQLite's EXPLAIN QUERY PLAN lines, PostgreSQL's JSON. PostgreSQL's
    statistics are gathered first, as autovacuum has them on a running site: without them
    the planner costs every index of the fresh table alike and may pick one whose first
    column is not the id."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE articles_article")
            cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
            return json.dumps(cursor.fetchone()[0])
        cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        return "\n".join(row[3] for row in cursor.fetchall())


def test_an_article_section_is_probed_through_its_id_range(client):
    """Whether an id range holds a public article is read from that range by primary key:
    a probe through the date index would walk every published article newer (or older)
    than the range."""
    newest = Article.objects.latest("pk").pk // ArticleSitemap.limit
    sql, params = ArticleSitemap(newest).probe()
    plan = plan_details(f"SELECT EXISTS ({sql})", params)
    if connection.vendor == "postgresql":
        assert "articles_article_pkey" in plan and "article_published_idx" not in plan, plan
    else:
        assert "INTEGER PRIMARY KEY" in plan and "article_published_idx" not in plan, plan


def test_the_index_asks_all_sections_in_one_query(client):
    sections = sitemap_sections()
    with CaptureQueriesContext(connection) as ctx:
        found = nonempty(sections)
    assert len(ctx) == 1 and found.keys() <= sections.keys()
    assert f"articles-{Article.objects.latest('pk').pk // ArticleSitemap.limit}" in found
