"""No lost work: the article form saves headline and text in the background, offers them
back after a crash, and warns before leaving with unsaved changes."""

import json
import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse
from playwright.sync_api import Page, expect

from articles.models import Article, Autosave
from tests.articles.test_admin import change_form_data
from tests.browser import admin_login
from tests.factories import ArticleFactory, CategoryFactory
from tests.newsroom.test_images import article_form_data

TYPED = {
    "title": "Neue Überschrift",
    "kicker": "Unterzeile",
    "lead": "Anreißer",
    "body": "<p>Noch nicht fertig.</p>",
}


def autosave_url(article=None) -> str:
    if article is None:
        return reverse("admin:articles_article_autosave_new")
    return reverse("admin:articles_article_autosave", args=[article.pk])


def change_url(article) -> str:
    return reverse("admin:articles_article_change", args=[article.pk])


def offered_data(html: str) -> dict | None:
    """The autosave the form embeds for restoring, if any."""
    found = re.search(
        r'<script id="article-autosave-data" type="application/json">(.*?)</script>', html
    )
    return json.loads(found.group(1)) if found else None


@pytest.mark.django_db
def test_autosave_keeps_the_text_and_changes_nothing_for_readers(admin_client, journalist, client):
    article = ArticleFactory(title="Stadtrat tagt", body="<p>Gesicherter Text.</p>")
    modified_at = article.modified_at

    response = admin_client.post(autosave_url(article), TYPED)

    assert response.status_code == 200
    answer = response.json()
    assert re.fullmatch(r"Automatisch gespeichert um \d\d:\d\d", answer["label"])
    autosave = Autosave.objects.get()
    assert (autosave.user, autosave.article, autosave.data) == (journalist, article, TYPED)
    assert answer["saved_at"] == autosave.saved_at.isoformat()
    article.refresh_from_db()
    assert (article.title, article.body, article.modified_at) == (
        "Stadtrat tagt",
        "<p>Gesicherter Text.</p>",
        modified_at,
    )
    page = client.get(article.get_absolute_url()).content.decode()
    assert "Stadtrat tagt" in page and "Neue Überschrift" not in page

    # The next round updates the same row.
    admin_client.post(autosave_url(article), {**TYPED, "body": "<p>Jetzt fertig.</p>"})
    assert Autosave.objects.get().data["body"] == "<p>Jetzt fertig.</p>"


@pytest.mark.django_db
def test_autosave_of_a_new_article_and_discarding_it(admin_client, journalist):
    assert admin_client.post(autosave_url(), TYPED).status_code == 200
    assert admin_client.post(autosave_url(), TYPED).status_code == 200
    assert Autosave.objects.get(user=journalist, article=None).data == TYPED
    assert not Article.objects.exists()

    response = admin_client.post(reverse("admin:articles_article_autosave_discard_new"))
    assert response.status_code == 200
    assert not Autosave.objects.exists()


@pytest.mark.django_db
def test_sizes_are_limited(admin_client):
    article = ArticleFactory()
    too_long = admin_client.post(autosave_url(article), {**TYPED, "title": "x" * 201})
    assert too_long.status_code == 400
    assert "Überschrift" in too_long.json()["error"]
    too_large = admin_client.post(autosave_url(article), {**TYPED, "body": "ü" * 300_000})
    assert too_large.status_code == 413
    assert not Autosave.objects.exists()


@pytest.mark.django_db
def test_change_form_offers_a_newer_autosave_but_not_an_older_one(admin_client, journalist):
    article = ArticleFactory(title="Stadtrat tagt")
    Autosave.objects.create(user=journalist, article=article, data=TYPED)

    html = admin_client.get(change_url(article)).content.decode()
    assert "Es gibt eine automatisch gespeicherte Fassung vom" in html
    assert "die neuer ist als die gespeicherte" in html
    assert offered_data(html) == TYPED
    assert "Wiederherstellen" in html and "Verwerfen" in html
    assert f'data-url="{autosave_url(article)}"' in html

    # Saved (by anyone) after the autosave: that one is outdated.
    Autosave.objects.update(saved_at=article.modified_at - timedelta(minutes=1))
    html = admin_client.get(change_url(article)).content.decode()
    assert "data-autosave-offer" not in html and offered_data(html) is None
    assert 'id="article-autosave"' in html  # autosaving itself goes on


@pytest.mark.django_db
def test_new_article_form_offers_the_users_own_autosave_only(
    admin_client, journalist, django_user_model
):
    colleague = django_user_model.objects.create_superuser("jonas", "j@example.org", "x-123-y")
    article = ArticleFactory()
    Autosave.objects.create(user=colleague, article=None, data={**TYPED, "title": "Von Jonas"})
    Autosave.objects.create(user=colleague, article=article, data={**TYPED, "title": "Jonas"})

    add_url = reverse("admin:articles_article_add")
    assert "data-autosave-offer" not in admin_client.get(add_url).content.decode()
    assert "data-autosave-offer" not in admin_client.get(change_url(article)).content.decode()

    Autosave.objects.create(user=journalist, article=None, data=TYPED)
    html = admin_client.get(add_url).content.decode()
    assert "automatisch gespeicherte Fassung eines neuen Artikels" in html
    assert offered_data(html) == TYPED


@pytest.mark.django_db
def test_only_who_may_change_the_article_autosaves(client, django_user_model):
    reader = django_user_model.objects.create_user("leser", password="x-123-y", is_staff=True)
    reader.user_permissions.add(Permission.objects.get(codename="view_article"))
    client.force_login(reader)
    article = ArticleFactory()

    assert client.post(autosave_url(article), TYPED).status_code == 403
    assert client.post(autosave_url(), TYPED).status_code == 403
    assert not Autosave.objects.exists()


