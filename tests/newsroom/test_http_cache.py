"""HTTP caching of reading pages: headers, 304s, and freshness after every kind of change."""

import time
from datetime import timedelta
from io import StringIO

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.http import HttpResponse
from django.template import engines
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import path
from django.utils import timezone
from django.utils.cache import get_max_age
from lxml import html as lxml_html

from ads.models import JobAd, ads_today
from articles.models import Article
from newsroom import caching
from newsroom.models import Page, SiteSettings
from tests.ads.factories import BannerFactory, JobAdFactory
from tests.factories import ArticleFactory, AuthorFactory, CategoryFactory, ImageFactory
from weather.models import Place

pytestmark = pytest.mark.django_db


@pytest.fixture
def portal():
    category = CategoryFactory(name="Lindenau", slug="lindenau")
    author = AuthorFactory(name="Hanna Vogt", slug="hanna-vogt")
    article = ArticleFactory(
        title="Brücke wird saniert", category=category, authors=[author], tags=["Verkehr"]
    )
    Page.objects.create(title="Datenschutz", slug="datenschutz", body="<p>Keine Cookies</p>")
    Place.objects.create(
        name="Lindenau", slug="lindenau", latitude=51.3, longitude=12.3, is_default=True
    )
    JobAdFactory(title="Elektroniker (m/w/d)")
    return article


READING_PAGES = {
    "home": lambda a: "/",
    "category": lambda a: a.category.get_absolute_url(),
    "article": lambda a: a.get_absolute_url(),
    "tag": lambda a: "/thema/verkehr/",
    "author": lambda a: "/autor/hanna-vogt/",
    "search": lambda a: "/suche/?q=Brücke",
    "feed": lambda a: "/feed/",
    "sitemap": lambda a: "/sitemap.xml",
    "page": lambda a: "/seite/datenschutz/",
    "job board": lambda a: "/stellenmarkt/",
    "weather": lambda a: "/wetter/",
}


def seconds_to_midnight() -> float:
    now = timezone.localtime()
    midnight = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return (midnight - now).total_seconds()


def directives(response) -> dict[str, str]:
    parts = [p.strip() for p in response["Cache-Control"].split(",")]
    return dict((p.split("=", 1) + [""])[:2] for p in parts)


@pytest.mark.parametrize("page", READING_PAGES)
def test_reading_pages_are_publicly_cacheable_and_revalidate_with_304(client, portal, page):
    url = READING_PAGES[page](portal)
    response = client.get(url)
    assert response.status_code == 200, url
    cc = directives(response)
    assert "public" in cc
    assert 0 <= int(cc["max-age"]) < int(cc["s-maxage"])
    assert int(cc["stale-if-error"]) > 0
    # The stale window ends with the day (the date in the top bar): near midnight it is 0.
    assert int(cc["stale-while-revalidate"]) > 0 or seconds_to_midnight() < 400
    assert "Cookie" not in response.get("Vary", ""), "one copy for every reader, not per cookie"
    assert not response.cookies
    assert response["ETag"] and response["Last-Modified"]
    assert "all" in response["Cache-Tags"].split()

    with CaptureQueriesContext(connection) as queries:
        again = client.get(url, headers={"if-none-match": response["ETag"]})
    assert again.status_code == 304 and again.content == b""
    assert len(queries) == 0, "a revalidation costs no database work"
    assert "public" in directives(again)
    since = client.get(url, headers={"if-modified-since": response["Last-Modified"]})
    assert since.status_code == 304


# What RFC 9110 15.4.5 requires a 304 to repeat from the 200 (Date is the server's part).
REPEATED_ON_304 = ("ETag", "Cache-Control", "Expires", "Vary", "Content-Location")


