"""The newsroom's workflow in the admin: roles, review, publishing gates and corrections."""

import json
import re
import time
from datetime import timedelta

import pytest
from django.contrib.admin.models import LogEntry
from django.urls import reverse
from django.utils import timezone

from articles.models import Article, PendingChange, StatusChange
from images.models import Image
from tests.articles.test_admin import change_form_data
from tests.factories import ArticleFactory, AuthorFactory, CategoryFactory, ImageFactory, member

pytestmark = pytest.mark.django_db


def add_form(category, author, **extra):
    data = {
        "title": "Neue Buslinie ins Gewerbegebiet", "slug": "neue-buslinie", "kicker": "",
        "lead": "Ab März fährt die Linie 12 bis zum Gewerbegebiet Nord.",
        "body": "<p>Die Stadtwerke haben den Fahrplan vorgestellt.</p>",
        "category": category.pk, "tags": "Verkehr", "authors": [author.pk],
        "lead_image": "", "lead_image_alt": "", "lead_image_caption": "",
        "status": "draft", "status_comment": "", "correction_note": "",
        "published_at_0": "25.11.2026", "published_at_1": "06:00:00",
    }  # fmt: skip
    data.update(extra)
    return data


def change_url(article):
    return reverse("admin:articles_article_change", args=[article.pk])


def test_redaktion_may_submit_for_review_but_not_publish(trainee):
    user, client = trainee
    category, author = CategoryFactory(), AuthorFactory()
    form = client.get(reverse("admin:articles_article_add")).context["adminform"].form
    assert [v for v, _label in form.fields["status"].widget.choices] == ["draft", "review"]

    # A crafted POST that publishes is refused and stores nothing.
    data = add_form(category, author, status="published")
    response = client.post(reverse("admin:articles_article_add"), data)
    assert response.status_code == 200
    assert "Chefs vom Dienst" in str(response.context["adminform"].form.errors)
    assert not Article.objects.exists()

    data = add_form(category, author, status="review", status_comment="Bitte Zahlen prüfen.")
    assert client.post(reverse("admin:articles_article_add"), data).status_code == 302
    article = Article.objects.get()
    assert article.status == "review" and article.created_by == user
    step = StatusChange.objects.get(article=article)
    assert (step.from_status, step.to_status, step.user) == ("draft", "review", user)
    assert step.comment == "Bitte Zahlen prüfen."
    # The record is on the article's admin page.
    html = client.get(change_url(article)).content.decode()
    assert "Verlauf des Status" in html and "Bitte Zahlen prüfen." in html

    # Withdrawing or publishing a draft by a crafted POST is refused as well.
    for status in ("published", "withdrawn"):
        data = change_form_data(client, article) | {"status": status}
        assert client.post(change_url(article), data).status_code == 200
        assert Article.objects.get().status == "review"


def test_the_editor_on_duty_publishes_schedules_and_withdraws(editor, client):
    user, cvd = editor
    article = ArticleFactory(status=Article.Status.REVIEW, title="Neue Buslinie")
    data = change_form_data(cvd, article) | {"status": "published", "status_comment": "Gut."}
    assert cvd.post(change_url(article), data).status_code == 302
    assert client.get(Article.objects.get().get_absolute_url()).status_code == 200

    data = change_form_data(cvd, article) | {"status": "withdrawn"}
    assert cvd.post(change_url(article), data).status_code == 302
    assert client.get(article.get_absolute_url()).status_code == 404
    steps = list(StatusChange.objects.filter(article=article).order_by("pk"))
    assert [(s.from_status, s.to_status) for s in steps] == [
        ("review", "published"),
        ("published", "withdrawn"),
    ]
    assert all(s.user == user for s in steps) and steps[0].comment == "Gut."


def test_a_scheduled_article_is_labelled_and_goes_live_at_its_moment(editor, client):
    _user, cvd = editor
    soon = timezone.now() + timedelta(seconds=2)
    article = ArticleFactory(title="Silvesterfeuerwerk", published_at=soon)
    listing = cvd.get(reverse("admin:articles_article_changelist")).content.decode()
    local = timezone.localtime(soon)
    assert f"Geplant (ab {local:%d.%m.%Y, %H:%M})" in listing
    preview = cvd.get(article.get_absolute_url()).content.decode()
    assert "Vorschau (Geplant (ab" in preview
    assert client.get(article.get_absolute_url()).status_code == 404
    assert "Silvesterfeuerwerk" not in client.get("/").content.decode()

    time.sleep(max(0, (soon - timezone.now()).total_seconds()) + 0.1)
    assert client.get(article.get_absolute_url()).status_code == 200
    assert "Silvesterfeuerwerk" in client.get("/").content.decode()


