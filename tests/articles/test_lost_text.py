"""No error loses a journalist's text: a lead image whose file is gone, a full disk, an
expired session or a stale security token each end in a German message, the text kept."""

import errno
import os
from types import SimpleNamespace

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from lxml import html as lxml_html
from playwright.sync_api import Page, expect

from articles.models import Article
from images.models import Image as LibraryImage
from tests.articles.test_admin import change_form_data
from tests.browser import admin_login
from tests.factories import ArticleFactory, ImageFactory, image_upload
from tests.newsroom.test_kept_uploads import library_form_data

pytestmark = pytest.mark.django_db

FULL = "Der Speicherplatz auf dem Server ist voll"
NOT_LOST = "Ihr Text ist nicht verloren"


# A full disk, as real as a test can make one: every file opened under MEDIA_ROOT (by
# Django's storage or anyone else) takes only `room` more bytes; the write that does not fit
# writes what fits and then fails with ENOSPC, as the kernel does. Patched is the OS
# boundary (os.fdopen), none of the project's code.


class _FileOnFullDisk:
    def __init__(self, file, disk):
        self._file, self._disk = file, disk

    def write(self, data):
        fits = data if self._disk.room is None else data[: self._disk.room]
        self._file.write(fits)
        self._file.flush()
        if self._disk.room is not None:
            self._disk.room -= len(fits)
        if len(fits) < len(data):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return len(data)

    def __getattr__(self, name):
        return getattr(self._file, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self._file.close()


def media_disk(settings, monkeypatch) -> SimpleNamespace:
    """The media disk: set `.room` to the bytes left on it (None: plenty, the default)."""
    disk = SimpleNamespace(room=None)
    media = str(settings.MEDIA_ROOT) + os.sep
    real_fdopen = os.fdopen

    def fdopen(fd, *args, **kwargs):
        file = real_fdopen(fd, *args, **kwargs)
        if os.readlink(f"/proc/self/fd/{fd}").startswith(media):
            return _FileOnFullDisk(file, disk)
        return file

    monkeypatch.setattr(os, "fdopen", fdopen)
    return disk


@pytest.fixture
def full_disk(settings, monkeypatch):
    return media_disk(settings, monkeypatch)


def media_files(settings) -> list[str]:
    root = settings.MEDIA_ROOT
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def errornote(response) -> str:
    tree = lxml_html.fromstring(response.content.decode())
    return " ".join(e.text_content() for e in tree.xpath("//*[contains(@class, 'errorlist')]"))


# A lead image whose file is gone (restored without media)


def test_an_article_whose_lead_image_file_is_missing_saves_with_a_warning(
    admin_client, client, settings
):
    image = ImageFactory(title="Marktplatz im Regen")
    article = ArticleFactory(title="Stadtfest", lead_image=image)
    os.remove(image.file.path)
    url = reverse("admin:articles_article_change", args=[article.pk])
    warning = "Die Datei des Aufmacherbilds „Marktplatz im Regen“ fehlt auf dem Server"

    opened = admin_client.get(url)
    assert warning in opened.content.decode()  # told on opening the form

    data = change_form_data(admin_client, article) | {"lead": "Drei Tage Musik am Markt."}
    response = admin_client.post(url, data, follow=True)
    assert response.redirect_chain[-1][0] == reverse("admin:articles_article_changelist")
    assert Article.objects.get().lead == "Drei Tage Musik am Markt."
    (message,) = [str(m) for m in response.context["messages"] if m.level_tag == "warning"]
    assert warning in message

    # Readers get the article; the picture's address answers 404, not a server error.
    page = client.get(article.get_absolute_url())
    assert page.status_code == 200 and b"Drei Tage Musik am Markt." in page.content
    src = lxml_html.fromstring(page.content).xpath("//main//picture//img/@src")[0]
    assert src.startswith(f"/media/renditions/{image.pk}/")
    assert client.get(src).status_code == 404


# A full disk: the image library's form (also the "+" beside the lead image), the editor's
# upload, the job-ad form (tests/ads/test_lost_text.py)


@pytest.mark.parametrize("popup", [False, True], ids=["library", "plus-beside-lead-image"])
def test_a_full_disk_shows_the_library_form_again_with_everything_typed(
    admin_client, settings, full_disk, popup
):
    full_disk.room = 2000  # the photo is larger: the write stops midway
    data = library_form_data(
        file=image_upload("marktplatz.jpg", size=(800, 600)),
        title="Markt am Morgen",
        alt_text="Marktstände im ersten Licht",
        caption="Der Wochenmarkt öffnet um sieben.",
    )
    if popup:
        data |= {"_popup": "1", "_to_field": "id"}
    response = admin_client.post(reverse("admin:images_image_add"), data)

    assert response.status_code == 200
    assert FULL in errornote(response) and NOT_LOST in errornote(response)
    form = lxml_html.fromstring(response.content.decode())
    assert form.get_element_by_id("id_title").get("value") == "Markt am Morgen"
    assert form.get_element_by_id("id_alt_text").get("value") == "Marktstände im ersten Licht"
    assert form.get_element_by_id("id_caption").get("value") == "Der Wochenmarkt öffnet um sieben."
    assert not LibraryImage.objects.exists()
    assert media_files(settings) == []  # no truncated photo, no temporary file

    # Room again: the same form, the photo chosen again, goes into the library whole.
    full_disk.room = None
    data["file"] = image_upload("marktplatz.jpg", size=(800, 600))
    response = admin_client.post(reverse("admin:images_image_add"), data)
    assert response.status_code in (200, 302) and "errornote" not in response.content.decode()
    image = LibraryImage.objects.get()
    assert (image.width, image.height) == (800, 600)
    assert media_files(settings) == [image.file.name]


def test_a_full_disk_during_an_editor_upload_answers_json(admin_client, settings, full_disk):
    full_disk.room = 100
    response = admin_client.post(
        reverse("articles:editor-upload"), {"upload": image_upload("bild.jpg")}
    )
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    assert FULL in response.json()["error"]["message"]  # CKEditor shows this to the editor
    assert not LibraryImage.objects.exists()
    assert media_files(settings) == []


def test_an_editor_upload_after_the_session_ended_answers_json(client):
    response = client.post(reverse("articles:editor-upload"), {"upload": image_upload()})
    assert response.status_code == 403
    assert "nicht mehr angemeldet" in response.json()["error"]["message"]


# A stale security token (the form was opened before a new login, or long ago)


def test_the_editor_upload_with_a_stale_token_answers_json(journalist):
    client = Client(enforce_csrf_checks=True)
    client.force_login(journalist)
    response = client.post(
        reverse("articles:editor-upload"),
        {"upload": image_upload()},
        headers={"X-CSRFToken": "x" * 32},
    )
    assert response.status_code == 403
    assert "Sitzung ist abgelaufen" in response.json()["error"]["message"]


def resend_form(response):
    """The refusal page's form: its address and the fields it sends."""
    tree = lxml_html.fromstring(response.content.decode())
    (form,) = tree.xpath("//form[@class='resend-form']")
    fields = {}
    for field in form.xpath(".//input[@type='hidden']"):
        fields.setdefault(field.get("name"), []).append(field.get("value"))
    return form.get("action"), fields


def test_an_article_saved_with_a_stale_token_is_offered_for_sending_again(journalist):
    article = ArticleFactory(title="Stadtfest", body="<p>Alt.</p>")
    client = Client(enforce_csrf_checks=True)
    client.force_login(journalist)
    url = reverse("admin:articles_article_change", args=[article.pk])
    data = change_form_data(client, article) | {
        "body": "<p>Drei Tage Musik, Tanz und Essen am Markt.</p>",
        "csrfmiddlewaretoken": "x" * 64,  # from before a new login in another tab
    }
    response = client.post(url, data, headers={"Origin": "http://testserver"})

    assert response.status_code == 403
    html = response.content.decode()
    assert "Das Formular konnte nicht gesendet werden" in html and NOT_LOST in html
    assert Article.objects.get().body == "<p>Alt.</p>"
    action, fields = resend_form(response)
    assert action == url
    assert fields["body"] == ["<p>Drei Tage Musik, Tanz und Essen am Markt.</p>"]
    assert fields["csrfmiddlewaretoken"] != ["x" * 64]  # a fresh one

    sent = {name: values if len(values) > 1 else values[0] for name, values in fields.items()}
    again = client.post(action, sent, headers={"Origin": "http://testserver"})
    assert again.status_code == 302
    assert Article.objects.get().body == "<p>Drei Tage Musik, Tanz und Essen am Markt.</p>"


def test_a_forged_cross_site_post_is_not_offered_for_sending(journalist):
    article = ArticleFactory(title="Stadtfest")
    client = Client(enforce_csrf_checks=True)
    client.force_login(journalist)
    url = reverse("admin:articles_article_change", args=[article.pk])
    data = change_form_data(client, article) | {"title": "Gefälscht", "csrfmiddlewaretoken": ""}
    response = client.post(url, data, headers={"Origin": "https://boese.example"})
    assert response.status_code == 403
    assert "resend-form" not in response.content.decode()
    assert "Gefälscht" not in response.content.decode()


def test_a_password_is_never_written_back_into_the_page(journalist):
    client = Client(enforce_csrf_checks=True)
    data = {"username": "redakteurin", "password": "geheim-und-lang-123", "csrfmiddlewaretoken": ""}
    response = client.post(reverse("admin:login"), data, headers={"Origin": "http://testserver"})
    assert response.status_code == 403
    assert "geheim-und-lang-123" not in response.content.decode()
    assert "resend-form" not in response.content.decode()


# The session ended while the form was open: the browser keeps the text (Chromium)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("ended", ["cookies-gone", "session-deleted"])
def test_saving_after_the_session_ended_keeps_the_text_until_logged_in_again(
    live_server, page: Page, django_user_model, ended
):
    password = "geheim-und-lang-123"
    django_user_model.objects.create_superuser("redakteurin", "r@example.org", password)
    article = ArticleFactory(title="Stadtfest", body="<p>Alt.</p>")
    admin_login(page, live_server.url, "redakteurin", password)
    page.goto(live_server.url + reverse("admin:articles_article_change", args=[article.pk]))
    page.get_by_label("Überschrift:", exact=True).fill("Stadtfest mit Rekord")
    editor = page.locator(".ck-editor__editable")
    editor.click()
    page.keyboard.press("Control+a")
    page.keyboard.type("Zwanzigtausend Gäste kamen zum Stadtfest.")

    if ended == "cookies-gone":
        page.context.clear_cookies()
    else:
        Session.objects.all().delete()
    page.locator("input[name=_continue]").click()

    note = page.locator("[data-autosave-not-sent]")
    expect(note).to_contain_text("Nicht gespeichert: Sie sind nicht mehr angemeldet.")
    expect(page.get_by_label("Überschrift:", exact=True)).to_have_value("Stadtfest mit Rekord")
    expect(editor).to_contain_text("Zwanzigtausend Gäste")
    assert Article.objects.get().title == "Stadtfest"

    # Logged in again in another tab (a new token too), the same form saves the text.
    with page.context.expect_page() as opened:
        note.get_by_role("link").click()
    login = opened.value
    login.get_by_label("Benutzername").fill("redakteurin")
    login.get_by_label("Passwort").fill(password)
    login.get_by_role("button", name="Anmelden").click()
    logout = login.get_by_role("link", name="Abmelden").or_(
        login.get_by_role("button", name="Abmelden")
    )
    expect(logout).to_be_visible()
    login.close()

    page.locator("input[name=_continue]").click()
    expect(page.locator(".messagelist")).to_contain_text("erfolgreich")
    saved = Article.objects.get()
    assert saved.title == "Stadtfest mit Rekord"
    assert "Zwanzigtausend Gäste kamen zum Stadtfest." in saved.body
