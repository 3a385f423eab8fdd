"""Pages through a real Varnish with the shipped VCL: cached for readers, never for staff,
and every kind of edit visible through the proxy within 2 seconds (tag bans)."""

import gzip
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from ads.models import JobAd
from articles.models import Article
from newsroom.models import Page, SiteSettings
from tests.ads.factories import BannerFactory, JobAdFactory
from tests.factories import ArticleFactory, CategoryFactory

from .conftest import Forwarder, Varnish, eventually, repeated_bans_sent

pytestmark = pytest.mark.django_db(transaction=True)


def cached(varnish: Varnish, path: str) -> str:
    """Fetch a page until Varnish serves it from the cache; return its text. (A few tries:
    the previous test's repeated ban, HTTP_CACHE_PURGE_REPEAT_AFTER, may still arrive.)"""
    for _ in range(5):
        response = varnish.get(path)
        assert response.status == 200, (path, response.status)
        if response.cache == "HIT":
            return response.text
        time.sleep(0.1)
    raise AssertionError(f"{path} is not cached: {dict(response.headers)}")


def shows(varnish: Varnish, path: str, text: str, present: bool = True) -> None:
    def check():
        return (text in varnish.get(path).text) == present

    check.__doc__ = f"{path} {'shows' if present else 'no longer shows'} {text!r}"
    eventually(check)


def test_second_request_is_a_hit_and_tags_stay_inside(varnish):
    ArticleFactory(title="Erste Meldung")
    first = varnish.get("/")
    assert first.status == 200 and first.cache == "MISS"
    second = varnish.get("/")
    assert second.cache == "HIT"
    assert "Erste Meldung" in second.text
    assert "Cache-Tags" not in second.headers
    assert "public" in second.headers["Cache-Control"]
    assert "Cookie" not in second.headers.get("Vary", "")
    assert second.headers["ETag"] and "Age" in second.headers
    # Conditional request: answered by Varnish with 304, carrying the ETag (RFC 9110).
    again = varnish.get("/", If_None_Match=second.headers["ETag"])
    assert again.status == 304 and again.headers["ETag"] == second.headers["ETag"]


def test_an_article_page_is_answered_with_304_by_varnish(varnish):
    """Its boxes are part of the page (no Edge Side Include), so its validator stands for
    all of it: a reader's browser revalidates it with Varnish alone."""
    BannerFactory(slot="leaderboard")
    older = ArticleFactory(title="Ältere Meldung")
    ArticleFactory(title="Neueste Meldung")
    page = cached(varnish, older.get_absolute_url())
    assert "Neueste Meldung" in page  # „Neueste Artikel“
    response = varnish.get(older.get_absolute_url())
    again = varnish.get(older.get_absolute_url(), If_None_Match=response.headers["ETag"])
    assert again.status == 304 and again.headers["ETag"] == response.headers["ETag"]


def test_esi_markup_written_by_people_stays_text(varnish):
    """A headline or text with ESI markup reaches readers as text, never as an instruction
    to Varnish (which would fetch what it names on every hit)."""
    markup = '<esi:include src="/admin/"/>'
    article = ArticleFactory(title=f"Was ist {markup}?", body=f"<p>Zitat: {markup}</p>")
    ArticleFactory(title="Noch eine")
    page = cached(varnish, article.get_absolute_url())
    assert page.count("Was ist &lt;esi:include") >= 1 and "<esi:" not in page


def test_cookies_of_readers_are_ignored_but_staff_are_never_cached(
    varnish, admin_client, journalist
):
    draft = ArticleFactory(title="Geheimer Entwurf", status=Article.Status.DRAFT)
    repeated_bans_sent()  # of its new category, which is on every page
    session = f"sessionid={admin_client.cookies['sessionid'].value}"
    # A reader's unrelated cookie does not split or bypass the cache.
    assert varnish.get("/", Cookie="_pk_id=1").cache == "MISS"
    assert varnish.get("/", Cookie="_pk_id=2; csrftoken=abc").cache == "HIT"
    # Staff pass straight to the app, every time, and their preview stays theirs.
    for _ in range(2):
        staff = varnish.get(draft.get_absolute_url(), Cookie=session)
        assert staff.status == 200 and staff.cache == "PASS"
        assert "Geheimer Entwurf" in staff.text
        assert "no-store" in staff.headers["Cache-Control"]
    assert varnish.get(draft.get_absolute_url()).status == 404
    # The admin is never cached, with or without a session.
    assert varnish.get("/admin/login/").cache == "PASS"


