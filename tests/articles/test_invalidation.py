"""Which pages a save bans in the proxy (articles/invalidation.py): exactly those that show
what changed. The bans are what the purge backend receives (the interface a Varnish or a
CDN adapter implements); tests/proxy/test_invalidation.py checks the same through Varnish."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from ads.models import JobAd
from articles.models import Article
from newsroom import caching
from tests.ads.factories import BannerFactory, JobAdFactory
from tests.factories import ArticleFactory, AuthorFactory, CategoryFactory, ImageFactory

pytestmark = pytest.mark.django_db

BANS: list[set[str]] = []


class RecordingPurger:
    """A purge backend that keeps what it was asked to ban."""

    def __init__(self, urls):
        pass

    def purge(self, tags):
        BANS.append(set(tags))


@pytest.fixture
def bans(settings, django_capture_on_commit_callbacks):
    """Run the block, commit it, and return the tags banned (the first of the two bans)."""
    settings.HTTP_CACHE_PURGE_URLS = ["http://proxy.invalid/"]
    settings.HTTP_CACHE_PURGE_BACKEND = f"{__name__}.RecordingPurger"
    settings.HTTP_CACHE_PURGE_REPEAT_AFTER = 0

    class Catch:
        def __enter__(self):
            BANS.clear()
            # The setup's own changes were never committed (a test's transaction): not ours.
            caching._pending.__dict__.clear()
            self.commit = django_capture_on_commit_callbacks(execute=True)
            self.commit.__enter__()
            return self

        def __exit__(self, *exc):
            self.commit.__exit__(*exc)
            self.tags = set().union(*BANS)

    return Catch


@pytest.fixture
def archived(db):
    """A published article from half a year ago, in a subsection, with a tag and an author."""
    parent = CategoryFactory(name="Lindenau", slug="lindenau")
    section = CategoryFactory(name="Rathaus", slug="rathaus", parent=parent)
    article = ArticleFactory(
        category=section,
        published_at=timezone.now() - timedelta(days=180),
        tags=["Haushalt"],
    )
    return Article.objects.get(pk=article.pk)


def test_a_save_that_changes_nothing_readers_see_bans_nothing(archived, bans):
    with bans() as ban:
        archived.save()
        archived.refresh_from_db()
        archived.created_by = None
        archived.save()
    assert ban.tags == set()


def test_drafts_ban_nothing(bans):
    draft = ArticleFactory(status=Article.Status.DRAFT)
    with bans() as ban:
        draft.title = "Noch geheim"
        draft.body = "<p>Entwurf</p>"
        draft.save()
    assert ban.tags == set()


def test_a_correction_of_the_text_bans_its_page_but_no_list(archived, bans):
    with bans() as ban:
        archived.body = "<p>Der berichtigte Text.</p>"
        archived.correction_note = "Eine Zahl war falsch."
        archived.save()
    pk = archived.pk
    assert ban.tags == {f"a-{pk}", "feed", "sitemap", "search"}
    # Not the home page, its section, the "Neueste Artikel" box, or its cards.
    assert not ban.tags & {"home", "latest", f"l-{pk}", "all", "list"}


def test_the_text_of_an_article_without_teaser_is_on_its_cards(archived, bans):
    Article.objects.filter(pk=archived.pk).update(lead="")
    archived.refresh_from_db()
    with bans() as ban:
        archived.body = "<p>Ein anderer Anfang.</p>"
        archived.save()
    assert f"l-{archived.pk}" in ban.tags and "home" not in ban.tags


def test_a_new_headline_bans_every_page_showing_the_article_but_no_list_as_such(archived, bans):
    with bans() as ban:
        archived.title = "Haushalt beschlossen"
        archived.save()
    pk = archived.pk
    assert ban.tags == {f"a-{pk}", f"l-{pk}", "feed", "sitemap", "search"}


def test_publishing_bans_the_lists_it_joins_and_never_other_articles(archived, bans):
    author = AuthorFactory()
    draft = ArticleFactory(
        status=Article.Status.DRAFT, category=archived.category, authors=[author], tags=["Kita"]
    )
    draft = Article.objects.get(pk=draft.pk)
    with bans() as ban:
        draft.status = Article.Status.PUBLISHED
        draft.published_at = timezone.now()
        draft.save()
    section, parent = archived.category, archived.category.parent
    kita = draft.tags.get()
    assert ban.tags == {
        f"a-{draft.pk}", f"l-{draft.pk}", "home", "latest", "missing", "feed", "sitemap",
        "search", f"section-{section.pk}", f"section-{parent.pk}", f"tag-{kita.pk}",
        f"author-{author.pk}",
    }  # fmt: skip
    assert f"a-{archived.pk}" not in ban.tags and "all" not in ban.tags


def test_withdrawing_and_moving_ban_the_lists_it_leaves(archived, bans):
    section, parent = archived.category, archived.category.parent
    elsewhere = CategoryFactory(name="Sport", slug="sport")
    with bans() as ban:
        archived.category = elsewhere
        archived.save()
    # The section it left (and that one's parent) and the one it joined.
    assert {f"section-{section.pk}", f"section-{parent.pk}", f"section-{elsewhere.pk}"} <= ban.tags
    with bans() as ban:
        archived.status = Article.Status.WITHDRAWN
        archived.save()
    assert {"home", "latest", f"l-{archived.pk}", f"a-{archived.pk}"} <= ban.tags


def test_a_scheduled_article_bans_nothing_until_its_time_or_place_changes(bans):
    scheduled = ArticleFactory(published_at=timezone.now() + timedelta(hours=3))
    scheduled = Article.objects.get(pk=scheduled.pk)
    with bans() as ban:
        scheduled.body = "<p>Noch nicht öffentlich.</p>"
        scheduled.save()
    assert ban.tags == set()
    with bans() as ban:
        scheduled.published_at = timezone.now() + timedelta(hours=1)
        scheduled.save()
    # The lists it will join end at its time: made again now, they end an hour earlier.
    assert {"home", "latest", f"section-{scheduled.category_id}"} <= ban.tags
    assert f"a-{scheduled.pk}" not in ban.tags


def test_tags_added_to_an_article_ban_their_pages(archived, bans):
    with bans() as ban:
        archived.tags.add("Radverkehr")
    radverkehr = archived.tags.get(name="Radverkehr")
    assert ban.tags == {f"a-{archived.pk}", f"tag-{radverkehr.pk}", "feed", "sitemap", "search"}


def test_an_image_credit_bans_the_articles_that_show_the_image(archived, bans):
    image = ImageFactory()
    Article.objects.filter(pk=archived.pk).update(lead_image=image)
    other = ArticleFactory()
    with bans() as ban:
        image.credit = "Foto: Jana Beispiel"
        image.save()
    assert {f"a-{archived.pk}", f"l-{archived.pk}"} <= ban.tags
    assert f"a-{other.pk}" not in ban.tags and "all" not in ban.tags


def test_a_job_ad_bans_the_job_pages_and_boxes_not_every_page(bans):
    job = JobAdFactory(submitted=True)
    with bans() as ban:
        job.status = JobAd.Status.APPROVED
        job.save()
    # The job pages and lists, and the boxes showing it; not "ads": banners are on every page.
    assert ban.tags == {"jobs", f"job-{job.pk}"}
    with bans() as ban:
        BannerFactory()
    assert ban.tags == {"ads"}  # banners are on every page


def test_saving_the_admin_form_unchanged_bans_nothing(admin_client, archived, bans):
    """The editor opens an old article and presses „Sichern“ without a change."""
    from tests.articles.test_admin import change_form_data

    url = reverse("admin:articles_article_change", args=[archived.pk])
    data = change_form_data(admin_client, archived)
    with bans() as ban:
        response = admin_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert ban.tags == set()


def test_an_article_page_follows_its_boxes_members_but_no_newcomers(client, archived):
    """Below every article: „Meistgelesen“, „Unsere Empfehlung“, „Neueste Artikel“. The page
    carries the tags of what they show, so a change to one of those bans it; publishing
    (`latest`, `list`) or a new job ad (`jobs`) bans no article page."""
    job = JobAdFactory()
    newest = ArticleFactory(title="Neueste Meldung")
    response = client.get(archived.get_absolute_url())
    assert "Neueste Meldung" in response.text and job.title in response.text
    tags = set(response["Cache-Tags"].split())
    assert {f"a-{archived.pk}", f"l-{newest.pk}", f"job-{job.pk}"} <= tags
    assert not tags & {"latest", "list", "jobs", "home"}
    # The home page lists articles and new jobs (its sidebar): banned by both.
    assert {"list", "home", "jobs"} <= set(client.get("/")["Cache-Tags"].split())
