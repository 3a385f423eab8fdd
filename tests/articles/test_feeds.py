"""RSS 2.0 and Atom feeds: the site's and each category's, read by a real feed parser, Atom
checked against RFC 4287's schema, teasers kept as text, cost independent of the number of
articles."""

from datetime import timedelta
from html import unescape
from pathlib import Path

import feedparser
import pytest
from django.core.files.storage import default_storage
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from lxml import etree

from articles.feeds import FEED_ID_DATE
from articles.models import Article, Author, Category, Tag
from images.models import Image
from images.renditions import CROPS
from tests.factories import (
    ArticleFactory,
    AuthorFactory,
    CategoryFactory,
    ImageFactory,
    image_upload,
)

pytestmark = pytest.mark.django_db
ATOM = {"a": "http://www.w3.org/2005/Atom"}
SCHEMAS = Path(__file__).resolve().parent.parent / "schemas"
HOSTILE = "Müller & Söhne <GmbH> <img src=x onerror=alert(1)> „Zitat“"

SITE_FEEDS = {"atom": "/feed/", "rss": "/feed/rss/"}


def category_feeds(path: str) -> dict[str, str]:
    return {"atom": f"/feed/rubrik/{path}/", "rss": f"/feed/rss/rubrik/{path}/"}


@pytest.fixture(scope="module")
def atom_schema():
    return etree.RelaxNG(etree.parse(str(SCHEMAS / "atom.rng")))


@pytest.fixture
def portal():
    """A main category with a subcategory and a second main category; public articles in
    each, and a draft, a scheduled and a withdrawn one that no feed may show."""
    lindenau = CategoryFactory(name="Lindenau", slug="lindenau")
    rathaus = CategoryFactory(name="Rathaus", slug="rathaus", parent=lindenau)
    sport = CategoryFactory(name="Sport", slug="sport")
    hours = iter(range(1, 100))

    def article(title, category, **kwargs):
        published_at = timezone.now() - timedelta(hours=next(hours))
        return ArticleFactory(title=title, category=category, published_at=published_at, **kwargs)

    return {
        "main": article("Marktplatz wird neu gepflastert", lindenau, tags=["Verkehr"],
                        lead_image=ImageFactory(), authors=[AuthorFactory(name="Hanna Vogt"),
                                                            AuthorFactory(name="Jonas Brandt")]),
        "sub": article("Rat beschließt Haushalt", rathaus),
        "other": article("Derby endet unentschieden", sport),
        "draft": article("Entwurf im Rathaus", rathaus, status=Article.Status.DRAFT),
        "withdrawn": article("Zurückgezogen", lindenau, status=Article.Status.WITHDRAWN),
        "scheduled": ArticleFactory(title="Geplant für morgen", category=rathaus,
                                    published_at=timezone.now() + timedelta(days=1)),
    }  # fmt: skip


