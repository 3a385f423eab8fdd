"""A journalist writes an article in the real admin with CKEditor 5, in Chromium."""

import re

import pytest
from playwright.sync_api import Page, expect

from articles.models import Article
from tests.factories import CategoryFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "geheim-und-lang-123"


@pytest.fixture
def journalist_login(live_server, page: Page, django_user_model):
    django_user_model.objects.create_superuser("redakteurin", "r@example.org", PASSWORD)
    page.goto(live_server.url + "/admin/login/")
    page.get_by_label("Benutzername").fill("redakteurin")
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    expect(
        page.get_by_role("link", name="Abmelden").or_(page.get_by_role("button", name="Abmelden"))
    ).to_be_visible()
    return page


def test_journalist_writes_and_publishes_an_article(live_server, journalist_login):
    page = journalist_login
    town = CategoryFactory(name="Lindenau", slug="lindenau")
    CategoryFactory(name="Rathaus", slug="rathaus", parent=town)

    page.goto(live_server.url + "/admin/articles/article/add/")
    page.get_by_label("Überschrift:").press_sequentially("Bürgermeister grüßt die Straßenfeger")
    # The prefilled slug spells umlauts out, like the server does.
    expect(page.locator("#id_slug")).to_have_value("buergermeister-gruesst-die-strassenfeger")

    # Category through the autocomplete widget.
    page.locator(".field-category .select2-selection").click()
    page.locator(".select2-container--open .select2-search__field").fill("Rathaus")
    page.locator(".select2-results__option", has_text="Rathaus").click()

    # The body in CKEditor 5: a paragraph, a heading, a paragraph with a link.
    editor = page.locator(".ck-editor__editable")
    editor.click()
    page.keyboard.type("Der Bürgermeister bedankte sich am Morgen bei der Stadtreinigung.")
    page.keyboard.press("Enter")
    page.locator(".ck-heading-dropdown button").first.click()
    page.get_by_role("menuitemradio", name=re.compile("Überschrift 2")).or_(
        page.locator(".ck-heading-dropdown .ck-list button", has_text="Überschrift 2")
    ).first.click()
    page.keyboard.type("Ein Dank in der Frühe")
    page.keyboard.press("Enter")
    page.keyboard.type("Stadtportal")
    expect(editor).to_contain_text("Stadtportal")
    page.keyboard.press("Shift+Home")  # select the word, then add a link (Ctrl+K)
    page.wait_for_function("window.getSelection().toString() === 'Stadtportal'")
    page.keyboard.press("Control+k")
    page.get_by_label("Linkadresse").fill("https://example.org/stadtportal")
    page.keyboard.press("Enter")
    expect(editor.locator("a", has_text="Stadtportal")).to_be_visible()

    page.locator("#id_status").select_option("published")
    page.locator("input[name=_save]").click()
    expect(page.locator(".messagelist")).to_contain_text("erfolgreich")

    article = Article.objects.get()
    assert article.slug == "buergermeister-gruesst-die-strassenfeger"
    assert "<h2>Ein Dank in der Frühe</h2>" in article.body
    assert 'href="https://example.org/stadtportal"' in article.body

    # Saved again unchanged, after CKEditor has re-read the stored text: not an update.
    page.goto(live_server.url + f"/admin/articles/article/{article.pk}/change/")
    expect(page.locator(".ck-editor__editable")).to_contain_text("Ein Dank in der Frühe")
    page.locator("input[name=_save]").click()
    expect(page.locator(".messagelist")).to_contain_text("erfolgreich")
    article.refresh_from_db()
    assert article.updated_at is None

    # Readers find it on the home page and on its own page.
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="Bürgermeister grüßt die Straßenfeger").first.click()
    expect(page).to_have_url(
        live_server.url + "/lindenau/rathaus/buergermeister-gruesst-die-strassenfeger/"
    )
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Bürgermeister grüßt die Straßenfeger"
    )
    expect(page.get_by_role("heading", level=2, name="Ein Dank in der Frühe")).to_be_visible()
    expect(page.get_by_role("link", name="Stadtportal")).to_have_attribute(
        "href", "https://example.org/stadtportal"
    )
