"""The sitemap index and its sections (articles, categories, tags, authors, Google News,
the site's own pages, the job market, the weather): valid under sitemaps.org's and Google's
schemas, listing only what readers may see and no empty section, at a cost independent of
the archive."""

from datetime import datetime, timedelta
from pathlib import Path

import pytest
import xmlschema
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from lxml import etree

from ads.models import ads_today
from articles.models import Article, Tag
from articles.sitemaps import ArticleSitemap, NewsSitemap, TagSitemap
from newsroom.models import Page, SiteSettings
from tests.ads.factories import JobAdFactory
from tests.factories import ArticleFactory, AuthorFactory, CategoryFactory
from weather.models import Place

pytestmark = pytest.mark.django_db
SCHEMAS = Path(__file__).resolve().parent.parent / "schemas"
SITEMAP = "http://www.sitemaps.org/schemas/sitemap/0.9"
NS = {"s": SITEMAP, "n": "http://www.google.com/schemas/sitemap-news/0.9"}


@pytest.fixture(scope="module")
def schemas():
    return {
        "index": xmlschema.XMLSchema(SCHEMAS / "siteindex.xsd"),
        "section": xmlschema.XMLSchema(SCHEMAS / "sitemap.xsd"),
        # sitemap.xsd + Google's news extension (sitemap-news.xsd)
        "news": xmlschema.XMLSchema(SCHEMAS / "sitemap-with-news.xsd"),
    }


def assert_valid(schema: xmlschema.XMLSchema, root: etree._Element, name: str) -> None:
    errors = list(schema.iter_errors(root))
    assert not errors, f"{name}: {errors[0]}"


def fetch(client, url) -> etree._Element:
    response = client.get(url)
    assert response.status_code == 200, url
    assert response["Content-Type"].startswith("application/xml")
    return etree.fromstring(response.content)


def sections(client) -> dict[str, str]:
    """The index's sections by name ("articles-0", "news", ...): their addresses."""
    index = fetch(client, "/sitemap.xml")
    locs = [loc.text for loc in index.findall("s:sitemap/s:loc", NS)]
    return {loc.rsplit("/sitemap-", 1)[1].removesuffix(".xml"): loc for loc in locs}


def sitemap_locations(client) -> list[str]:
    """Every address listed in the sitemaps that /sitemap.xml (an index) points to."""
    locs = []
    for url in sections(client).values():
        locs += [loc.text for loc in fetch(client, url).findall("s:url/s:loc", NS)]
    return locs


def news_entries(client) -> dict[str, etree._Element]:
    root = fetch(client, "/sitemap-news.xml")
    return {url.findtext("s:loc", namespaces=NS): url for url in root.findall("s:url", NS)}


def absolute(path: str) -> str:
    return f"http://testserver{path}"


# --- Index and sections ------------------------------------------------------------------


def test_sitemap_lists_public_articles_and_categories(client):
    article = ArticleFactory(slug="oeffentlich")
    draft = ArticleFactory(slug="entwurf", status=Article.Status.DRAFT)
    scheduled = ArticleFactory(slug="geplant", published_at=timezone.now() + timedelta(days=1))
    locs = sitemap_locations(client)
    assert absolute(article.get_absolute_url()) in locs
    assert absolute(draft.get_absolute_url()) not in locs
    assert absolute(scheduled.get_absolute_url()) not in locs
    assert absolute(article.category.get_absolute_url()) in locs


def test_sitemap_lists_every_article_beyond_one_sitemap_page(client, monkeypatch):
    monkeypatch.setattr(ArticleSitemap, "limit", 2)  # 2000 in production
    articles = [ArticleFactory() for _ in range(5)]
    locs = sitemap_locations(client)
    assert all(absolute(a.get_absolute_url()) in locs for a in articles)


def test_index_names_every_section(client):
    article = ArticleFactory(tags=["Verkehr"])
    Place.objects.create(name="Lindenau", slug="lindenau", latitude="51.3", longitude="12.3",
                         is_default=True)  # fmt: skip
    # Sections by id range (PostgreSQL's ids go on counting between tests).
    articles, tags = f"articles-{article.pk // 2000}", f"tags-{article.tags.get().pk // 2000}"
    assert set(sections(client)) == {
        "news",
        articles,
        "categories",
        tags,
        "authors",
        "pages",
        "jobs",
        "weather",
    }


