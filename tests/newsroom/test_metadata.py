"""The head of every public page: description, canonical address, Open Graph, Twitter card."""

import os

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from lxml import html as lxml_html

from newsroom.models import Page, SiteSettings
from tests.factories import ArticleFactory, AuthorFactory, CategoryFactory, ImageFactory
from tests.test_frontend_quality import demo_urls

pytestmark = pytest.mark.django_db
BASE = "http://testserver"
NOT_INDEXED = {"search", "not-found"}


def head(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, url
    return lxml_html.fromstring(response.content).find("head")


def meta(tree, key):
    """The content of <meta property=key> or <meta name=key>; fails when not exactly one."""
    found = tree.xpath(f'meta[@property="{key}" or @name="{key}"]/@content')
    assert len(found) == 1, (key, found)
    return found[0]


def canonical(tree):
    return tree.xpath('link[@rel="canonical"]/@href')


def test_every_page_of_the_demo_has_the_shared_metadata(client):
    with open(os.devnull, "w") as devnull:
        call_command("load_demo", stdout=devnull)
    site = SiteSettings.load()
    for name, url in demo_urls().items():
        tree = head(client, url, 404 if name == "not-found" else 200)
        assert meta(tree, "og:site_name") == site.site_name, name
        assert meta(tree, "og:locale") == "de_DE", name
        assert meta(tree, "og:type") in {"website", "article", "profile"}, name
        assert meta(tree, "og:title") and meta(tree, "description"), name
        assert meta(tree, "og:description") == meta(tree, "description"), name
        assert len(meta(tree, "description")) <= 160, name
        card = "summary_large_image" if name == "article" else "summary"
        assert meta(tree, "twitter:card") == card, name
        if name in NOT_INDEXED:
            assert meta(tree, "robots") == "noindex", name
            assert canonical(tree) == [] and not tree.xpath('meta[@property="og:url"]'), name
        else:
            assert canonical(tree) == [BASE + url.split("?")[0]], name
            assert meta(tree, "og:url") == canonical(tree)[0], name
            assert not tree.xpath('meta[@name="robots"]'), name


@pytest.fixture
def town():
    return CategoryFactory(name="Lindenau", slug="lindenau", description="Alles aus der Stadt.")


def test_each_page_describes_itself(client, town):
    SiteSettings(site_name="Lindenauer Nachrichten", tagline="Das Portal für Lindenau").save()
    author = AuthorFactory(name="Miriam Adler", slug="miriam-adler", bio='Schreibt über "Politik".')
    ArticleFactory(category=town, authors=[author], tags=["Hallenbad"])
    Page.objects.create(title="Datenschutz", slug="datenschutz", body="<p>Wir &amp; Sie.</p>")

    home = head(client, "/")
    assert meta(home, "description") == "Das Portal für Lindenau"
    assert meta(home, "og:title") == "Lindenauer Nachrichten"
    assert canonical(home) == [BASE + "/"]

    category = head(client, "/lindenau/")
    assert meta(category, "description") == "Alles aus der Stadt."
    assert meta(category, "og:title") == "Lindenau"

    profile = head(client, "/autor/miriam-adler/")
    assert meta(profile, "description") == 'Schreibt über "Politik".'
    assert meta(profile, "og:type") == "profile"

    tag = head(client, "/thema/hallenbad/")
    assert meta(tag, "description") == "Artikel zum Thema Hallenbad bei Lindenauer Nachrichten"

    page = head(client, "/seite/datenschutz/")
    assert meta(page, "description") == "Wir & Sie."
    assert meta(page, "og:title") == "Datenschutz"


def test_list_pages_beyond_the_first_keep_their_page_in_the_canonical_address(client, town):
    for _ in range(13):
        ArticleFactory(category=town)
    assert canonical(head(client, "/lindenau/")) == [BASE + "/lindenau/"]
    assert canonical(head(client, "/lindenau/?seite=1")) == [BASE + "/lindenau/"]
    assert canonical(head(client, "/lindenau/?seite=2&utm_source=x")) == [
        BASE + "/lindenau/?seite=2"
    ]


def test_search_results_are_not_indexed(client, town):
    ArticleFactory(category=town, title="Hallenbad öffnet")
    tree = head(client, "/suche/?q=Hallenbad")
    assert meta(tree, "robots") == "noindex" and canonical(tree) == []


def test_an_article_shares_its_lead_image_and_dates(client, town):
    article = ArticleFactory(
        category=town, title="Bad eröffnet", lead="Ein Festtag.",
        lead_image=ImageFactory(), lead_image_alt="Das neue Becken",
    )  # fmt: skip
    tree = head(client, article.get_absolute_url())
    assert canonical(tree) == [BASE + article.get_absolute_url()]
    assert meta(tree, "og:type") == "article"
    assert meta(tree, "og:title") == "Bad eröffnet"
    assert meta(tree, "description") == "Ein Festtag."
    assert meta(tree, "twitter:card") == "summary_large_image"
    assert meta(tree, "og:image").startswith(BASE + "/media/renditions/")
    assert int(meta(tree, "og:image:width")) > 0 and int(meta(tree, "og:image:height")) > 0
    assert meta(tree, "og:image:alt") == "Das neue Becken"
    assert meta(tree, "article:published_time").startswith(article.published_at.strftime("%Y"))

    without_image = ArticleFactory(category=town)
    tree = head(client, without_image.get_absolute_url())
    assert meta(tree, "twitter:card") == "summary"
    assert not tree.xpath('meta[@property="og:image"]')


def test_previews_are_not_indexed(admin_client, town):
    from articles.models import Article

    draft = ArticleFactory(category=town, status=Article.Status.DRAFT)
    tree = head(admin_client, draft.get_absolute_url())
    assert meta(tree, "robots") == "noindex" and canonical(tree) == []


def test_metadata_reads_nothing_from_the_database(client, town):
    """The same queries as before the metadata: settings come from the cache."""
    ArticleFactory(category=town)
    client.get("/lindenau/")
    with CaptureQueriesContext(connection) as ctx:
        client.get("/lindenau/")
    assert not [q for q in ctx.captured_queries if "newsroom_sitesettings" in q["sql"]]