def test_job_ad_form_keeps_its_csrf_cookie(varnish):
    form = varnish.get("/stellenmarkt/anzeige-aufgeben/")
    assert form.status == 200 and form.cache == "PASS"
    cookie = form.headers["Set-Cookie"].split(";", 1)[0]
    assert cookie.startswith("csrftoken=")
    token = form.text.split('name="csrfmiddlewaretoken" value="', 1)[1].split('"', 1)[0]
    # An incomplete submission: the form comes back (400), not a CSRF failure (403).
    posted = varnish.request(
        "POST",
        "/stellenmarkt/anzeige-aufgeben/",
        {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"},
        body=f"csrfmiddlewaretoken={token}&title=x",
    )
    assert posted.status == 400, posted.status


def test_publishing_shows_on_home_and_category(varnish):
    category = CategoryFactory(name="Lindenau", slug="lindenau")
    ArticleFactory(category=category, title="Alte Meldung")
    cached(varnish, "/")
    cached(varnish, category.get_absolute_url())

    ArticleFactory(category=category, title="Brandneue Meldung")
    shows(varnish, "/", "Brandneue Meldung")
    shows(varnish, category.get_absolute_url(), "Brandneue Meldung")


def test_scheduled_article_appears_on_time(varnish, settings):
    """No purge happens when a scheduled article goes live: the cached copy must end then."""
    ArticleFactory(title="Schon da")
    soon = ArticleFactory(
        title="Gleich erscheint", published_at=timezone.now() + timedelta(seconds=3)
    )
    time.sleep(settings.HTTP_CACHE_PURGE_REPEAT_AFTER + 0.1)  # the save's second ban is done
    cached(varnish, "/")
    while timezone.now() < soon.published_at + timedelta(seconds=0.3):
        time.sleep(0.05)
    # The first reader after the publication time already sees it (not a stale copy).
    first = varnish.get("/")
    assert "Gleich erscheint" in first.text, (first.cache, first.headers["Cache-Control"])


def test_corrected_title_shows_on_article_and_home(varnish):
    article = ArticleFactory(title="Tippfeler im Titel")
    cached(varnish, article.get_absolute_url())
    cached(varnish, "/")

    article.title = "Korrigierter Titel"
    article.save()
    shows(varnish, article.get_absolute_url(), "Korrigierter Titel")
    shows(varnish, "/", "Korrigierter Titel")
    shows(varnish, "/", "Tippfeler im Titel", present=False)


def test_unpublished_and_deleted_articles_disappear(varnish):
    unpublished = ArticleFactory(title="Zurückgezogen")
    deleted = ArticleFactory(title="Gelöscht")
    for article in (unpublished, deleted):
        cached(varnish, article.get_absolute_url())
    cached(varnish, "/")

    unpublished.status = Article.Status.DRAFT
    unpublished.save()
    deleted_url = deleted.get_absolute_url()
    deleted.delete()

    eventually(lambda: varnish.get(unpublished.get_absolute_url()).status == 404)
    eventually(lambda: varnish.get(deleted_url).status == 404)
    shows(varnish, "/", "Zurückgezogen", present=False)
    shows(varnish, "/", "Gelöscht", present=False)


def test_renamed_category_shows_everywhere(varnish):
    category = CategoryFactory(name="Sport", slug="sport")
    article = ArticleFactory(category=category)
    for path in ("/", category.get_absolute_url(), article.get_absolute_url()):
        cached(varnish, path)

    category.name = "Sport und Verein"
    category.save()
    for path in ("/", category.get_absolute_url(), article.get_absolute_url()):
        shows(varnish, path, "Sport und Verein")


def test_static_page_and_site_settings_show(varnish):
    page = Page.objects.create(title="Kontakt", slug="kontakt", body="<p>Alte Adresse</p>")
    cached(varnish, page.get_absolute_url())
    cached(varnish, "/")

    page.body = "<p>Neue Adresse</p>"
    page.title = "Kontakt und Anfahrt"
    page.save()
    shows(varnish, page.get_absolute_url(), "Neue Adresse")
    shows(varnish, "/", "Kontakt und Anfahrt")  # the footer link

    site = SiteSettings.load()
    site.site_name = "Lindenauer Bote"
    site.save()
    shows(varnish, "/", "Lindenauer Bote")
    shows(varnish, page.get_absolute_url(), "Lindenauer Bote")


def test_banner_and_job_ad_changes_show(varnish):
    cached(varnish, "/")
    cached(varnish, "/stellenmarkt/")

    banner = BannerFactory(slot="leaderboard", alt_text="Sommerfest im Park")
    shows(varnish, "/", "Sommerfest im Park")
    banner.alt_text = "Herbstfest im Park"
    banner.save()
    shows(varnish, "/", "Herbstfest im Park")
    banner.delete()
    shows(varnish, "/", "Herbstfest im Park", present=False)

    job = JobAdFactory(title="Bäcker (m/w/d)")
    shows(varnish, "/stellenmarkt/", "Bäcker (m/w/d)")
    cached(varnish, job.get_absolute_url())
    job.title = "Bäckerin oder Bäcker (m/w/d)"
    job.save()
    shows(varnish, job.get_absolute_url(), "Bäckerin oder Bäcker (m/w/d)")
    job.status = JobAd.Status.REJECTED
    job.rejection_reason = "Doch nicht."
    job.save()
    shows(varnish, "/stellenmarkt/", "Bäckerin oder Bäcker", present=False)


def test_gzip_for_readers_that_accept_it(varnish):
    ArticleFactory()
    plain = varnish.get("/")
    varnish.get("/", Accept_Encoding="gzip")  # a copy of its own (tests/proxy/test_encodings.py)
    zipped = varnish.get("/", Accept_Encoding="gzip")
    assert zipped.cache == "HIT"
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert len(zipped.raw) < len(plain.raw) / 2
    assert gzip.decompress(zipped.raw).decode() == plain.text
    assert "Content-Encoding" not in plain.headers


def test_ban_requests_are_checked(varnish):
    assert varnish.purge("BAN", "/", {"X-Ban-Tags": "all"}).status == 200
    assert varnish.purge("BAN", "/", {"X-Ban-Tags": "a-1 list"}).status == 200
    assert varnish.purge("BAN", "/", {"X-Ban-Tags": ".*"}).status == 400
    assert varnish.purge("BAN", "/", {}).status == 400
    # The purge listener is for purges only: no pages from there.
    assert varnish.purge("GET", "/").status == 405


def test_readers_cannot_purge_even_from_a_purger_address(varnish):
    """Behind the TLS proxy every reader comes from its address (127.0.0.1 here, which is
    in the purge ACL): the readers' listener refuses purges all the same."""
    cached(varnish, "/")
    for method, headers in (("BAN", {"X-Ban-Tags": "all list"}), ("PURGE", {})):
        refused = varnish.request(method, "/", headers)
        assert refused.status == 405, (method, refused.status)
    assert varnish.get("/").cache == "HIT"
    # The app's bans, on the purge listener, still work.
    assert varnish.purge("BAN", "/", {"X-Ban-Tags": "all"}).status == 200
    assert varnish.get("/").cache == "MISS"


def test_stale_copy_is_served_while_the_app_is_down(live_server, settings, tmp_path):
    """stale-if-error: with the app unreachable, an expired page still comes from Varnish."""
    settings.HTTP_CACHE_S_MAXAGE = 1
    settings.HTTP_CACHE_STALE_WHILE_REVALIDATE = 0
    settings.HTTP_CACHE_STALE_IF_ERROR = 60
    backend = Forwarder(int(live_server.url.rsplit(":", 1)[1]))  # an app server to "crash"
    proxy = Varnish(tmp_path, backend.port)
    try:
        ArticleFactory(title="Bleibt lesbar")
        cached(proxy, "/")
        backend.stop()
        time.sleep(1.5)  # past s-maxage
        stale = proxy.get("/")
        assert stale.status == 200 and stale.cache == "STALE"
        assert "Bleibt lesbar" in stale.text
        # A page that was never cached has nothing to fall back on: Varnish's own page,
        # in German, instead of its builtin "Guru Meditation".
        down = proxy.get("/suche/?q=nie")
        assert down.status == 503
        assert "Die Seite ist gerade nicht erreichbar" in down.text
        assert "Guru" not in down.text
    finally:
        backend.stop()
        proxy.stop()


def test_a_draft_address_visited_early_works_once_published(varnish):
    """A preview link opened too early is a 404 in the cache; publishing must drop it."""
    draft = ArticleFactory(title="Noch geheim", status=Article.Status.DRAFT)
    varnish.get(draft.get_absolute_url())
    early = varnish.get(draft.get_absolute_url())
    assert early.status == 404

    draft.status = Article.Status.PUBLISHED
    draft.save()
    eventually(lambda: varnish.get(draft.get_absolute_url()).status == 200)