def test_index_and_every_section_are_valid(client, schemas):
    author = AuthorFactory(name="Hanna Vogt & Co")
    ArticleFactory(title="Brücke <gesperrt> & Umleitung", authors=[author], tags=["Brücke"])
    ArticleFactory(published_at=timezone.now() - timedelta(days=5), tags=["Älteres"])
    Page.objects.create(title="Datenschutz", slug="datenschutz")
    JobAdFactory(title="Köchin & Koch <Frühschicht> (m/w/d)")
    Place.objects.create(name="Lindenau", slug="lindenau", latitude="51.3", longitude="12.3",
                         is_default=True)  # fmt: skip
    assert_valid(schemas["index"], fetch(client, "/sitemap.xml"), "index")
    for name, url in sections(client).items():
        root = fetch(client, url)
        assert_valid(schemas["news" if name == "news" else "section"], root, name)
        assert root.findall("s:url", NS), name


def test_the_schemas_reject_what_they_should(client, schemas):
    """The checks themselves: a news entry without its title, a section without <loc>, a
    section without any <url>, an index without any <sitemap>."""
    article = ArticleFactory()
    news = fetch(client, "/sitemap-news.xml")
    title = news.find("s:url/n:news/n:title", NS)
    title.getparent().remove(title)
    assert not schemas["news"].is_valid(news)
    section = fetch(client, f"/sitemap-articles-{article.pk // 2000}.xml")
    loc = section.find("s:url/s:loc", NS)
    loc.getparent().remove(loc)
    assert not schemas["section"].is_valid(section)
    for url in section.findall("s:url", NS):
        section.remove(url)
    assert not schemas["section"].is_valid(section)
    index = fetch(client, "/sitemap.xml")
    for entry in index.findall("s:sitemap", NS):
        index.remove(entry)
    assert not schemas["index"].is_valid(index)


# --- No empty section --------------------------------------------------------------------

EVERY_SECTION = ["/sitemap-news.xml", "/sitemap-articles-0.xml", "/sitemap-categories.xml",
                 "/sitemap-tags-0.xml", "/sitemap-authors.xml", "/sitemap-weather.xml"]  # fmt: skip


def test_a_fresh_install_lists_only_sections_with_pages(client, schemas):
    """Nothing written yet: the index names the home page's section and the job board's,
    each valid; every other section answers 404 rather than an invalid empty <urlset>."""
    assert_valid(schemas["index"], fetch(client, "/sitemap.xml"), "index")
    assert set(sections(client)) == {"pages", "jobs"}
    for name, url in sections(client).items():
        assert_valid(schemas["section"], fetch(client, url), name)
    for url in EVERY_SECTION:
        assert client.get(url).status_code == 404, url
    assert "sitemap-news" not in client.get("/robots.txt").content.decode()


def test_the_news_section_leaves_after_48_quiet_hours(client, schemas):
    ArticleFactory(published_at=timezone.now() - timedelta(hours=49))
    assert "news" not in sections(client)
    assert client.get("/sitemap-news.xml").status_code == 404
    robots = client.get("/robots.txt")
    assert "Sitemap: http://testserver/sitemap.xml" in robots.text
    assert "sitemap-news" not in robots.text
    assert "list" in robots["Cache-Tags"].split()  # banned when the next article appears
    ArticleFactory(title="Eben erschienen")  # and comes back with the next article
    assert "news" in sections(client)
    assert_valid(schemas["news"], fetch(client, "/sitemap-news.xml"), "news")
    assert "Sitemap: http://testserver/sitemap-news.xml" in client.get("/robots.txt").text


