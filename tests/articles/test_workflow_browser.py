"""The newsroom's workflow in Chromium: a "Redaktion" member writes and submits an article,
the "Chef vom Dienst" reviews, corrects and publishes it, and the Redaktion member's later
change to the live article waits for approval before readers see it."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.utils import timezone
from playwright.sync_api import Page, expect

from articles.groups import EDITOR_GROUP_NAME, GROUP_NAME, ensure_groups
from articles.models import Article, PendingChange, StatusChange
from tests.browser import admin_login
from tests.factories import AuthorFactory, CategoryFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "lang-genug-und-geheim-123"
TIMEOUT = 10_000  # ms, for anything that waits on a page load or a save

HEADLINE = "Neue Buslinie ins Gewerbegebeit"  # the typo the Chef vom Dienst corrects
CORRECTED = "Neue Buslinie ins Gewerbegebiet"
FIRST_TEXT = "Ab März fährt die Linie 12 bis zum Gewerbegebiet Nord."
LATER_TEXT = "Die erste Fahrt beginnt um 5.12 Uhr am Hauptbahnhof."
NOTE = "Die Abfahrtszeit der ersten Fahrt wurde ergänzt."


def member(django_user_model, username, group_name):
    user = django_user_model.objects.create_user(
        username, password=PASSWORD, is_staff=True, first_name=username.title()
    )
    user.groups.add(Group.objects.get(name=group_name))
    return user


def log_in(page: Page, live_server, username: str) -> Page:
    page.set_default_timeout(TIMEOUT)  # a missing element fails soon, not after 30 s
    return admin_login(page, live_server.url, username, PASSWORD)


def choose(page: Page, field: str, search: str, option: str) -> None:
    """Pick `option` in the admin's autocomplete (select2) widget of `field`."""
    page.locator(f".field-{field} .select2-selection").click()
    page.locator(
        f".select2-container--open .select2-search__field, .field-{field} .select2-search__field"
    ).first.fill(search)
    page.locator(".select2-results__option", has_text=option).click()
    expect(page.locator(f".field-{field} .select2-selection")).to_contain_text(option)


def save(page: Page) -> None:
    page.get_by_role("button", name="Sichern", exact=True).click()


@pytest.fixture
def newsroom(django_user_model):
    # A transactional test starts with an empty database: the migrations' groups are gone.
    ensure_groups(Group, Permission)
    return (
        member(django_user_model, "selin", GROUP_NAME),
        member(django_user_model, "miriam", EDITOR_GROUP_NAME),
    )


