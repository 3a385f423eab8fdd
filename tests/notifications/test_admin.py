"""The notifications in the admin: the bell in the header, the list, the conversation on an
article and the review queue."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from lxml import html as lxml_html

from articles.models import Article, ArticleComment, StatusChange
from notifications.models import Notification
from tests.factories import ArticleFactory, AuthorFactory, member

pytestmark = pytest.mark.django_db

INDEX = reverse("admin:index")
LIST = reverse("notifications:list")
CHANGELIST = reverse("admin:articles_article_changelist")


def tree(response):
    return lxml_html.fromstring(response.content.decode())


def bell(client):
    link = tree(client.get(INDEX)).xpath("//div[@id='user-tools']//a[@class='notification-bell']")
    assert len(link) == 1
    return " ".join(link[0].text_content().split()), link[0].get("href")


def notify(user, n, article=None, start=None):
    """`n` notifications for `user`, a minute apart, the newest at `start` (now)."""
    article = article or ArticleFactory(title="Brücke gesperrt")
    start = start or timezone.now()
    return Notification.objects.bulk_create(
        Notification(recipient=user, kind="submitted", article=article,
                     created_at=start - timedelta(minutes=i))
        for i in range(n)
    )  # fmt: skip


def test_the_header_shows_the_unread_count(editor):
    miriam, client = editor
    assert bell(client) == ("Benachrichtigungen", LIST)
    notify(miriam, 3)
    Notification.objects.filter(pk=Notification.objects.first().pk).update(read_at=timezone.now())
    assert bell(client) == ("Benachrichtigungen: 2 ungelesen", LIST)
    notify(miriam, 120)
    assert bell(client) == ("Benachrichtigungen: 99+ ungelesen", LIST)


def test_the_count_costs_one_query_whatever_the_number(editor, trainee):
    miriam, client = editor

    def queries():
        client.get(INDEX)  # the caches of the site's context, and this minute's mail check
        with CaptureQueriesContext(connection) as captured:
            assert client.get(INDEX).status_code == 200
        return [q["sql"] for q in captured if "notifications_" in q["sql"]], len(captured)

    notify(miriam, 2)
    few, total_few = queries()
    notify(miriam, 40)
    notify(trainee[0], 40)
    many, total_many = queries()
    assert len(few) == len(many) == 1 and total_few == total_many


def test_the_list_is_newest_first_paginated_and_opening_marks_read(editor, django_user_model):
    miriam, client = editor
    older = ArticleFactory(title="Alte Meldung")
    notify(miriam, 1, article=older, start=timezone.now() - timedelta(days=1))
    newest = notify(miriam, 30)
    page = tree(client.get(LIST))
    items = page.xpath("//ol[@class='notification-list']/li")
    assert len(items) == 25
    assert "Brücke gesperrt" in items[0].text_content()
    assert "Neu" in items[0].text_content()
    second = tree(client.get(LIST, {"page": 2}))
    assert "Alte Meldung" in second.xpath("//ol/li")[-1].text_content()

    link = items[0].xpath(".//a")[0].get("href")
    response = client.get(link)
    assert response.status_code == 302
    assert response.url == reverse("admin:articles_article_change", args=[newest[0].article_id])
    assert bell(client)[0] == "Benachrichtigungen: 30 ungelesen"
    # Only one's own.
    _other, other_client = member(django_user_model, "tom")
    assert other_client.get(link).status_code == 404


def test_mark_all_as_read_is_a_post(editor):
    miriam, client = editor
    notify(miriam, 3)
    url = reverse("notifications:read-all")
    page = tree(client.get(LIST))
    assert page.xpath(f"//form[@action='{url}'][@method='post']//button/text()") == [
        "Alle als gelesen markieren"
    ]
    assert page.xpath("//a[text()='E-Mail-Benachrichtigungen']/@href") == [
        reverse("notifications:settings")
    ]
    assert client.get(url).status_code == 405
    assert client.post(url).status_code == 302
    assert bell(client)[0] == "Benachrichtigungen"
    assert "Alle als gelesen markieren" not in client.get(LIST).content.decode()


def test_pages_need_staff_login(client):
    for url in (LIST, reverse("notifications:settings")):
        assert client.get(url).status_code == 302


# The conversation on an article


def test_redaktion_and_cvd_talk_on_the_article(trainee, editor, django_capture_on_commit_callbacks):
    selin, writer = trainee
    miriam, cvd = editor
    article = ArticleFactory(
        title="Brücke gesperrt", status=Article.Status.REVIEW, created_by=selin,
        authors=[AuthorFactory(user=selin)],
    )  # fmt: skip
    step = StatusChange.objects.create(
        article=article, from_status="draft", to_status="review", user=selin,
        comment="Bitte die Zahlen prüfen.",
    )  # fmt: skip
    change = reverse("admin:articles_article_change", args=[article.pk])
    reply = reverse("admin:articles_article_comment", args=[article.pk])

    # The editor on duty sees the submission's comment with who and when, and answers.
    page = tree(cvd.get(change))
    box = page.xpath("//section[@id='conversation']")[0]
    assert "Selin" in box.text_content() and "Bitte die Zahlen prüfen." in box.text_content()
    textarea = page.xpath("//label[text()='Antwort']/@for")[0]
    button = page.xpath("//button[text()='Antworten']")[0]
    assert page.xpath(f"//textarea[@id='{textarea}']/@name") == ["reply"]
    # A form of its own, outside the article's: replying never sends the article.
    assert button.xpath("ancestor::form/@action") == [reply]
    assert not button.xpath("ancestor::form[@id='article_form']")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = cvd.post(reply, {"reply": "Die Zahl stammt vom Landratsamt, passt."})
    assert response.status_code == 302 and response.url == f"{change}#conversation"
    assert [m.to for m in mail.outbox] == [["selin@example.org"]]
    assert "Miriam hat zu „Brücke gesperrt“ geantwortet." in mail.outbox[0].subject

    # Selin sees it in order, and her answer reaches the editor on duty.
    text = " ".join(
        tree(writer.get(change)).xpath("//section[@id='conversation']")[0].text_content().split()
    )
    assert text.index("Bitte die Zahlen prüfen.") < text.index("Die Zahl stammt vom Landratsamt")
    assert step.created_at.astimezone(timezone.get_current_timezone()).strftime("%d.%m.%Y") in text
    with django_capture_on_commit_callbacks(execute=True):
        writer.post(reply, {"reply": "Danke!"})
    assert Notification.objects.get(recipient=miriam, kind="comment").text == "Danke!"
    assert not Notification.objects.filter(recipient=selin, text="Danke!").exists()
    assert list(ArticleComment.objects.values_list("user__username", "text")) == [
        ("miriam", "Die Zahl stammt vom Landratsamt, passt."),
        ("selin", "Danke!"),
    ]


def test_replying_needs_the_right_to_change_the_article_and_csrf(editor, django_user_model):
    miriam, cvd = editor
    article = ArticleFactory()
    reply = reverse("admin:articles_article_comment", args=[article.pk])
    viewer, viewer_client = member(django_user_model, "leser")
    viewer.user_permissions.add(Permission.objects.get(codename="view_article"))
    assert viewer_client.post(reply, {"reply": "Hallo"}).status_code == 403
    assert cvd.get(reply).status_code == 405
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(miriam)
    assert strict.post(reply, {"reply": "Hallo"}).status_code == 403
    assert cvd.post(reply, {"reply": "   "}).status_code == 302  # nothing to keep
    assert not ArticleComment.objects.exists()


# The review queue


def review_queue(client):
    return client.get(CHANGELIST, {"status__exact": "review"})


def waiting(n, user):
    for i in range(n):
        article = ArticleFactory(status=Article.Status.REVIEW, title=f"Wartet {i}")
        StatusChange.objects.create(article=article, from_status="draft", to_status="review",
                                    user=user, comment=f"Bitte prüfen ({i}).")  # fmt: skip


def test_the_review_queue_shows_since_when_and_the_comment(editor, trainee):
    selin, _client = trainee
    _miriam, cvd = editor
    waiting(1, selin)
    two_hours_ago = timezone.now() - timedelta(hours=2, minutes=5)
    StatusChange.objects.update(created_at=two_hours_ago)
    page = tree(review_queue(cvd))
    since = page.xpath("//td[contains(@class, 'field-waiting_since')]")[0]
    local = timezone.localtime(two_hours_ago)
    assert since.text_content() == f"{local:%d.%m., %H:%M} (2 Std.)"
    assert page.xpath("//th[contains(@class, 'column-waiting_since')]//text()")
    comment = page.xpath("//td[contains(@class, 'field-review_comment')]")[0]
    assert comment.text_content() == "Selin: „Bitte prüfen (0).“"
    # The other lists stay as they were.
    assert b"field-waiting_since" not in cvd.get(CHANGELIST).content


def test_the_review_queue_costs_the_same_queries_for_3_and_30(editor, trainee):
    _miriam, cvd = editor

    def count():
        review_queue(cvd)
        with CaptureQueriesContext(connection) as captured:
            assert review_queue(cvd).status_code == 200
        return len(captured)

    waiting(3, trainee[0])
    few = count()
    waiting(27, trainee[0])
    assert count() == few