def test_an_id_range_without_public_articles_is_left_out(client, monkeypatch):
    monkeypatch.setattr(ArticleSitemap, "limit", 2)
    articles = [ArticleFactory(published_at=timezone.now() - timedelta(days=3)) for _ in range(6)]
    middle = articles[2].pk // 2  # a range whose articles are all drafts or scheduled
    for article in articles:
        if article.pk // 2 == middle:
            article.status = Article.Status.DRAFT
            article.save()
    articles[-1].published_at = timezone.now() + timedelta(days=1)  # scheduled
    articles[-1].save()
    names = sections(client)
    assert f"articles-{middle}" not in names
    assert client.get(f"/sitemap-articles-{middle}.xml").status_code == 404
    public = [a for a in articles if a.pk // 2 != middle and a != articles[-1]]
    assert {f"articles-{a.pk // 2}" for a in public} <= set(names)
    locs = sitemap_locations(client)
    assert all(absolute(a.get_absolute_url()) in locs for a in public)


def test_the_index_checks_every_section_in_one_query(client, monkeypatch):
    """More sections (a larger archive) cost no more queries: one EXISTS each, in one
    query."""
    monkeypatch.setattr(ArticleSitemap, "limit", 2)
    monkeypatch.setattr(TagSitemap, "limit", 2)

    def index_queries(n):
        for i in range(n):
            ArticleFactory(tags=[f"Thema {i}"])
        client.get("/sitemap.xml")
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/sitemap.xml").status_code == 200
        return len(ctx), len(sections(client))

    small, small_sections = index_queries(2)
    Article.objects.all().delete()
    large, large_sections = index_queries(12)
    assert large_sections > small_sections + 8
    assert small == large, f"{small} queries for {small_sections} sections, {large} for more"


# --- The site's own pages, the job market, the weather ------------------------------------


def test_home_imprint_static_pages_jobs_and_weather_are_listed(client):
    Page.objects.create(title="Datenschutz", slug="datenschutz")
    Page.objects.create(title="Entwurf", slug="entwurf", is_published=False)
    live = JobAdFactory(title="Köchin (m/w/d)")
    not_public = [
        JobAdFactory(expired=True),
        JobAdFactory(submitted=True),
        JobAdFactory(rejected=True),
        JobAdFactory(first_day=ads_today() + timedelta(days=2)),  # approved, not started
    ]
    Place.objects.create(name="Lindenau", slug="lindenau", latitude="51.3", longitude="12.3",
                         is_default=True)  # fmt: skip
    Place.objects.create(name="Wulfen", slug="wulfen", latitude="51.7", longitude="7.0")
    locs = sitemap_locations(client)
    for path in ["/", "/impressum/", "/seite/datenschutz/", "/stellenmarkt/",
                 live.get_absolute_url(), "/wetter/", "/wetter/wulfen/"]:  # fmt: skip
        assert absolute(path) in locs, path
    assert absolute("/seite/entwurf/") not in locs
    assert not [ad for ad in not_public if absolute(ad.get_absolute_url()) in locs]
    for loc in locs:  # every address a page readers can open
        assert client.get(loc).status_code == 200, loc


@pytest.mark.parametrize(
    ("url", "tag", "change"),
    [
        ("/sitemap-jobs.xml", "ads", lambda: JobAdFactory(title="Neu: Gärtnerin (m/w/d)")),
        ("/sitemap-weather.xml", "weather",
         lambda: Place.objects.create(name="Neu-Wulfen", slug="neu-wulfen", latitude="51.7",
                                      longitude="7.0")),
        ("/sitemap-pages.xml", "all",
         lambda: Page.objects.create(title="Neu: Kontakt", slug="neu-kontakt")),
    ],
)  # fmt: skip
def test_sections_are_cached_under_their_tags_and_fresh_after_a_change(client, url, tag, change):
    JobAdFactory()
    Place.objects.create(name="Lindenau", slug="lindenau", latitude="51.3", longitude="12.3",
                         is_default=True)  # fmt: skip
    first = client.get(url)
    assert tag in first["Cache-Tags"].split() and "public" in first["Cache-Control"]
    assert client.get(url, headers={"if-none-match": first["ETag"]}).status_code == 304
    change()
    again = client.get(url, headers={"if-none-match": first["ETag"]})
    assert again.status_code == 200 and "neu" in again.content.decode()
    index = client.get("/sitemap.xml")
    assert {"list", "ads", "weather"} <= set(index["Cache-Tags"].split())


def test_job_ad_and_page_sections_cost_the_same_with_more_of_them(client):
    Place.objects.create(name="Lindenau", slug="lindenau", latitude="51.3", longitude="12.3",
                         is_default=True)  # fmt: skip

    def counts(n):
        for i in range(n):
            JobAdFactory()
            Page.objects.create(title=f"Seite {i}", slug=f"seite-{n}-{i}")
            Place.objects.create(name=f"Ort {n} {i}", slug=f"ort-{n}-{i}", latitude="51",
                                 longitude="7")  # fmt: skip
        return [queries(client, url) for url in
                ("/sitemap-pages.xml", "/sitemap-jobs.xml", "/sitemap-weather.xml")]  # fmt: skip

    assert counts(2) == counts(10)


# --- Tags and authors --------------------------------------------------------------------


def test_tags_are_listed_only_while_a_published_article_carries_them(client):
    ArticleFactory(tags=["Verkehr", "Gemeinsam"])
    ArticleFactory(status=Article.Status.DRAFT, tags=["Geheimprojekt", "Gemeinsam"])
    ArticleFactory(published_at=timezone.now() + timedelta(days=1), tags=["Vorschau"])
    locs = [loc for loc in sitemap_locations(client) if "/thema/" in loc]
    assert sorted(locs) == [absolute("/thema/gemeinsam/"), absolute("/thema/verkehr/")]
    for loc in locs:  # each one a page readers can open
        assert client.get(loc).status_code == 200


def test_tags_are_split_by_id_range(client, monkeypatch):
    monkeypatch.setattr(TagSitemap, "limit", 2)
    ArticleFactory(tags=[f"Thema {i}" for i in range(5)])
    names = sections(client)
    assert len([name for name in names if name.startswith("tags-")]) >= 3
    locs = sitemap_locations(client)
    assert all(absolute(f"/thema/thema-{i}/") in locs for i in range(5))


def test_authors_are_listed(client):
    AuthorFactory(slug="hanna-vogt")
    AuthorFactory(slug="jonas-brandt")
    root = fetch(client, "/sitemap-authors.xml")
    locs = sorted(loc.text for loc in root.findall("s:url/s:loc", NS))
    assert locs == [absolute("/autor/hanna-vogt/"), absolute("/autor/jonas-brandt/")]


# --- Google News -------------------------------------------------------------------------


def test_news_sitemap_lists_the_last_48_hours(client):
    SiteSettings.objects.update_or_create(pk=1, defaults={"site_name": "Lindenau & Umland"})
    recent = ArticleFactory(title="Neu <heute> & wichtig",
                            published_at=timezone.now() - timedelta(hours=2))  # fmt: skip
    old = ArticleFactory(published_at=timezone.now() - timedelta(days=3))
    draft = ArticleFactory(status=Article.Status.DRAFT)
    scheduled = ArticleFactory(published_at=timezone.now() + timedelta(hours=1))
    entries = news_entries(client)
    assert list(entries) == [absolute(recent.get_absolute_url())]
    assert absolute(old.get_absolute_url()) not in entries
    assert absolute(draft.get_absolute_url()) not in entries
    assert absolute(scheduled.get_absolute_url()) not in entries
    news = entries[absolute(recent.get_absolute_url())].find("n:news", NS)
    assert news.findtext("n:publication/n:name", namespaces=NS) == "Lindenau & Umland"
    assert news.findtext("n:publication/n:language", namespaces=NS) == "de"
    assert news.findtext("n:title", namespaces=NS) == "Neu <heute> & wichtig"
    published = datetime.fromisoformat(news.findtext("n:publication_date", namespaces=NS))
    assert published == recent.published_at


def test_news_sitemap_holds_the_newest_up_to_its_limit(client, monkeypatch):
    monkeypatch.setattr(NewsSitemap, "limit", 2)  # 1000 in production (Google's limit)
    articles = [ArticleFactory(published_at=timezone.now() - timedelta(hours=h)) for h in (5, 1, 3)]
    entries = news_entries(client)
    assert list(entries) == [absolute(articles[i].get_absolute_url()) for i in (1, 2)]


def test_robots_txt_names_the_index_and_the_news_sitemap(client):
    ArticleFactory()
    body = client.get("/robots.txt").content.decode()
    assert "Disallow: /admin/" in body and "Sitemap: http://testserver/sitemap.xml" in body
    assert "Sitemap: http://testserver/sitemap-news.xml" in body
    assert "Disallow: /anzeigen/" in body  # ad redirects are not for crawlers


# --- Cost --------------------------------------------------------------------------------


def build(n: int, category) -> None:
    for i in range(n):
        ArticleFactory(
            category=category,
            published_at=timezone.now() - timedelta(hours=i + 1),
            authors=[AuthorFactory()],
            tags=[f"Thema {i}", "Lindenau"],
        )


def queries(client, url) -> int:
    if "{tags}" in url:
        # The tag section of the newest tags (PostgreSQL's ids go on counting between tests).
        url = url.format(tags=Tag.objects.latest("pk").pk // TagSitemap.limit)
    client.get(url)  # the site-wide caches warm
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx)


@pytest.mark.parametrize(
    "url", ["/sitemap.xml", "/sitemap-news.xml", "/sitemap-tags-{tags}.xml", "/sitemap-authors.xml"]
)
def test_sitemap_query_count_is_constant(client, url):
    category = CategoryFactory()
    build(5, category)
    small = queries(client, url)
    Article.objects.all().delete()
    build(30, category)
    large = queries(client, url)
    assert small == large, f"{url}: {small} queries with 5 articles, {large} with 30"