@pytest.mark.parametrize("page", ["home", "article", "feed"])
@pytest.mark.parametrize("condition", ["if-none-match", "if-modified-since"])
def test_a_304_carries_the_etag_and_caching_headers_of_the_200(client, portal, page, condition):
    url = READING_PAGES[page](portal)
    full = client.get(url)
    validator = full["ETag"] if condition == "if-none-match" else full["Last-Modified"]
    again = client.get(url, headers={condition: validator})
    assert again.status_code == 304
    for header in REPEATED_ON_304:
        assert again.get(header) == full.get(header), header
    assert again["ETag"] and again["Last-Modified"] == full["Last-Modified"]


def test_a_change_answers_revalidation_with_the_new_page(client, portal):
    first = client.get("/")
    portal.title = "Brücke wird doch nicht saniert"
    portal.save()
    again = client.get("/", headers={"if-none-match": first["ETag"]})
    assert again.status_code == 200
    assert "Brücke wird doch nicht saniert" in again.text
    assert again["ETag"] != first["ETag"]


def test_staff_get_private_pages_and_previews(admin_client, client, portal):
    draft = ArticleFactory(status=Article.Status.DRAFT, category=portal.category)
    response = admin_client.get(draft.get_absolute_url())
    assert response.status_code == 200
    assert directives(response).keys() >= {"private", "no-store"}
    assert "Cache-Tags" not in response
    assert client.get(draft.get_absolute_url()).status_code == 404
    home = admin_client.get("/")
    assert "private" in directives(home) and "public" not in directives(home)


def test_forms_and_counting_redirects_stay_out_of_shared_caches(client, portal):
    form = client.get("/stellenmarkt/anzeige-aufgeben/")
    assert "private" in directives(form) and "public" not in directives(form)
    banner = BannerFactory(slot="sidebar")
    click = client.get(f"/anzeigen/klick/{banner.pk}/")
    assert "public" not in directives(click)


def test_shared_caches_never_keep_a_page_past_a_scheduled_publication(client, portal):
    ArticleFactory(category=portal.category, published_at=timezone.now() + timedelta(seconds=40))
    lifetime = get_max_age(client.get("/"))
    assert lifetime is not None and lifetime <= 40
    assert int(directives(client.get("/"))["s-maxage"]) <= 40
    # Pages without article lists are not cut short by it.
    if seconds_to_midnight() > 60:  # the date in the top bar changes at midnight
        assert int(directives(client.get("/seite/datenschutz/"))["s-maxage"]) > 40


def test_a_scheduled_article_appears_at_its_time_without_any_write(client, portal):
    scheduled = ArticleFactory(
        title="Punkt zwölf: Stadtfest eröffnet",
        category=portal.category,
        published_at=timezone.now() + timedelta(seconds=1.5),
    )
    home = client.get("/")
    assert scheduled.title not in home.text
    assert scheduled.title not in client.get(portal.get_absolute_url()).text  # latest box
    time.sleep(1.6)
    again = client.get("/", headers={"if-none-match": home["ETag"]})
    assert again.status_code == 200 and scheduled.title in again.text
    assert scheduled.title in client.get(portal.get_absolute_url()).text


def text(client, url) -> str:
    return lxml_html.fromstring(client.get(url).content).text_content()