@pytest.mark.django_db
def test_autosave_takes_only_posts_with_the_csrf_token(admin_client, journalist):
    article = ArticleFactory()
    assert admin_client.get(autosave_url(article)).status_code == 405

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(journalist)
    assert strict.post(autosave_url(article), TYPED).status_code == 403
    assert not Autosave.objects.exists()


@pytest.mark.django_db
def test_saving_the_article_deletes_the_autosave(admin_client, journalist, django_user_model):
    article = ArticleFactory(title="Stadtrat tagt", status=Article.Status.DRAFT)
    colleague = django_user_model.objects.create_superuser("jonas", "j@example.org", "x-123-y")
    data = change_form_data(admin_client, article)
    Autosave.objects.create(user=journalist, article=article, data=TYPED)
    Autosave.objects.create(user=colleague, article=article, data=TYPED)

    data["title"] = "Stadtrat tagt länger"
    response = admin_client.post(change_url(article), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert list(Autosave.objects.values_list("user", flat=True)) == [colleague.pk]

    # A new article takes the place of the "new article" autosave.
    Autosave.objects.create(user=journalist, article=None, data=TYPED)
    response = admin_client.post(
        reverse("admin:articles_article_add"), article_form_data(CategoryFactory(), status="draft")
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert not Autosave.objects.filter(user=journalist).exists()


@pytest.mark.django_db
def test_a_change_sent_for_approval_also_ends_the_autosave(client, django_user_model):
    from django.contrib.auth.models import Group

    from articles.groups import ensure_newsroom_group
    from articles.models import PendingChange

    writer = django_user_model.objects.create_user("selin", password="x-123-y", is_staff=True)
    writer.groups.add(ensure_newsroom_group(Group, Permission))  # may not publish
    client.force_login(writer)
    article = ArticleFactory(title="Stadtrat tagt")  # published: changes wait for approval
    data = change_form_data(client, article)
    assert client.post(autosave_url(article), TYPED).status_code == 200

    data["title"] = "Stadtrat tagt länger"
    assert client.post(change_url(article), data).status_code == 302
    assert PendingChange.objects.filter(article=article).exists()
    assert not Autosave.objects.exists()


# In Chromium: a crashed browser gets the text back.

PASSWORD = "geheim-und-lang-123"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_crashed_browser_gets_the_text_back(live_server, page: Page, django_user_model):
    django_user_model.objects.create_superuser("redakteurin", "r@example.org", PASSWORD)
    article = ArticleFactory(
        title="Stadtrat tagt", body="<p>Gesicherter Text.</p>", status=Article.Status.DRAFT
    )
    admin_login(page, live_server.url, "redakteurin", PASSWORD)

    page.goto(live_server.url + change_url(article))
    page.locator("#id_title").fill("Stadtrat tagt bis in die Nacht")
    page.locator(".ck-editor__editable").click()
    page.keyboard.press("Control+End")
    page.keyboard.press("Enter")
    page.keyboard.type("Die Sitzung dauerte bis Mitternacht.")
    assert page.evaluate("window.newsroomAutosave.saveNow()") is True
    expect(page.locator("[data-autosave-status]")).to_have_text(
        re.compile(r"Automatisch gespeichert um \d\d:\d\d")
    )
    saved = Autosave.objects.get(article=article).data
    assert "Die Sitzung dauerte bis Mitternacht." in saved["body"]
    article.refresh_from_db()
    assert article.title == "Stadtrat tagt"  # nothing saved for readers

    # Leaving with unsaved changes asks first; staying keeps the page.
    dialogs = []

    def stay(dialog):
        dialogs.append(dialog.type)
        dialog.dismiss()

    page.on("dialog", stay)
    page.locator("#site-name a").click()
    page.wait_for_timeout(500)
    assert dialogs == ["beforeunload"]
    assert page.url.endswith(change_url(article))
    page.remove_listener("dialog", stay)

    # The crash: the tab is gone without a word; a fresh one opens the article.
    fresh = page.context.new_page()
    page.close(run_before_unload=False)
    fresh.goto(live_server.url + change_url(article))
    offer = fresh.locator("[data-autosave-offer]")
    expect(offer).to_contain_text("Es gibt eine automatisch gespeicherte Fassung vom")
    expect(fresh.locator(".ck-editor__editable")).to_contain_text("Gesicherter Text.")
    offer.get_by_role("button", name="Wiederherstellen").click()  # CKEditor has one too (redo)
    expect(offer).to_have_count(0)
    expect(fresh.locator("#id_title")).to_have_value("Stadtrat tagt bis in die Nacht")
    expect(fresh.locator(".ck-editor__editable")).to_contain_text(
        "Die Sitzung dauerte bis Mitternacht."
    )
    # Restored, not saved: only the journalist's save does that, and then the autosave goes.
    article.refresh_from_db()
    assert article.title == "Stadtrat tagt"
    # Submitting asks nothing (an unanswered dialog would stop the navigation).
    fresh.locator("input[name=_save]").click()
    expect(fresh.locator(".messagelist")).to_contain_text("erfolgreich")
    article.refresh_from_db()
    assert article.title == "Stadtrat tagt bis in die Nacht"
    assert "Die Sitzung dauerte bis Mitternacht." in article.body
    assert not Autosave.objects.exists()
