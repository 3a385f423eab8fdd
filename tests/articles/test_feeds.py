from datetime import timedelta

import pytest
from django.utils import timezone
from lxml import etree

from articles.models import Article
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db
ATOM = {"a": "http://www.w3.org/2005/Atom"}
SITEMAP = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def test_atom_feed_lists_published_articles_with_dates(client):
    ArticleFactory(title="Im Feed", lead="Kurzfassung")
    ArticleFactory(title="Entwurf", status=Article.Status.DRAFT)
    ArticleFactory(title="Geplant", published_at=timezone.now() + timedelta(days=1))
    response = client.get("/feed/")
    assert response["Content-Type"].startswith("application/atom+xml")
    root = etree.fromstring(response.content)
    entries = root.findall("a:entry", ATOM)
    assert [e.findtext("a:title", namespaces=ATOM) for e in entries] == ["Im Feed"]
    entry = entries[0]
    assert entry.findtext("a:updated", namespaces=ATOM)  # RFC 4287 requires it
    assert entry.findtext("a:summary", namespaces=ATOM) == "Kurzfassung"
    assert not response.cookies


def sitemap_locations(client) -> list[str]:
    """Every address listed in the sitemaps that /sitemap.xml (an index) points to."""
    index = etree.fromstring(client.get("/sitemap.xml").content)
    locs = []
    for sitemap in index.findall("s:sitemap/s:loc", SITEMAP):
        root = etree.fromstring(client.get(sitemap.text).content)
        locs += [loc.text for loc in root.findall("s:url/s:loc", SITEMAP)]
    return locs


def test_sitemap_lists_public_articles_and_categories(client):
    article = ArticleFactory(slug="oeffentlich")
    draft = ArticleFactory(slug="entwurf", status=Article.Status.DRAFT)
    scheduled = ArticleFactory(slug="geplant", published_at=timezone.now() + timedelta(days=1))
    locs = sitemap_locations(client)
    assert any(loc.endswith(article.get_absolute_url()) for loc in locs)
    assert not any(loc.endswith(draft.get_absolute_url()) for loc in locs)
    assert not any(loc.endswith(scheduled.get_absolute_url()) for loc in locs)
    assert any(loc.endswith(article.category.get_absolute_url()) for loc in locs)


def test_sitemap_lists_every_article_beyond_one_sitemap_page(client, monkeypatch):
    from articles.sitemaps import ArticleSitemap

    monkeypatch.setattr(ArticleSitemap, "limit", 2)  # 5000 in production
    articles = [ArticleFactory() for _ in range(5)]
    locs = sitemap_locations(client)
    assert all(any(loc.endswith(a.get_absolute_url()) for loc in locs) for a in articles)


def test_robots_txt_points_to_the_sitemap(client):
    body = client.get("/robots.txt").content.decode()
    assert "Disallow: /admin/" in body and "Sitemap: http://testserver/sitemap.xml" in body
    assert "Disallow: /anzeigen/" in body  # ad redirects are not for crawlers