def parsed(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    feed = feedparser.parse(response.content)
    assert not feed.bozo, f"{url}: {feed.get('bozo_exception')}"
    return response, feed


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


@pytest.mark.parametrize("kind", ["atom", "rss"])
def test_site_feed_parses_with_every_field(client, portal, kind):
    response, feed = parsed(client, SITE_FEEDS[kind])
    content_type = {"atom": "application/atom+xml", "rss": "application/rss+xml"}[kind]
    assert response["Content-Type"].startswith(content_type)
    assert feed.version == {"atom": "atom10", "rss": "rss20"}[kind]
    assert feed.feed.title == "Newsroom"
    titles = [e.title for e in feed.entries]
    assert titles == ["Marktplatz wird neu gepflastert", "Rat beschließt Haushalt",
                      "Derby endet unentschieden"]  # fmt: skip
    entry, article = feed.entries[0], portal["main"]
    assert entry.link == f"http://testserver{article.get_absolute_url()}"
    assert [a.name for a in entry.authors] == ["Hanna Vogt", "Jonas Brandt"]
    assert {t.term for t in entry.tags} == {"Lindenau", "Verkehr"}
    assert unescape(entry.summary) == article.lead
    published = entry.published_parsed
    assert published[:5] == article.published_at.utctimetuple()[:5]
    if kind == "atom":
        assert entry.updated_parsed


@pytest.mark.parametrize("kind", ["atom", "rss"])
def test_category_feed_holds_only_its_subtree_and_only_public_articles(client, portal, kind):
    _response, feed = parsed(client, category_feeds("lindenau")[kind])
    assert feed.feed.title == "Lindenau – Newsroom"
    assert feed.feed.link == "http://testserver/lindenau/"
    # The main category with its subcategory; not the other category, no draft, no
    # withdrawn article, nothing scheduled.
    assert [e.title for e in feed.entries] == [portal["main"].title, portal["sub"].title]
    _response, feed = parsed(client, category_feeds("lindenau/rathaus")[kind])
    assert [e.title for e in feed.entries] == [portal["sub"].title]
    _response, feed = parsed(client, category_feeds("sport")[kind])
    assert [e.title for e in feed.entries] == [portal["other"].title]


@pytest.mark.parametrize("url", ["/feed/rubrik/gibt-es-nicht/", "/feed/rss/rubrik/lindenau/x/"])
def test_unknown_category_feed_is_404(client, portal, url):
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("kind", ["atom", "rss"])
def test_lead_image_is_an_enclosure_with_an_absolute_address(client, portal, kind):
    _response, feed = parsed(client, SITE_FEEDS[kind])
    image = portal["main"].lead_image
    url, _width, _height = image.renditions.largest(CROPS["wide"])
    (enclosure,) = feed.entries[0].enclosures
    assert enclosure.href == f"http://testserver{url}"
    assert enclosure.type == "image/jpeg"
    assert not feed.entries[1].enclosures  # no lead image, no enclosure
    # The address is one the site serves, and the length is that of the file it serves.
    picture = client.get(url)
    assert picture.status_code == 200 and picture["Content-Type"] == "image/jpeg"
    assert enclosure.length == str(len(b"".join(picture.streaming_content)))


def test_enclosure_of_a_large_image_is_1200_wide(client):
    ArticleFactory(lead_image=ImageFactory(file=image_upload(size=(2400, 1600))))
    _response, feed = parsed(client, "/feed/rss/")
    assert feed.entries[0].enclosures[0].href.endswith("/wide-1200.jpg")


@pytest.mark.parametrize("kind", ["atom", "rss"])
def test_an_entry_keeps_its_id_when_the_article_moves(client, portal, kind):
    """RFC 4287 4.2.6: an entry's id never changes. The address holds the category path,
    so the id is a tag: URI (RFC 4151) of the site's host and the article's number."""
    article = portal["main"]
    _response, feed = parsed(client, SITE_FEEDS[kind])
    before = feed.entries[0].id
    assert before == f"tag:testserver,{FEED_ID_DATE}:article-{article.pk}"
    article.category = CategoryFactory(name="Verkehr", slug="verkehr", parent=article.category)
    article.save()
    _response, feed = parsed(client, SITE_FEEDS[kind])
    assert feed.entries[0].link == f"http://testserver/lindenau/verkehr/{article.slug}/"
    assert feed.entries[0].id == before
    if kind == "rss":
        assert feed.entries[0].guidislink is False  # isPermaLink="false": not an address
        rss = etree.fromstring(client.get(SITE_FEEDS[kind]).content)
        assert rss.find("channel/item/guid").get("isPermaLink") == "false"


def test_a_feed_keeps_its_id_when_the_category_is_renamed(client, portal):
    category = portal["sub"].category
    before = etree.fromstring(client.get("/feed/rubrik/lindenau/rathaus/").content)
    category.slug = "stadtrat"
    category.save()
    after = etree.fromstring(client.get("/feed/rubrik/lindenau/stadtrat/").content)
    assert after.findtext("a:id", namespaces=ATOM) == before.findtext("a:id", namespaces=ATOM)
    assert after.findtext("a:id", namespaces=ATOM).startswith("tag:testserver,")


def test_the_host_names_the_ids_without_its_port(client, portal, settings):
    settings.ALLOWED_HOSTS = ["lindenau.example"]
    root = etree.fromstring(client.get("/feed/", HTTP_HOST="lindenau.example:8000").content)
    entry_id = root.findtext("a:entry/a:id", namespaces=ATOM)
    assert entry_id == f"tag:lindenau.example,{FEED_ID_DATE}:article-{portal['main'].pk}"


@pytest.mark.parametrize("kind", ["atom", "rss"])
def test_a_tag_named_like_the_category_is_listed_once(client, kind):
    category = CategoryFactory(name="Sport", slug="sport")
    ArticleFactory(category=category, tags=["Sport", "sport", "Fußball"])
    root = etree.fromstring(parsed(client, SITE_FEEDS[kind])[0].content)
    if kind == "atom":
        terms = [c.get("term") for c in root.findall("a:entry/a:category", ATOM)]
    else:
        terms = [c.text for c in root.findall("channel/item/category")]
    assert terms == ["Sport", "Fußball"]  # the category first, then the other tags


def test_enclosure_length_is_the_size_of_a_rendition_not_made_yet(client):
    """A lead image whose 1200 px rendition nobody has asked for: the feed makes it (once)
    and gives its real size; RSS requires the length, in bytes."""
    image = ImageFactory(file=image_upload(size=(2400, 1600)))
    ArticleFactory(lead_image=image)
    url, _width, _height = image.renditions.largest(CROPS["wide"])
    name = url.removeprefix(default_storage.base_url)
    assert not default_storage.exists(name)
    _response, feed = parsed(client, "/feed/rss/")
    assert default_storage.exists(name)
    assert feed.entries[0].enclosures[0].length == str(default_storage.size(name))


def test_enclosure_sizes_are_kept_not_looked_up_on_every_request(client, monkeypatch):
    """After the first request the sizes come from the app cache in one read: a remote
    storage (S3) would cost a round trip per item otherwise."""
    for i in range(3):
        ArticleFactory(published_at=timezone.now() - timedelta(hours=i + 1),
                       lead_image=ImageFactory())  # fmt: skip
    _response, first = parsed(client, "/feed/rss/")
    looked_up = []
    for method in ("exists", "size", "open"):
        original = getattr(default_storage.__class__, method)
        monkeypatch.setattr(
            default_storage.__class__, method,
            lambda self, name, _original=original, _method=method: (
                looked_up.append((_method, name)) or _original(self, name)),
        )  # fmt: skip
    _response, again = parsed(client, "/feed/rss/")
    assert not looked_up
    lengths = [e.enclosures[0].length for e in again.entries]
    assert lengths == [e.enclosures[0].length for e in first.entries] and "0" not in lengths


def test_an_image_whose_file_is_gone_gives_no_enclosure(client):
    image = ImageFactory()
    ArticleFactory(lead_image=image)
    default_storage.delete(image.file.name)
    _response, feed = parsed(client, "/feed/rss/")
    assert not feed.entries[0].enclosures  # no address that would only answer 404


@pytest.mark.parametrize("kind", ["atom", "rss"])
def test_category_channel_says_the_name_as_plain_text(client, kind):
    """RSS readers take the channel's <description> as HTML: the name is escaped for it,
    once, so `<Kultur>` is shown, not dropped as an unknown element."""
    category = CategoryFactory(name="Kunst & <Kultur>", slug="kunst")
    ArticleFactory(category=category)
    _response, feed = parsed(client, category_feeds("kunst")[kind])
    assert feed.feed.title == "Kunst & <Kultur> – Newsroom"
    if kind == "rss":
        assert feed.feed.subtitle_detail.type == "text/html"
        assert "<Kultur>" not in feed.feed.subtitle
        assert unescape(feed.feed.subtitle) == "Die neuesten Artikel in „Kunst & <Kultur>“"
    else:
        assert feed.feed.subtitle == "Die neuesten Artikel in „Kunst & <Kultur>“"


def test_hostile_teaser_stays_text(client):
    ArticleFactory(title="Firma <b>feiert</b> & lädt ein", lead=HOSTILE)
    atom = etree.fromstring(client.get("/feed/").content)
    summary = atom.find("a:entry/a:summary", ATOM)
    # Plain text (type="text" by default), so readers show it as it was typed.
    assert summary.get("type") in (None, "text")
    assert summary.text == HOSTILE
    assert atom.findtext("a:entry/a:title", namespaces=ATOM) == "Firma <b>feiert</b> & lädt ein"
    # RSS readers take a description as HTML: the teaser arrives escaped, as text.
    rss = etree.fromstring(client.get("/feed/rss/").content)
    description = rss.findtext("channel/item/description")
    assert "<" not in description and unescape(description) == HOSTILE
    # What a feed reader makes of it: Atom's summary is plain text, RSS's is HTML that
    # shows the same characters and holds no element.
    _response, feed = parsed(client, "/feed/")
    assert feed.entries[0].summary_detail.type == "text/plain"
    assert feed.entries[0].summary == HOSTILE
    _response, feed = parsed(client, "/feed/rss/")
    assert feed.entries[0].summary_detail.type == "text/html"
    assert "<img" not in feed.entries[0].summary and "<GmbH>" not in feed.entries[0].summary
    assert unescape(feed.entries[0].summary) == HOSTILE


def test_atom_feeds_are_valid_under_rfc_4287(client, portal, atom_schema):
    ArticleFactory(title="Ohne Autor", authors=[], lead="", body="<p>Nur <b>Text</b>.</p>")
    for url in ("/feed/", "/feed/rubrik/lindenau/", "/feed/rubrik/lindenau/rathaus/"):
        root = etree.fromstring(client.get(url).content)
        assert atom_schema.validate(root), f"{url}: {atom_schema.error_log}"
        entries = root.findall("a:entry", ATOM)
        assert entries and all(e.find("a:updated", ATOM) is not None for e in entries)
    # An article without byline: the feed names the site as author (RFC 4287, 4.1.1).
    root = etree.fromstring(client.get("/feed/").content)
    assert root.findtext("a:author/a:name", namespaces=ATOM) == "Newsroom"


def test_the_atom_schema_rejects_an_entry_without_updated(client, portal, atom_schema):
    """The check itself: the schema is strict where RFC 4287 is."""
    root = etree.fromstring(client.get("/feed/").content)
    entry = root.find("a:entry", ATOM)
    entry.remove(entry.find("a:updated", ATOM))
    assert not atom_schema.validate(root)


def test_updated_is_the_correction_date_when_there_is_one(client):
    article = ArticleFactory(title="Korrigiert")
    Article.objects.filter(pk=article.pk).update(
        updated_at=article.published_at + timedelta(minutes=30)
    )
    _response, feed = parsed(client, "/feed/")
    entry = feed.entries[0]
    assert entry.updated_parsed > entry.published_parsed


def test_a_feed_holds_at_most_30_articles(client):
    category = CategoryFactory(slug="viel")
    for i in range(32):
        ArticleFactory(category=category, published_at=timezone.now() - timedelta(minutes=i + 1))
    for url in ("/feed/", "/feed/rss/", *category_feeds("viel").values()):
        _response, feed = parsed(client, url)
        assert len(feed.entries) == 30, url


# --- Cost --------------------------------------------------------------------------------


def build(n: int) -> None:
    """n articles over a main category and its subcategory, each with a lead image, two
    authors and three tags: a query per article, image, author or tag would show."""
    main = CategoryFactory(slug="haupt")
    sub = CategoryFactory(slug="unter", parent=main)
    for i in range(n):
        ArticleFactory(
            category=sub if i % 2 else main,
            published_at=timezone.now() - timedelta(hours=i + 1),
            lead_image=ImageFactory(),
            authors=[AuthorFactory(), AuthorFactory()],
            tags=[f"Thema {i}", "Lindenau", f"Extra {i % 3}"],
        )


def clear() -> None:
    Article.objects.all().delete()
    Category.objects.exclude(parent=None).delete()
    for model in (Author, Category, Tag, Image):
        model.objects.all().delete()


def queries(client, url) -> int:
    client.get(url)  # the site-wide caches warm, as in production
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx)


