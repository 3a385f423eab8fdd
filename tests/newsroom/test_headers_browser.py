"""The admin's Content-Security-Policy in a real Chromium: writing an article breaks nothing."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser import admin_login, click_closing_popup
from tests.factories import CategoryFactory, ImageFactory, image_upload

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "geheim-und-lang-123"

# Chromium logs every blocked script, style, image or connection to the console; the
# event also names what was blocked. Added to every page of the context, popups included.
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`CSP violation: ${event.violatedDirective} blocked ${event.blockedURI} `
                + `in ${event.sourceFile}:${event.lineNumber}`);
});
"""


@pytest.fixture
def violations(page: Page) -> list[str]:
    found: list[str] = []

    def record(message):
        if "Content Security Policy" in message.text or "CSP violation" in message.text:
            found.append(f"{message.page.url if message.page else '?'}: {message.text}")

    page.context.add_init_script(REPORT_VIOLATIONS)
    page.context.on("console", record)
    return found


def open_popup(page: Page, opener) -> Page:
    with page.expect_popup() as opened:
        opener.click()
    popup = opened.value
    popup.wait_for_load_state()
    return popup


def caret_after_the_text(page: Page) -> None:
    """The caret at the end of the first paragraph, set through CKEditor itself. Keys or a
    click are not reliable here: the text is a link, and while its balloon has the focus
    they go there, so what is inserted next replaces the selected (linked) text."""
    page.evaluate(
        """() => {
            const editor = document.querySelector(".ck-editor__editable").ckeditorInstance;
            editor.editing.view.focus();
            editor.model.change((writer) => {
                const first = editor.model.document.getRoot().getChild(0);
                writer.setSelection(first, "end");
            });
        }"""
    )


def test_writing_an_article_in_the_admin_violates_no_policy(
    live_server, page: Page, violations, django_user_model, tmp_path
):
    django_user_model.objects.create_superuser("redakteurin", "r@example.org", PASSWORD)
    CategoryFactory(name="Lindenau", slug="lindenau")
    ImageFactory(title="Rathaus", alt_text="Das Rathaus")
    admin_login(page, live_server.url, "redakteurin", PASSWORD)

    response = page.goto(live_server.url + "/admin/articles/article/add/")
    assert "script-src 'self';" in response.headers["content-security-policy"]
    page.get_by_label("Überschrift:", exact=True).press_sequentially("Neuer Brunnen am Markt")
    expect(page.locator("#id_slug")).to_have_value("neuer-brunnen-am-markt")  # prepopulate.js
    page.get_by_label("Anreißer:").fill("Der Brunnen sprudelt wieder.")
    page.locator(".field-category .select2-selection").click()  # autocomplete.js, select2
    page.locator(".select2-container--open .select2-search__field").fill("Linden")
    page.locator(".select2-results__option", has_text="Lindenau").click()

    # CKEditor: typing, bold, a link, an image uploaded from the computer (blob: preview).
    editor = page.locator(".ck-editor__editable")
    editor.click()
    page.keyboard.type("Seit Montag sprudelt der Brunnen ")
    page.keyboard.press("Control+b")
    page.keyboard.type("wieder")
    page.keyboard.press("Control+b")
    page.keyboard.type(". Mehr im Stadtportal")
    page.keyboard.press("Shift+Home")
    page.keyboard.press("Control+k")
    page.get_by_label("Linkadresse").fill("https://example.org/stadtportal")
    page.keyboard.press("Enter")
    expect(editor.locator("a")).to_have_count(1)
    caret_after_the_text(page)
    page.keyboard.press("Enter")
    photo = tmp_path / "Brunnen.jpg"
    photo.write_bytes(image_upload(size=(800, 500)).read())
    page.locator(".ck-file-dialog-button input[type=file]").set_input_files(photo)
    expect(editor.locator("figure.image img")).to_have_attribute(
        "src", re.compile(r"^/media/images/")
    )

    # The library chooser's popup: upload a new image there; the popup answers and closes.
    caret_after_the_text(page)  # not on the uploaded image, which an insert would replace
    popup = open_popup(page, page.get_by_role("button", name="Bild aus der Bibliothek einfügen"))
    popup.get_by_role("link", name="Bild hinzufügen").click()
    path = tmp_path / "Stadtfest.jpg"
    path.write_bytes(image_upload().read())
    popup.locator("#id_file").set_input_files(str(path))
    popup.locator("#id_alt_text").fill("Tanz auf dem Marktplatz")
    popup.locator("#id_credit").fill("Clara Weiß")
    popup.get_by_role("button", name="Sichern", exact=True).click()
    expect(editor.locator("img[alt='Tanz auf dem Marktplatz']")).to_have_count(1)

    # The lead image's lookup popup.
    popup = open_popup(page, page.locator("#lookup_id_lead_image"))
    click_closing_popup(popup.get_by_role("link", name="Rathaus", exact=True))
    expect(page.locator("#id_lead_image")).not_to_have_value("")

    page.locator("input[name=_continue]").click()
    expect(page.locator(".messagelist")).to_contain_text("erfolgreich")
    # The change page: CKEditor reads the stored text back in.
    expect(page.locator(".ck-editor__editable")).to_contain_text("sprudelt der Brunnen wieder")
    expect(page.locator(".ck-editor__editable img")).to_have_count(2)

    assert violations == []
