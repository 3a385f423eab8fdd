"""Two people open the same article in Chromium: each learns that the other is there, the
second on opening the form, the first within a heartbeat, and nobody is held back."""

import re

import pytest
from django.contrib.auth.models import Group, Permission
from playwright.sync_api import Page, expect

from articles.admin import ArticleAdmin
from articles.groups import EDITOR_GROUP_NAME, GROUP_NAME, ensure_groups
from articles.models import Article, EditingPresence
from tests.browser import admin_login
from tests.factories import ArticleFactory
from tests.quality import axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "lang-genug-und-geheim-123"
TIMEOUT = 10_000


def member(django_user_model, username, first, last, group_name):
    user = django_user_model.objects.create_user(
        username, password=PASSWORD, is_staff=True, first_name=first, last_name=last
    )
    user.groups.add(Group.objects.get(name=group_name))
    return user


def test_colleagues_see_each_other_in_the_article_form(
    live_server, new_context, django_user_model, monkeypatch
):
    ensure_groups(Group, Permission)  # a transactional test starts without the groups
    member(django_user_model, "selin", "Selin", "Yılmaz", GROUP_NAME)
    member(django_user_model, "miriam", "Miriam", "Feld", EDITOR_GROUP_NAME)
    monkeypatch.setattr(ArticleAdmin, "presence_interval", 1)  # a heartbeat a second
    article = ArticleFactory(title="Neue Buslinie", status=Article.Status.DRAFT)
    url = f"{live_server.url}/admin/articles/article/{article.pk}/change/"

    def open_form(username: str) -> Page:
        page = new_context().new_page()
        page.set_default_timeout(TIMEOUT)
        admin_login(page, live_server.url, username, PASSWORD)
        page.goto(url)
        return page

    writer = open_form("selin")
    notice = writer.get_by_role("status").filter(has_text="bearbeitet")
    expect(notice).to_have_count(0)  # alone with the article

    editor = open_form("miriam")
    expect(editor.get_by_role("status").filter(has_text="bearbeitet")).to_have_text(
        re.compile(r"Selin Yılmaz \(seit \d\d:\d\d\) bearbeitet diesen Artikel gerade\.")
    )
    # The first learns of the second within a heartbeat, without reloading.
    expect(notice).to_have_text(
        re.compile(r"Miriam Feld \(seit \d\d:\d\d\) bearbeitet diesen Artikel gerade\.")
    )
    assert axe_violations(writer) == []

    # Nothing is locked: the writer saves as usual, which ends her visit to the form.
    writer.get_by_label("Überschrift:", exact=True).fill("Neue Buslinie ins Gewerbegebiet")
    writer.get_by_role("button", name="Sichern", exact=True).click()
    expect(writer.locator(".messagelist")).to_contain_text("erfolgreich")
    assert Article.objects.get().title == "Neue Buslinie ins Gewerbegebiet"
    assert list(EditingPresence.objects.values_list("user__username", flat=True)) == ["miriam"]
    expect(editor.get_by_role("status").filter(has_text="bearbeitet")).to_have_count(0)

    # Leaving the page removes one's presence.
    writer.goto(url)
    expect(editor.get_by_role("status").filter(has_text="bearbeitet")).to_have_text(
        re.compile(r"Selin Yılmaz \(seit \d\d:\d\d\) bearbeitet diesen Artikel gerade\.")
    )
    editor.goto(live_server.url + "/admin/")
    expect(notice).to_have_count(0)
    assert list(EditingPresence.objects.values_list("user__username", flat=True)) == ["selin"]