def test_an_article_goes_through_review_and_a_later_change_waits_for_approval(
    live_server, page: Page, new_context, newsroom
):
    trainee, editor = newsroom
    town = CategoryFactory(name="Lindenau", slug="lindenau")
    CategoryFactory(name="Verkehr", slug="verkehr", parent=town)
    AuthorFactory(name="Selin Yılmaz", slug="selin-yilmaz")

    # --- The Redaktion member writes the article and submits it for review.
    writer = log_in(page, live_server, "selin")
    writer.goto(live_server.url + "/admin/articles/article/add/")
    writer.get_by_label("Überschrift:", exact=True).fill(HEADLINE)
    writer.get_by_label("Kürzel für die Adresse:").fill("neue-buslinie")
    choose(writer, "category", "Verkehr", "Verkehr")
    editor_area = writer.locator(".ck-editor__editable")
    editor_area.click()
    writer.keyboard.type(FIRST_TEXT)
    expect(editor_area).to_contain_text(FIRST_TEXT)
    writer.get_by_label("Anreißer:").fill("Die Linie 12 fährt bald bis zum Gewerbegebiet Nord.")
    choose(writer, "authors", "Selin", "Selin Yılmaz")
    status = writer.get_by_label("Status:", exact=True)
    # Publishing is not hers to choose.
    expect(status.locator("option")).to_have_text(["Entwurf", "In Prüfung"])
    status.select_option(label="In Prüfung")
    writer.get_by_label("Kommentar zur Statusänderung:").fill("Bitte die Uhrzeiten prüfen.")
    save(writer)
    expect(writer.locator(".messagelist")).to_contain_text("erfolgreich", timeout=TIMEOUT)

    article = Article.objects.get()
    assert article.status == Article.Status.REVIEW
    assert article.created_by == trainee

    # --- The Chef vom Dienst finds it on the start page, corrects and publishes it.
    # Each role in a browser of its own (pytest-playwright's new_context closes them).
    cvd = log_in(new_context().new_page(), live_server, "miriam")
    cvd.goto(live_server.url + "/admin/")
    waiting = cvd.get_by_role("region", name="Warten auf Prüfung")
    waiting.get_by_role("link", name=HEADLINE).click()
    expect(cvd.get_by_role("heading", name="Status: In Prüfung")).to_be_visible(timeout=TIMEOUT)
    cvd.get_by_text("Verlauf des Status").click()
    expect(cvd.get_by_role("cell", name="Bitte die Uhrzeiten prüfen.")).to_be_visible()
    cvd.get_by_label("Überschrift:", exact=True).fill(CORRECTED)
    cvd.get_by_label("Status:", exact=True).select_option(label="Veröffentlicht")
    cvd.get_by_label("Kommentar zur Statusänderung:").fill("Tippfehler korrigiert.")
    save(cvd)
    expect(cvd.locator(".messagelist")).to_contain_text("erfolgreich", timeout=TIMEOUT)

    article.refresh_from_db()
    assert (article.status, article.title) == (Article.Status.PUBLISHED, CORRECTED)
    assert list(
        StatusChange.objects.order_by("pk").values_list("from_status", "to_status", "user")
    ) == [("draft", "review", trainee.pk), ("review", "published", editor.pk)]

    reader = new_context().new_page()  # anonymous
    reader.set_default_timeout(TIMEOUT)
    public_url = live_server.url + article.get_absolute_url()
    reader.goto(public_url)
    expect(reader.get_by_role("heading", level=1)).to_have_text(CORRECTED)
    expect(reader.locator(".article__body")).to_contain_text(FIRST_TEXT)

    # --- The Redaktion member adds to the live article: it waits for approval.
    writer.goto(live_server.url + f"/admin/articles/article/{article.pk}/change/")
    expect(writer.get_by_role("heading", name="Status: Veröffentlicht")).to_be_visible(
        timeout=TIMEOUT
    )
    editor_area = writer.locator(".ck-editor__editable")
    expect(editor_area).to_contain_text(FIRST_TEXT)
    editor_area.click()
    writer.keyboard.press("Control+End")
    writer.keyboard.press("Enter")
    writer.keyboard.type(LATER_TEXT)
    expect(editor_area).to_contain_text(LATER_TEXT)
    writer.get_by_label("Korrekturhinweis:").fill(NOTE)
    save(writer)
    expect(writer.locator(".messagelist")).to_contain_text(
        "wartet auf die Freigabe", timeout=TIMEOUT
    )
    assert PendingChange.objects.waiting().count() == 1

    reader.reload()
    expect(reader.get_by_role("heading", level=1)).to_have_text(CORRECTED)
    expect(reader.locator(".article__body")).to_contain_text(FIRST_TEXT)
    expect(reader.locator(".article__body")).not_to_contain_text(LATER_TEXT)
    expect(reader.get_by_text("Korrektur vom")).to_have_count(0)

    # --- The Chef vom Dienst compares the correction and approves it.
    cvd.goto(live_server.url + "/admin/")
    corrections = cvd.get_by_role("region", name="Korrekturen zur Freigabe")
    corrections.get_by_role("link", name=CORRECTED).click()
    diff = cvd.get_by_role("table", name="Veröffentlichte Fassung im Vergleich mit der Korrektur")
    expect(diff).to_contain_text(LATER_TEXT, timeout=TIMEOUT)
    expect(diff).to_contain_text(NOTE)
    cvd.get_by_role("button", name="Freigeben und veröffentlichen").click()
    expect(cvd.locator(".messagelist")).to_contain_text(
        "Die Korrektur ist veröffentlicht.", timeout=TIMEOUT
    )

    reader.reload()
    expect(reader.locator(".article__body")).to_contain_text(LATER_TEXT)
    expect(reader.locator(".article__body")).to_contain_text(FIRST_TEXT)
    today = timezone.localdate().strftime("%d.%m.%Y")
    expect(reader.locator(".article__correction")).to_have_text(f"Korrektur vom {today}: {NOTE}")
    assert PendingChange.objects.get().state == PendingChange.State.APPROVED