FEED_URLS = ["/feed/", "/feed/rss/", "/feed/rubrik/haupt/", "/feed/rss/rubrik/haupt/unter/"]


@pytest.mark.parametrize("url", FEED_URLS)
def test_feed_query_count_is_constant(client, url):
    build(5)
    small = queries(client, url)
    clear()
    build(30)
    large = queries(client, url)
    assert small == large, f"{url}: {small} queries with 5 articles, {large} with 30"
    assert large <= 6, f"{url}: {large} queries"


# --- Links in the pages ------------------------------------------------------------------


def alternates(client, url) -> dict[str, str]:
    html = etree.HTML(client.get(url).content)
    return {
        link.get("href"): link.get("type")
        for link in html.findall(".//head/link[@rel='alternate']")
    }


def test_every_page_links_the_site_feeds_in_its_head(client, portal):
    links = alternates(client, "/")
    assert links == {"/feed/rss/": "application/rss+xml", "/feed/": "application/atom+xml"}
    for href in links:
        parsed(client, href)


def test_category_pages_link_their_own_feeds_too(client, portal):
    links = alternates(client, "/lindenau/rathaus/")
    assert links["/feed/rss/rubrik/lindenau/rathaus/"] == "application/rss+xml"
    assert links["/feed/rubrik/lindenau/rathaus/"] == "application/atom+xml"
    assert "/feed/" in links and "/feed/rss/" in links
    for href in links:
        parsed(client, href)


# --- HTTP caching ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url", ["/feed/", "/feed/rss/", "/feed/rubrik/lindenau/", "/sitemap-news.xml"]
)
def test_feeds_are_cached_as_lists_and_fresh_after_a_new_article(client, portal, url):
    first = client.get(url)
    assert "list" in first["Cache-Tags"].split() and "public" in first["Cache-Control"]
    assert client.get(url, headers={"if-none-match": first["ETag"]}).status_code == 304
    ArticleFactory(title="Eben erschienen", category=portal["main"].category)
    again = client.get(url, headers={"if-none-match": first["ETag"]})
    assert again.status_code == 200 and "Eben erschienen" in again.content.decode()
