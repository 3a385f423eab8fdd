"""The notifications' screens as people use them: in Chromium (following the bell, replying
on the article), with axe finding nothing, and as valid HTML for the Nu checker."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse
from lxml import html as lxml_html
from playwright.sync_api import Page, expect

from articles.groups import EDITOR_GROUP_NAME, GROUP_NAME, ensure_groups
from articles.models import Article, StatusChange
from notifications.models import Notification
from tests.browser import admin_login
from tests.factories import STAFF_PASSWORD as PASSWORD
from tests.factories import ArticleFactory, AuthorFactory, member
from tests.quality import axe_violations, html_errors

TIMEOUT = 10_000  # ms


def own_violations(page) -> list[dict]:
    # Select2's list of chosen authors is not this feature's (a <ul> with a non-<li> child).
    return [
        v
        for v in axe_violations(page)
        if not (v["id"] == "list" and "select2" in str(v["targets"]))
    ]


def submitted(selin):
    article = ArticleFactory(
        title="Brücke gesperrt", status=Article.Status.REVIEW, created_by=selin,
        authors=[AuthorFactory(user=selin)],
    )  # fmt: skip
    StatusChange.objects.create(
        article=article, from_status="draft", to_status="review", user=selin,
        comment="Bitte die Zahlen prüfen.",
    )  # fmt: skip
    return article


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_editor_on_duty_follows_the_bell_and_replies(
    live_server, page: Page, django_user_model
):
    ensure_groups(Group, Permission)  # a transactional test starts without the groups
    selin, _client = member(django_user_model, "selin", GROUP_NAME)
    member(django_user_model, "miriam", EDITOR_GROUP_NAME)
    article = submitted(selin)
    page.set_default_timeout(TIMEOUT)
    admin_login(page, live_server.url, "miriam", PASSWORD)

    bell = page.get_by_role("link", name="Benachrichtigungen: 1 ungelesen")
    expect(bell).to_be_visible()
    bell.click()
    expect(page.get_by_role("heading", name="Benachrichtigungen")).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_role("link", name="E-Mail-Benachrichtigungen").click()
    expect(page.get_by_label("E-Mail-Benachrichtigungen")).to_be_checked()
    assert axe_violations(page) == []
    page.go_back()

    page.get_by_role("link", name="Selin hat „Brücke gesperrt“ zur Prüfung eingereicht.").click()
    expect(page.locator("#conversation")).to_contain_text("Bitte die Zahlen prüfen.")
    assert own_violations(page) == []
    page.get_by_label("Antwort", exact=True).fill("Die Zahl stammt vom Landratsamt, passt.")
    page.get_by_role("button", name="Antworten").click()
    expect(page.locator(".messagelist")).to_contain_text("Ihre Antwort ist gespeichert.")
    expect(page.locator("#conversation")).to_contain_text("Die Zahl stammt vom Landratsamt")
    expect(page.get_by_role("link", name="Benachrichtigungen", exact=True)).to_be_visible()
    assert Notification.objects.get(kind="comment").recipient == selin
    assert Article.objects.get(pk=article.pk).status == Article.Status.REVIEW  # untouched

    page.goto(live_server.url + "/admin/articles/article/?status__exact=review")
    expect(page.locator("td.field-review_comment")).to_contain_text("Bitte die Zahlen prüfen.")
    assert axe_violations(page) == []


@pytest.mark.django_db
def test_the_screens_are_valid_html(editor, trainee, tmp_path):
    _miriam, client = editor
    article = submitted(trainee[0])
    client.post(reverse("admin:articles_article_comment", args=[article.pk]), {"reply": "Passt."})
    urls = {
        "list": reverse("notifications:list"),
        "settings": reverse("notifications:settings"),
        "article": reverse("admin:articles_article_change", args=[article.pk]),
        "queue": reverse("admin:articles_article_changelist") + "?status__exact=review",
    }
    pages = {}
    for name, url in urls.items():
        response = client.get(url)
        assert response.status_code == 200, name
        pages[name] = response.content
    # Of the article's form only the workflow box with the conversation, in a page of its
    # own: the rest of the form is Django's and other features'.
    box = lxml_html.fromstring(pages.pop("article").decode()).xpath(
        "//section[contains(@class, 'workflow')]"
    )[0]
    pages["conversation"] = (
        '<!doctype html><html lang="de"><head><meta charset="utf-8"><title>Gespräch</title>'
        f"</head><body><form>{lxml_html.tostring(box, encoding='unicode')}</form></body></html>"
    ).encode()
    assert html_errors(pages, tmp_path) == []
