"""The admin's start page: what waits for whom, with counts and links into the lists."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import formats, timezone
from lxml import html

from articles.models import Article, PendingChange
from tests.ads.factories import JobAdFactory
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db

Status = Article.Status
INDEX = reverse("admin:index")


def sections(client) -> dict[str, html.HtmlElement]:
    """The start page's sections by heading."""
    response = client.get(INDEX)
    assert response.status_code == 200
    page = html.fromstring(response.content.decode())
    return {s.findtext("h2"): s for s in page.xpath("//div[@class='newsroom-dashboard']/section")}


def count(section) -> str:
    return section.xpath("string(p[@class='dashboard-count'])")


def titles(section) -> list[str]:
    return [a.text_content() for a in section.xpath("ul/li/a")]


def show_all(section) -> str:
    return section.xpath("string(p[@class='dashboard-all']/a/@href)")


def listed(client, url) -> set[Article]:
    """What the changelist at `url` shows; an unknown filter would redirect to "?e=1"."""
    response = client.get(url)
    assert response.status_code == 200, url
    return set(response.context["cl"].result_list)


@pytest.fixture
def colleague(django_user_model):
    return django_user_model.objects.create_user("kollege", password="lang-genug-123")


def staff_client(django_user_model, username, group) -> Client:
    user = django_user_model.objects.create_user(username, password="lang-genug-123")
    user.is_staff = True
    user.save()
    user.groups.add(Group.objects.get(name=group))
    client = Client()
    client.force_login(user)
    return client


def test_my_drafts_leave_out_the_colleagues(admin_client, journalist, colleague):
    mine = ArticleFactory.create_batch(2, status=Status.DRAFT, created_by=journalist)
    theirs = ArticleFactory(status=Status.DRAFT, created_by=colleague)
    ArticleFactory(status=Status.REVIEW, created_by=journalist)

    drafts = sections(admin_client)["Meine Entwürfe"]

    assert count(drafts) == "2 Entwürfe"
    assert sorted(titles(drafts)) == sorted(a.title for a in mine)
    assert theirs.title not in titles(drafts)
    assert listed(admin_client, show_all(drafts)) == set(mine)


def test_review_queue_is_one_click_away(admin_client, journalist, colleague):
    waiting = [
        ArticleFactory(status=Status.REVIEW, created_by=colleague),
        ArticleFactory(status=Status.REVIEW, created_by=journalist),
    ]
    ArticleFactory(status=Status.DRAFT, created_by=journalist)
    ArticleFactory(status=Status.PUBLISHED)

    review = sections(admin_client)["Warten auf Prüfung"]

    assert count(review) == "2 Artikel warten"
    assert sorted(titles(review)) == sorted(a.title for a in waiting)
    assert "von kollege" in review.text_content()
    url = show_all(review)
    assert url.startswith(reverse("admin:articles_article_changelist"))
    assert listed(admin_client, url) == set(waiting)


def test_scheduled_and_recently_published_are_split_by_date(admin_client):
    now = timezone.now()
    tomorrow = ArticleFactory(published_at=now + timedelta(days=1))
    next_week = ArticleFactory(published_at=now + timedelta(days=7))
    today = ArticleFactory(published_at=now - timedelta(hours=2))
    yesterday = ArticleFactory(published_at=now - timedelta(days=1))
    last_month = ArticleFactory(published_at=now - timedelta(days=30))
    ArticleFactory(status=Status.WITHDRAWN, published_at=now - timedelta(hours=1))

    found = sections(admin_client)
    scheduled, recent = found["Geplant"], found["Kürzlich veröffentlicht"]

    assert count(scheduled) == "2 Artikel geplant"
    assert titles(scheduled) == [tomorrow.title, next_week.title]  # the next one first
    # Article.status_label: "Geplant (ab 26.11.2026, 06:00)"
    moment = formats.date_format(timezone.localtime(tomorrow.published_at), "d.m.Y, H:i")
    assert moment in scheduled.text_content()
    assert listed(admin_client, show_all(scheduled)) == {tomorrow, next_week}

    assert count(recent) == "2 Artikel in den letzten 7 Tagen"
    assert titles(recent) == [today.title, yesterday.title, last_month.title]  # newest first
    assert listed(admin_client, show_all(recent)) == {today, yesterday}


def test_corrections_waiting_for_approval(admin_client, colleague):
    article = ArticleFactory(title="Stadtrat beschließt Haushalt")
    for _ in range(2):
        PendingChange.objects.create(article=article, data={"title": "Neu"}, created_by=colleague)
    PendingChange.objects.create(
        article=ArticleFactory(), data={}, state=PendingChange.State.APPROVED
    )

    corrections = sections(admin_client)["Korrekturen zur Freigabe"]

    assert count(corrections) == "2 Korrekturen warten"
    assert titles(corrections) == [article.title, article.title]
    assert "von kollege" in corrections.text_content()
    assert listed(admin_client, show_all(corrections)) == set(PendingChange.objects.waiting())


def test_job_ads_waiting_for_moderation(admin_client):
    waiting = JobAdFactory(submitted=True)
    JobAdFactory()  # approved

    job_ads = sections(admin_client)["Stellenanzeigen zur Prüfung"]

    assert count(job_ads) == "1 Stellenanzeige wartet"
    assert titles(job_ads) == [str(waiting)]
    assert listed(admin_client, show_all(job_ads)) == {waiting}


def test_ad_staff_see_only_the_job_ads(django_user_model):
    ArticleFactory(status=Status.REVIEW)
    JobAdFactory(submitted=True)
    client = staff_client(django_user_model, "anzeigen", "Anzeigen")

    assert list(sections(client)) == ["Stellenanzeigen zur Prüfung"]


def test_newsroom_sees_articles_and_corrections_but_no_job_ads(django_user_model):
    JobAdFactory(submitted=True)
    client = staff_client(django_user_model, "reporterin", "Redaktion")

    assert list(sections(client)) == [
        "Meine Entwürfe",
        "Warten auf Prüfung",
        "Geplant",
        "Kürzlich veröffentlicht",
        "Korrekturen zur Freigabe",
    ]


def test_queries_do_not_grow_with_the_archive(admin_client, journalist, colleague):
    def add_articles(n):
        now = timezone.now()
        for i in range(n):
            ArticleFactory(status=Status.DRAFT, created_by=journalist)
            ArticleFactory(status=Status.REVIEW, created_by=colleague)
            ArticleFactory(published_at=now + timedelta(days=i + 1))
            article = ArticleFactory(published_at=now - timedelta(hours=i + 1))
            PendingChange.objects.create(article=article, data={}, created_by=colleague)
            JobAdFactory(submitted=True)

    def queries() -> int:
        admin_client.get(INDEX)  # fills the caches the site's context needs
        with CaptureQueriesContext(connection) as captured:
            assert admin_client.get(INDEX).status_code == 200
        return len(captured)

    add_articles(3)
    few = queries()
    add_articles(27)
    assert queries() == few