def test_publishing_lists_every_missing_item_at_once(editor):
    _user, cvd = editor
    category, author = CategoryFactory(), AuthorFactory()
    # Fresh uploads: the library has neither their credits nor (the lead's) alt text yet.
    lead_image = ImageFactory(alt_text="", credit="")
    photo = ImageFactory(title="Busbahnhof von oben", credit="")
    figure = f'<figure class="image"><img src="{photo.file.url}" alt=""></figure>'
    body = "<h3>Zu tief</h3><p>Text</p><h2>Gut</h2><h4>Übersprungen</h4>" + figure
    data = add_form(category, author, status="published", lead="", authors=[],
                    lead_image=lead_image.pk, lead_image_alt="", body=body)  # fmt: skip
    response = cvd.post(reverse("admin:articles_article_add"), data)
    assert response.status_code == 200
    errors = " ".join(response.context["adminform"].form.non_field_errors())
    for missing in ("einen Anreißer", "mindestens eine Autorin", "Alternativtext",
                    "Busbahnhof von oben"):  # fmt: skip
        assert missing in errors
    assert errors.count("Bildnachweis") == 2  # the lead image's and the photo's in the text
    assert "Ebene 1 folgt eine der Ebene 3" in errors
    assert "Ebene 2 folgt eine der Ebene 4" in errors
    assert not Article.objects.exists()

    # A draft may lack all of it.
    data.update(status="draft")
    assert cvd.post(reverse("admin:articles_article_add"), data).status_code == 302
    Article.objects.all().delete()

    # Credits given in the library, the alt text in the article's own words: published.
    for image in (lead_image, photo):
        image.credit = "Clara Weiß"
        image.save()
    data.update(status="published", lead="Ab März fährt die Linie 12.", authors=[author.pk],
                lead_image_alt="Ein Bus am Busbahnhof", body="<p>Text</p>" + figure)  # fmt: skip
    response = cvd.post(reverse("admin:articles_article_add"), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    article = Article.objects.get()
    assert article.is_public and article.lead_image == lead_image
    assert list(article.text_images.all()) == [photo]


def test_a_correction_by_redaktion_waits_for_approval(trainee, editor, client):
    _user, journalist = trainee
    _cvd_user, cvd = editor
    article = ArticleFactory(title="Rat beschließt Haushalt", body="<p>Der Rat stimmte zu.</p>")
    published = article.published_at

    data = change_form_data(journalist, article) | {
        "body": "<p>Der Rat stimmte mit 21 zu 4 Stimmen zu.</p>",
        "correction_note": "Das Abstimmungsergebnis fehlte.",
        "status": "withdrawn",  # crafted: the status is not the journalist's to change
    }
    response = journalist.post(change_url(article), data)
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.body == "<p>Der Rat stimmte zu.</p>" and article.status == "published"
    page = client.get(article.get_absolute_url()).content.decode()
    assert "21 zu 4" not in page and "Korrektur vom" not in page
    pending = PendingChange.objects.get()
    assert set(pending.data) == {"body", "correction_note"}

    # Redaktion cannot approve its own change, not even by a crafted POST.
    decide = reverse("admin:articles_pendingchange_change", args=[pending.pk])
    assert journalist.post(decide, {"approve": "1"}).status_code == 403
    assert PendingChange.objects.get().state == "pending"

    html = cvd.get(decide).content.decode()
    assert "21" in html and "Freigeben und veröffentlichen" in html
    assert cvd.post(decide, {"approve": "1"}).status_code == 302
    article.refresh_from_db()
    assert article.body == "<p>Der Rat stimmte mit 21 zu 4 Stimmen zu.</p>"
    assert article.updated_at and article.published_at == published
    page = client.get(article.get_absolute_url()).content.decode()
    local = timezone.localtime(article.updated_at)
    assert f"Korrektur vom {local:%d.%m.%Y}:" in page and "Das Abstimmungsergebnis fehlte." in page
    assert "Aktualisiert am" in page
    data_ld = json.loads(re.search(r'application/ld\+json">(.*?)</script>', page, re.S).group(1))
    assert data_ld["dateModified"] == local.isoformat()


def test_a_rejected_correction_needs_a_reason_and_changes_nothing(trainee, editor):
    _user, journalist = trainee
    _cvd_user, cvd = editor
    article = ArticleFactory(kicker="Alte Unterzeile")
    data = change_form_data(journalist, article) | {"kicker": "Falsche Unterzeile"}
    journalist.post(change_url(article), data)
    pending = PendingChange.objects.get()
    decide = reverse("admin:articles_pendingchange_change", args=[pending.pk])

    cvd.post(decide, {"reject": "1", "reason": ""}, follow=True)
    assert PendingChange.objects.get().state == "pending"
    cvd.post(decide, {"reject": "1", "reason": "Die Unterzeile stimmte."})
    pending.refresh_from_db()
    assert pending.state == "rejected" and pending.reason == "Die Unterzeile stimmte."
    assert Article.objects.get().kicker == "Alte Unterzeile"
    # The journalist sees the decision on the article's page.
    assert "Die Unterzeile stimmte." in journalist.get(change_url(article)).content.decode()


def test_a_new_lead_image_by_redaktion_needs_its_credit_and_waits_for_approval(
    trainee, editor, client
):
    _user, journalist = trainee
    _cvd_user, cvd = editor
    winter = ImageFactory(title="Rathaus im Winter")
    article = ArticleFactory(lead_image=winter)
    spring = ImageFactory(title="Rathaus im Frühling", credit="")  # credit still missing
    data = change_form_data(journalist, article) | {"lead_image": spring.pk}
    response = journalist.post(change_url(article), data)
    assert response.status_code == 200
    errors = " ".join(response.context["adminform"].form.non_field_errors())
    assert "einen Bildnachweis für das Aufmacherbild" in errors
    assert not PendingChange.objects.exists()

    spring.credit = "Clara Weiß"
    spring.save()
    assert journalist.post(change_url(article), data).status_code == 302
    assert Article.objects.get().lead_image == winter  # readers keep the live image
    pending = PendingChange.objects.get()
    assert set(pending.data) == {"lead_image"}
    decide = reverse("admin:articles_pendingchange_change", args=[pending.pk])
    html = cvd.get(decide).content.decode()
    assert "Rathaus im Winter" in html and "Rathaus im Frühling" in html
    assert cvd.post(decide, {"approve": "1"}).status_code == 302
    assert Article.objects.get().lead_image == spring
    assert "Foto: Clara Weiß" in client.get(article.get_absolute_url()).content.decode()


def test_a_lead_image_deleted_before_approval_is_not_applied(trainee, editor):
    _user, journalist = trainee
    _cvd_user, cvd = editor
    winter = ImageFactory(title="Rathaus im Winter")
    article = ArticleFactory(lead_image=winter)
    spring = ImageFactory(title="Rathaus im Frühling")
    data = change_form_data(journalist, article) | {"lead_image": spring.pk}
    journalist.post(change_url(article), data)
    pending = PendingChange.objects.get()
    # Nothing uses it yet: the editor on duty may delete it from the library.
    delete = reverse("admin:images_image_delete", args=[spring.pk])
    assert cvd.post(delete, {"post": "yes"}).status_code == 302
    assert not Image.objects.filter(pk=spring.pk).exists()
    decide = reverse("admin:articles_pendingchange_change", args=[pending.pk])
    response = cvd.post(decide, {"approve": "1"}, follow=True)
    assert "inzwischen aus der Bildbibliothek gelöscht" in response.content.decode()
    assert Article.objects.get().lead_image == winter
    assert PendingChange.objects.get().state == "pending"


def test_the_editor_on_duty_edits_a_live_article_directly(editor, client):
    _user, cvd = editor
    article = ArticleFactory(kicker="Alt")
    data = change_form_data(cvd, article) | {"kicker": "Neu"}
    assert cvd.post(change_url(article), data).status_code == 302
    assert not PendingChange.objects.exists()
    assert "Neu" in client.get(article.get_absolute_url()).content.decode()


def test_the_history_names_the_changed_field_in_german(admin_client):
    article = ArticleFactory(
        kicker="Alt", body="<p>Ein Link: <a href='https://example.org'>x</a></p>"
    )
    data = change_form_data(admin_client, article) | {"kicker": "Neu"}
    # CKEditor sends the text without the attributes the sanitizer adds: not a change.
    data["body"] = '<p>Ein Link: <a href="https://example.org">x</a></p>'
    assert admin_client.post(change_url(article), data).status_code == 302
    entry = LogEntry.objects.get(action_flag=2)
    assert entry.get_change_message() == "Unterzeile geändert."


def test_ad_staff_cannot_preview_drafts(django_user_model, client):
    _user, ads = member(django_user_model, "sabine", "Anzeigen")
    draft = ArticleFactory(status=Article.Status.DRAFT)
    assert ads.get(draft.get_absolute_url()).status_code == 404
    _user, journalist = member(django_user_model, "jonas", "Redaktion")
    assert journalist.get(draft.get_absolute_url()).status_code == 200


def test_demo_has_a_login_for_each_role(settings):
    import os

    from django.core.management import call_command

    with open(os.devnull, "w") as devnull:
        call_command("load_demo", demo_logins=True, stdout=devnull)
    from django.contrib.auth import authenticate
    from django.test import RequestFactory

    roles = {}
    for username in ("redaktion", "cvd", "anzeigen", "admin"):
        # A login always has a request: the login throttle counts by account and address.
        request = RequestFactory().post("/admin/login/")
        user = authenticate(request, username=username, password="newsroom-demo")
        assert user is not None and user.is_staff
        roles[username] = (user.is_superuser, [g.name for g in user.groups.all()])
    assert roles == {
        "redaktion": (False, ["Redaktion"]),
        "cvd": (False, ["Chef vom Dienst"]),
        "anzeigen": (False, ["Anzeigen"]),
        "admin": (True, []),
    }


def test_demo_creates_no_logins_with_a_public_password_when_debug_is_off(settings):
    import io

    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    settings.DEBUG = False
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    assert not get_user_model().objects.filter(username__in=["redaktion", "admin"]).exists()
    assert "No demo logins created" in out.getvalue()
    assert "newsroom-demo" not in out.getvalue()
