"""The sitemap index and its sections (articles, categories, tags, authors, Google News):
valid under sitemaps.org's and Google's schemas, listing only what readers may see, at a
cost independent of the archive."""

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from lxml import etree

from articles.models import Article, Tag
from articles.sitemaps import ArticleSitemap, NewsSitemap, TagSitemap
from newsroom.models import SiteSettings
from tests.factories import ArticleFactory, AuthorFactory, CategoryFactory

pytestmark = pytest.mark.django_db
SCHEMAS = Path(__file__).resolve().parent.parent / "schemas"
SITEMAP = "http://www.sitemaps.org/schemas/sitemap/0.9"
NS = {"s": SITEMAP, "n": "http://www.google.com/schemas/sitemap-news/0.9"}


def schema(name: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMAS / name)))


@pytest.fixture(scope="module")
def schemas():
    return {
        "index": schema("siteindex.xsd"),
        "section": schema("sitemap.xsd"),
        "news": schema("sitemap-with-news.xsd"),  # sitemap.xsd + Google's news extension
    }


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


def test_index_names_news_tags_and_authors(client):
    article = ArticleFactory(tags=["Verkehr"])
    # Sections by id range (PostgreSQL's ids go on counting between tests).
    articles, tags = f"articles-{article.pk // 2000}", f"tags-{article.tags.get().pk // 2000}"
    assert set(sections(client)) == {"news", articles, "categories", tags, "authors"}


def test_index_and_every_section_are_valid(client, schemas):
    author = AuthorFactory(name="Hanna Vogt & Co")
    ArticleFactory(title="Brücke <gesperrt> & Umleitung", authors=[author], tags=["Brücke"])
    ArticleFactory(published_at=timezone.now() - timedelta(days=5), tags=["Älteres"])
    index = fetch(client, "/sitemap.xml")
    assert schemas["index"].validate(index), schemas["index"].error_log
    for name, url in sections(client).items():
        root = fetch(client, url)
        checker = schemas["news" if name == "news" else "section"]
        assert checker.validate(root), f"{name}: {checker.error_log}"
        assert root.findall("s:url", NS), name


def test_the_schemas_reject_what_they_should(client, schemas):
    """The checks themselves: a news entry without its title, a section without <loc>."""
    article = ArticleFactory()
    news = fetch(client, "/sitemap-news.xml")
    title = news.find("s:url/n:news/n:title", NS)
    title.getparent().remove(title)
    assert not schemas["news"].validate(news)
    section = fetch(client, f"/sitemap-articles-{article.pk // 2000}.xml")
    loc = section.find("s:url/s:loc", NS)
    loc.getparent().remove(loc)
    assert not schemas["section"].validate(section)


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
