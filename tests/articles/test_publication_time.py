"""An article is dated when it goes live, not when its form was opened (issue 26).

Redaktion opens "Artikel hinzufügen" at 03:13 and submits; the editor on duty publishes at
03:27 without touching the date: readers must read "03:27", and lists, feeds and the news
sitemap sort it above everything published in between. A date in the future schedules, a
date ticked "Datum so übernehmen (rückdatiert)" is backdated on purpose, and corrections
never move the date.
"""

import importlib
import re
from datetime import timedelta

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import formats, timezone

from articles import workflow
from articles.models import Article, PendingChange, StatusChange, TaggedArticle
from tests.articles.test_admin import change_form_data
from tests.articles.test_workflow import add_form, change_url
from tests.factories import ArticleFactory, AuthorFactory, CategoryFactory

pytestmark = pytest.mark.django_db

ADD = reverse("admin:articles_article_add")


def form_date(moment) -> dict:
    """The publication date as the admin's two inputs send it (local time)."""
    local = timezone.localtime(moment)
    return {"published_at_0": f"{local:%d.%m.%Y}", "published_at_1": f"{local:%H:%M:%S}"}


def feed_titles(client) -> list[str]:
    return re.findall(r"<item><title>([^<]+)</title>", client.get("/feed/rss/").content.decode())


def test_a_submitted_article_is_dated_when_the_editor_on_duty_publishes_it(trainee, editor, client):
    _writer, redaktion = trainee
    _cvd_user, cvd = editor
    category, author = CategoryFactory(), AuthorFactory()
    # The form was opened 14 minutes ago: its date field still holds that moment.
    opened = timezone.now() - timedelta(minutes=14)
    data = add_form(category, author, status="review", tags="Verkehr") | form_date(opened)
    assert redaktion.post(ADD, data).status_code == 302
    article = Article.objects.get()
    # Published by a colleague in between (5 minutes ago).
    ArticleFactory(title="Zwischendurch veröffentlicht", category=category,
                   published_at=timezone.now() - timedelta(minutes=5))  # fmt: skip

    before = timezone.now()
    data = change_form_data(cvd, article) | {"status": "published"}
    assert cvd.post(change_url(article), data).status_code == 302
    article.refresh_from_db()
    assert before <= article.published_at <= timezone.now()
    # Tag pages sort by the tag links' copy of the date: it follows.
    assert set(TaggedArticle.objects.values_list("listed_at", flat=True)) == {article.published_at}
    # Readers see the moment of publishing, and the article above the one from 5 minutes ago.
    page = client.get(article.get_absolute_url()).content.decode()
    assert formats.date_format(timezone.localtime(article.published_at), "j. F Y, H:i") in page
    assert feed_titles(client)[:2] == [article.title, "Zwischendurch veröffentlicht"]
    tag_page = client.get("/thema/verkehr/").content.decode()
    assert article.title in tag_page


def test_publishing_straight_from_the_add_form_dates_it_now(editor):
    _user, cvd = editor
    opened = timezone.now() - timedelta(minutes=20)
    data = add_form(CategoryFactory(), AuthorFactory(), status="published") | form_date(opened)
    before = timezone.now()
    assert cvd.post(ADD, data).status_code == 302
    assert Article.objects.get().published_at >= before


def test_a_date_kept_on_purpose_is_backdated(editor):
    _user, cvd = editor
    three_days_ago = (timezone.now() - timedelta(days=3)).replace(microsecond=0)
    data = add_form(CategoryFactory(), AuthorFactory(), status="published")
    data |= form_date(three_days_ago) | {"keep_published_at": "on"}
    assert cvd.post(ADD, data).status_code == 302
    assert Article.objects.get().published_at == three_days_ago


def test_the_checkbox_sits_beside_the_date_for_the_editor_on_duty_only(editor, trainee):
    _user, cvd = editor
    html = cvd.get(ADD).content.decode()
    assert "Datum so übernehmen (rückdatiert)" in html
    assert re.search(r'<input type="checkbox" name="keep_published_at"', html)
    # Redaktion cannot publish: the tick would mean nothing there.
    _writer, redaktion = trainee
    assert not re.search(
        r'type="checkbox" name="keep_published_at"', redaktion.get(ADD).content.decode()
    )


def test_a_future_date_schedules_and_is_kept(editor):
    _user, cvd = editor
    tomorrow = (timezone.now() + timedelta(days=1)).replace(microsecond=0)
    data = add_form(CategoryFactory(), AuthorFactory(), status="published") | form_date(tomorrow)
    assert cvd.post(ADD, data).status_code == 302
    article = Article.objects.get()
    assert article.published_at == tomorrow and article.is_scheduled


