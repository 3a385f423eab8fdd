"""A news day through the real Varnish: a save bans only the pages that show what changed,
the boxes below every article follow what they show (not what arrives), and the second ban
is sent even by a process that exits right after its save."""

import json
import os
import shutil
import subprocess
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from ads.models import JobAd
from articles.models import Article
from tests.ads.factories import JobAdFactory
from tests.factories import ArticleFactory, CategoryFactory

from .conftest import ROOT, Varnish, database_url, repeated_bans_sent
from .test_varnish import cached, shows

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def day(varnish):
    """An archived article, yesterday's in another section, the imprint: all in the cache."""
    town = CategoryFactory(name="Lindenau", slug="lindenau")
    sport = CategoryFactory(name="Sport", slug="sport")
    archived = ArticleFactory(
        title="Brücke saniert",
        category=town,
        published_at=timezone.now() - timedelta(days=200),
        body="<p>Die Brücke ist wieder offen.</p>",
    )
    recent = ArticleFactory(title="Derby gewonnen", category=sport)
    repeated_bans_sent()
    pages = {
        "home": "/",
        "archived": archived.get_absolute_url(),
        "recent": recent.get_absolute_url(),
        "town": town.get_absolute_url(),
        "sport": sport.get_absolute_url(),
        "imprint": reverse("newsroom:imprint"),
    }
    for path in pages.values():
        cached(varnish, path)
    return archived, recent, pages


def hits(varnish: Varnish, pages: dict, *names: str) -> None:
    repeated_bans_sent()
    for name in names:
        response = varnish.get(pages[name])
        assert response.cache == "HIT", (name, response.cache)


def test_an_unchanged_save_bans_nothing(varnish, day):
    archived, recent, pages = day
    Article.objects.get(pk=archived.pk).save()
    Article.objects.get(pk=recent.pk).save()
    hits(varnish, pages, *pages)


def test_a_correction_of_an_old_article_bans_its_page_alone(varnish, day):
    archived, _, pages = day
    archived = Article.objects.get(pk=archived.pk)
    archived.body = "<p>Die Brücke ist seit Montag wieder offen.</p>"
    archived.save()
    shows(varnish, pages["archived"], "seit Montag")
    # The home page, the sections (its own too: the text is not on its card), the other
    # article and the imprint stay in the cache.
    hits(varnish, pages, "home", "recent", "town", "sport", "imprint")


def test_publishing_reaches_home_and_section_but_bans_no_article_page(varnish, day, client):
    archived, recent, pages = day
    ArticleFactory(title="Neues Rathaus eröffnet", category=archived.category)
    shows(varnish, "/", "Neues Rathaus eröffnet")
    shows(varnish, pages["town"], "Neues Rathaus eröffnet")
    # The article pages stay cached; the new article joins their „Neueste Artikel“ when
    # each is made again (within s-maxage), as the app shows it now.
    hits(varnish, pages, "archived", "recent", "sport", "imprint")
    assert "Neues Rathaus eröffnet" in client.get(pages["archived"]).text


def test_a_new_headline_reaches_every_list_showing_the_article(varnish, day):
    _, recent, pages = day
    recent = Article.objects.get(pk=recent.pk)
    recent.title = "Derby nach Elfmeterschießen gewonnen"
    recent.save()
    # Also the other article's page, which shows it in „Neueste Artikel“.
    for name in ("home", "sport", "recent", "archived"):
        shows(varnish, pages[name], "nach Elfmeterschießen")
    hits(varnish, pages, "town", "imprint")


def test_a_withdrawn_article_leaves_every_page(varnish, day):
    _, recent, pages = day
    recent = Article.objects.get(pk=recent.pk)
    recent.status = Article.Status.WITHDRAWN
    recent.save()
    assert varnish.get(pages["recent"]).status == 404
    for name in ("home", "sport", "archived"):
        shows(varnish, pages[name], "Derby gewonnen", present=False)


def test_job_ads_reach_the_job_lists_and_leave_the_boxes_showing_them(varnish):
    shown = JobAdFactory(title="Redakteurin (m/w/d)")
    article = ArticleFactory(title="Brücke saniert")
    repeated_bans_sent()
    page = cached(varnish, article.get_absolute_url())
    assert "Redakteurin (m/w/d)" in page  # „Unsere Empfehlung“ below the article
    cached(varnish, "/")
    # A new ad: on the home page's list of the newest at once; the article page stays.
    job = JobAdFactory(title="Zusteller (m/w/d)", submitted=True)
    job.status = JobAd.Status.APPROVED
    job.save()
    shows(varnish, "/", "Zusteller (m/w/d)")
    repeated_bans_sent()
    assert varnish.get(article.get_absolute_url()).cache == "HIT"
    # The ad in its box is taken down: it leaves that page too.
    shown.status, shown.rejection_reason = JobAd.Status.REJECTED, "Stelle schon besetzt."
    shown.save()
    shows(varnish, article.get_absolute_url(), "Redakteurin (m/w/d)", present=False)


def bans_added(varnish: Varnish) -> int:
    """Varnish's count of bans, from its shared memory (varnishstat, beside varnishd)."""
    varnishstat = shutil.which("varnishstat") or "/usr/bin/varnishstat"
    out = subprocess.run(
        [varnishstat, "-n", str(varnish.tmp / "work"), "-1", "-j", "-f", "MAIN.bans_added"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    counters = json.loads(out)
    counters = counters.get("counters", counters)
    return counters["MAIN.bans_added"]["value"]


def test_a_command_that_saves_and_exits_sends_the_second_ban_too(varnish, day, settings, tmp_path):
    """The race the second ban exists for is open in every import, restore and cron job."""
    archived, _, pages = day
    # The app cache is shared by every process of a site (Redis, or this file cache).
    backend = "django.core.cache.backends.filebased.FileBasedCache"
    settings.CACHES = {"default": {"BACKEND": backend, "LOCATION": str(tmp_path)}}
    repeated_bans_sent()
    before = bans_added(varnish)
    env = {
        "CACHE_BACKEND": backend,
        "CACHE_LOCATION": str(tmp_path),
        "DATABASE_URL": database_url(),
        "HTTP_CACHE_PURGE_URLS": varnish.purge_url,
        "HTTP_CACHE_PURGE_REPEAT_AFTER": "1",
    }
    script = (
        "from articles.models import Article; "
        f"a = Article.objects.get(pk={archived.pk}); "
        "a.body = '<p>Per Skript berichtigt.</p>'; a.save()"
    )
    subprocess.run(
        [str(ROOT / ".venv" / "bin" / "python"), "manage.py", "shell", "-c", script],
        cwd=ROOT, env={**os.environ, **env}, check=True, timeout=60,
    )  # fmt: skip
    # The process has exited: both bans were sent, the first right after the commit and
    # the second HTTP_CACHE_PURGE_REPEAT_AFTER later.
    assert bans_added(varnish) - before == 2
    shows(varnish, pages["archived"], "Per Skript berichtigt.")
    hits(varnish, pages, "home", "recent", "imprint")