def test_every_kind_of_change_is_visible_at_once(client, portal):
    """The app's cached site-wide parts follow every write (the proxy: tests/proxy)."""
    article_url = portal.get_absolute_url()
    other = ArticleFactory(title="Neues Feuerwehrhaus", category=portal.category)
    for url in ("/", article_url, "/stellenmarkt/"):
        client.get(url)  # warm every cache
    assert "Elektroniker" in text(client, article_url)

    portal.title = "Brücke: Sanierung verschoben"
    portal.save()
    assert "Brücke: Sanierung verschoben" in text(client, other.get_absolute_url())  # latest

    other.status = Article.Status.DRAFT
    other.save()
    assert client.get(other.get_absolute_url()).status_code == 404  # its page, just read
    assert "Neues Feuerwehrhaus" not in text(client, "/")
    assert "Neues Feuerwehrhaus" not in text(client, article_url)

    portal.category.name = "Lindenau-Mitte"
    portal.category.save()
    assert "Lindenau-Mitte" in text(client, "/")

    Page.objects.filter(slug="datenschutz").delete()  # a queryset delete, as the admin's action
    assert "Datenschutz" not in text(client, article_url)

    site = SiteSettings.load()
    site.site_name = "Lindenauer Bote"
    site.save()
    assert "Lindenauer Bote" in text(client, article_url)

    BannerFactory(slot="sidebar", alt_text="Stadtfest am Markt")
    assert "Stadtfest am Markt" in client.get(article_url).text

    ended = ads_today() - timedelta(days=1)
    JobAd.objects.update(first_day=ended, last_day=ended)  # no signal: must say so itself
    caching.invalidate(caching.ADS)
    assert "Elektroniker" not in text(client, article_url)  # the job box

    portal.delete()
    assert client.get(article_url).status_code == 404
    assert "Brücke" not in text(client, "/")


def test_an_article_keeps_its_own_parts_until_it_or_what_it_shows_changes(client, portal):
    """Publishing bans every page (each lists the newest articles), but an article page
    rendered again reuses its own text, byline and tags; any change to those shows at once,
    also one that does not save the article's row."""
    portal.lead_image = ImageFactory()
    portal.save()
    url = portal.get_absolute_url()
    client.get(url)

    ArticleFactory(title="Neues Feuerwehrhaus", category=portal.category)
    with CaptureQueriesContext(connection) as ctx:
        page = text(client, url)
    assert "Neues Feuerwehrhaus" in page  # the lists are fresh
    assert not [q for q in ctx.captured_queries if "articles_author" in q["sql"]]

    portal.tags.add("Baustelle")  # no save of the article itself
    assert "Baustelle" in text(client, url)
    author = portal.authors.get()
    author.name = "Hanna Vogt-Berger"
    author.save()
    assert "Hanna Vogt-Berger" in text(client, url)
    portal.lead_image.credit = "Foto: Stadtarchiv Lindenau"
    portal.lead_image.save()
    assert "Stadtarchiv Lindenau" in text(client, url)
    site = SiteSettings.load()
    site.site_name = "Lindenauer Bote"
    site.save()
    assert '"name": "Lindenauer Bote"' in client.get(url).text  # structured data's publisher
    Article.objects.filter(pk=portal.pk).update(title="Brücke gesperrt")
    # An update() sends no signals: it says what changed (lists and the article's own parts).
    caching.invalidate(caching.LIST)
    caching.invalidate_object(f"article-{portal.pk}")
    assert "Brücke gesperrt" in text(client, url)


def _invalidating_view(request):
    caching.add_cache_tags(request, caching.LIST)
    caching.invalidate(caching.LIST)  # as if an editor saved while this page was rendered
    return HttpResponse(engines["django"].from_string("<p>alt</p>").render({}, request))


urlpatterns = [path("mitten-im-speichern/", _invalidating_view)]


@override_settings(ROOT_URLCONF=__name__)
def test_a_page_rendered_during_a_change_is_kept_a_second_at_most(client):
    """It may show the old state: a shared cache keeps it a second (instead of sending
    every reader to the app meanwhile), never serves it stale, and a browser asks again."""
    response = client.get("/mitten-im-speichern/")
    assert response.status_code == 200
    cache_control = directives(response)
    assert cache_control["s-maxage"] == "1" and cache_control["stale-while-revalidate"] == "0"
    assert cache_control["max-age"] == "0"


def test_a_bulk_import_is_visible_at_once(client):
    """generate_content writes with bulk_create (no signals) and invalidates itself."""
    call_command("generate_content", articles=5, seed=3, stdout=StringIO())
    client.get("/")  # warm the home page's cached selection
    call_command("generate_content", articles=40, seed=3, stdout=StringIO())  # tops up
    shown = text(client, "/")
    cache.clear()
    assert shown == text(client, "/"), "the home page shows what a fresh render shows"