def test_republishing_a_withdrawn_article_keeps_its_date(editor):
    _user, cvd = editor
    first_live = timezone.now() - timedelta(days=2)
    article = ArticleFactory(status=Article.Status.WITHDRAWN, published_at=first_live)
    data = change_form_data(cvd, article) | {"status": "published"}
    assert cvd.post(change_url(article), data).status_code == 302
    article.refresh_from_db()
    assert article.is_public
    assert abs(article.published_at - first_live) < timedelta(seconds=1)


def test_corrections_never_move_the_date(editor, trainee):
    _user, cvd = editor
    writer, redaktion = trainee
    yesterday = (timezone.now() - timedelta(days=1)).replace(microsecond=0)
    article = ArticleFactory(title="Stadtrat tagt", published_at=yesterday)
    stored = Article.objects.get().published_at
    # The editor on duty corrects the headline directly.
    data = change_form_data(cvd, article) | {"title": "Stadtrat tagt am Montag"}
    assert cvd.post(change_url(article), data).status_code == 302
    assert Article.objects.get().published_at == stored
    # Redaktion's correction waits for approval; approving it keeps the date too.
    data = change_form_data(redaktion, article) | {"lead": "Neuer Anreißer."}
    assert redaktion.post(change_url(article), data).status_code == 302
    workflow.approve(PendingChange.objects.get(), _user)
    article = Article.objects.get()
    assert article.lead == "Neuer Anreißer." and article.published_at == stored


def test_the_rule_in_one_place():
    now = timezone.now()
    past, future = now - timedelta(minutes=14), now + timedelta(hours=3)
    moment = workflow.publication_moment
    assert moment("review", "published", past, now=now) == now
    assert moment(None, "published", past, now=now) == now
    assert moment("draft", "published", past, keep=True, now=now) == past
    assert moment("draft", "published", future, now=now) == future
    assert moment("withdrawn", "published", past, now=now) == past
    assert moment("published", "published", past, now=now) == past
    assert moment("draft", "review", past, now=now) == past


# --- The data fix (articles/migrations/0013) --------------------------------------------

fix = importlib.import_module("articles.migrations.0013_publication_time_fix")


def published_by_the_bug(*, opened_minutes_before: int, published_after: timedelta, **kwargs):
    """An article written with the form's default date and published `published_after` it."""
    article = ArticleFactory(status=Article.Status.REVIEW, tags=["Rathaus"], **kwargs)
    created = timezone.now() - timedelta(days=3)
    default = created - timedelta(minutes=opened_minutes_before)
    Article.objects.filter(pk=article.pk).update(created_at=created, published_at=default)
    step = StatusChange.objects.create(article=article, from_status="review", to_status="published")
    StatusChange.objects.filter(pk=step.pk).update(created_at=default + published_after)
    Article.objects.filter(pk=article.pk).update(status="published")
    TaggedArticle.objects.filter(content_object=article).update(listed_at=default)
    return Article.objects.get(pk=article.pk), default + published_after


def test_the_data_fix_moves_only_dates_the_history_proves_wrong():
    wrong, published = published_by_the_bug(
        opened_minutes_before=2, published_after=timedelta(minutes=14)
    )
    # Published within the minute: nothing to fix.
    quick, _ = published_by_the_bug(opened_minutes_before=0, published_after=timedelta(seconds=30))
    # Typed in on purpose days back (outside the form default's window): left alone.
    backdated, _ = published_by_the_bug(
        opened_minutes_before=3 * 24 * 60, published_after=timedelta(days=3)
    )
    # Withdrawn since: left alone.
    withdrawn, _ = published_by_the_bug(opened_minutes_before=1, published_after=timedelta(hours=2))
    Article.objects.filter(pk=withdrawn.pk).update(status="withdrawn")
    # First published after a withdrawal: not a first publication from draft or review.
    republished = ArticleFactory(tags=["Rathaus"])
    StatusChange.objects.create(article=republished, from_status="withdrawn", to_status="published")
    # No history at all (imported, generated): left alone.
    imported = ArticleFactory()
    untouched = {a.pk: Article.objects.get(pk=a.pk).published_at
                 for a in (quick, backdated, withdrawn, republished, imported)}  # fmt: skip

    fix.move_publication_dates(apps, None)

    wrong.refresh_from_db()
    assert wrong.published_at == published
    assert set(
        TaggedArticle.objects.filter(content_object=wrong).values_list("listed_at", flat=True)
    ) == {published}
    for pk, date in untouched.items():
        assert Article.objects.get(pk=pk).published_at == date
    # Run twice (a migration rerun on a copy): nothing moves further.
    fix.move_publication_dates(apps, None)
    assert Article.objects.get(pk=wrong.pk).published_at == published
