"""Concurrent editing: who else has an article open is said before anything happens, and a
colleague's save meanwhile is explained as information above the table of their changes."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from lxml import html as lxml_html

from articles.models import Article, EditingPresence
from tests.articles.test_admin import change_form_data
from tests.factories import ArticleFactory
from tests.quality import html_errors

pytestmark = pytest.mark.django_db


def presence_url(article) -> str:
    return reverse("admin:articles_article_presence", args=[article.pk])


def change_url(article) -> str:
    return reverse("admin:articles_article_change", args=[article.pk])


def colleague(django_user_model, username, first_name="", last_name=""):
    return django_user_model.objects.create_superuser(
        username, f"{username}@example.org", "lang-genug-123",
        first_name=first_name, last_name=last_name,
    )  # fmt: skip


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def at_9_14():
    return timezone.localtime().replace(hour=9, minute=14)


def notice(response) -> str:
    """The text of the presence region at the top of the form."""
    tree = lxml_html.fromstring(response.content.decode())
    (region,) = tree.find_class("article-presence")
    assert region.get("role") == "status"
    return " ".join(region.text_content().split())


def test_opening_an_article_says_who_else_has_it_open(admin_client, journalist, django_user_model):
    article = ArticleFactory()
    max_ = colleague(django_user_model, "max", "Max", "Muster")
    assert notice(admin_client.get(change_url(article))) == ""  # alone

    logged_in(max_).get(change_url(article))
    # Since when Max has it open: his first visit, kept while he stays.
    EditingPresence.objects.filter(user=max_).update(opened_at=at_9_14())
    logged_in(max_).get(change_url(article))
    assert notice(admin_client.get(change_url(article))) == (
        "Max Muster (seit 09:14) bearbeitet diesen Artikel gerade."
    )
    # Max sees the journalist too; nobody is kept out or held back.
    response = logged_in(max_).get(change_url(article))
    assert response.status_code == 200
    assert notice(response).startswith("redakteurin (seit ")
    assert 'name="_save"' in response.content.decode()

    # Someone not seen for a few minutes has left.
    EditingPresence.objects.filter(user=max_).update(seen_at=timezone.now() - timedelta(minutes=4))
    assert notice(admin_client.get(change_url(article))) == ""


def test_the_heartbeat_keeps_one_present_and_names_the_others(
    admin_client, journalist, django_user_model
):
    article = ArticleFactory()
    for username, first in (("max", "Max"), ("eva", "Eva")):
        logged_in(colleague(django_user_model, username, first, "Muster")).get(change_url(article))
    EditingPresence.objects.filter(user=journalist).delete()
    EditingPresence.objects.update(opened_at=at_9_14())

    answer = admin_client.post(presence_url(article)).json()
    assert answer == {
        "others": ["Max Muster (seit 09:14)", "Eva Muster (seit 09:14)"],
        "message": "Max Muster (seit 09:14) und Eva Muster (seit 09:14) bearbeiten diesen Artikel "
        "gerade.",
    }
    assert EditingPresence.objects.filter(article=article, user=journalist).exists()

    leave = reverse("admin:articles_article_presence_leave", args=[article.pk])
    assert admin_client.post(leave).status_code == 200
    assert not EditingPresence.objects.filter(user=journalist).exists()


def test_the_heartbeat_takes_only_posts_with_the_csrf_token_by_editors(
    admin_client, journalist, django_user_model
):
    article = ArticleFactory()
    assert admin_client.get(presence_url(article)).status_code == 405
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(journalist)
    assert strict.post(presence_url(article)).status_code == 403

    reader = django_user_model.objects.create_user("leser", password="x-123-y", is_staff=True)
    reader.user_permissions.add(Permission.objects.get(codename="view_article"))
    assert logged_in(reader).post(presence_url(article)).status_code == 403
    logged_in(reader).get(change_url(article))  # only looking: not editing
    assert not EditingPresence.objects.exists()


def test_the_form_costs_the_same_queries_however_many_are_present(admin_client, django_user_model):
    article = ArticleFactory()
    admin_client.get(change_url(article))  # the first visit creates one's own row
    logged_in(colleague(django_user_model, "max")).get(change_url(article))
    with CaptureQueriesContext(connection) as one:
        admin_client.get(change_url(article))
    for number in range(5):
        logged_in(colleague(django_user_model, f"kollege{number}")).get(change_url(article))
    with CaptureQueriesContext(connection) as six:
        response = admin_client.get(change_url(article))
    assert "kollege4" in notice(response)
    assert len(six.captured_queries) == len(one.captured_queries)


def test_saving_ends_ones_presence(admin_client, journalist):
    article = ArticleFactory(title="Alt", status=Article.Status.DRAFT)
    data = change_form_data(admin_client, article)
    assert EditingPresence.objects.filter(user=journalist).exists()
    data["title"] = "Neu"
    assert admin_client.post(change_url(article), data).status_code == 302
    assert not EditingPresence.objects.exists()


def test_an_edit_conflict_is_information_above_the_colleagues_changes(
    admin_client, journalist, django_user_model, tmp_path
):
    article = ArticleFactory(title="Erste Fassung", kicker="Alte Unterzeile")
    jonas = logged_in(colleague(django_user_model, "jonas", "Jonas", "Feldkamp"))
    mine, theirs = change_form_data(admin_client, article), change_form_data(jonas, article)
    theirs["kicker"] = "Neue Unterzeile von Jonas"
    assert jonas.post(change_url(article), theirs).status_code == 302

    mine["title"] = "Miriams Fassung"
    response = admin_client.post(change_url(article), mine)
    assert response.status_code == 200  # not saved on this round
    tree = lxml_html.fromstring(response.content.decode())
    assert not tree.find_class("errornote") and not tree.find_class("errorlist")
    (section,) = tree.find_class("edit-conflict")
    assert section.get("role") == "status" and "article-notice" in section.get("class")
    text, table = section.xpath("p")[0].text_content(), section.xpath("p/following::table")[0]
    assert text.strip().startswith("Jonas Feldkamp hat diesen Artikel um ")
    assert "Die Tabelle unten zeigt die anderen Änderungen" in text
    assert "Neue Unterzeile von Jonas" in table.text_content()
    assert Article.objects.get().title == "Erste Fassung"
    assert html_errors({"conflict": response.content}, tmp_path) == []

    # Saving again (the journalist has seen it) keeps both.
    assert (
        admin_client.post(change_url(article), response.context["adminform"].form.data).status_code
        == 302
    )
    saved = Article.objects.get()
    assert (saved.title, saved.kicker) == ("Miriams Fassung", "Neue Unterzeile von Jonas")
