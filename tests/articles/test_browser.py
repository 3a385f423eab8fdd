"""A journalist writes an article in the real admin with CKEditor 5, in Chromium."""

import re

import pytest
from playwright.sync_api import Page, expect

from articles.models import Article
from tests.browser import admin_login, click_closing_popup
from tests.factories import AuthorFactory, CategoryFactory, ImageFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "geheim-und-lang-123"


@pytest.fixture
def journalist_login(live_server, page: Page, django_user_model):
    django_user_model.objects.create_superuser("redakteurin", "r@example.org", PASSWORD)
    return admin_login(page, live_server.url, "redakteurin", PASSWORD)


def test_journalist_writes_and_publishes_an_article(live_server, journalist_login):
    page = journalist_login
    town = CategoryFactory(name="Lindenau", slug="lindenau")
    CategoryFactory(name="Rathaus", slug="rathaus", parent=town)
    AuthorFactory(name="Ruth Reporter", slug="ruth-reporter")

    page.goto(live_server.url + "/admin/articles/article/add/")
    page.get_by_label("Überschrift:", exact=True).press_sequentially(
        "Bürgermeister grüßt die Straßenfeger"
    )
    # The prefilled slug spells umlauts out, like the server does.
    expect(page.locator("#id_slug")).to_have_value("buergermeister-gruesst-die-strassenfeger")

    # Category through the autocomplete widget.
    page.locator(".field-category .select2-selection").click()
    page.locator(".select2-container--open .select2-search__field").fill("Rathaus")
    page.locator(".select2-results__option", has_text="Rathaus").click()

    # Publishing needs a teaser and a byline (the authors' autocomplete takes several).
    page.get_by_label("Anreißer:").fill("Ein Dank am frühen Morgen für die Stadtreinigung.")
    page.locator(".field-authors .select2-selection").click()
    page.locator(".field-authors .select2-search__field").fill("Ruth")
    page.locator(".select2-results__option", has_text="Ruth Reporter").click()
    expect(page.locator(".field-authors .select2-selection__choice")).to_contain_text(
        "Ruth Reporter"
    )

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

    # The lead image from the library: the magnifier opens it, a click chooses the image.
    photo = ImageFactory(title="Kehrmaschine am Markt", credit="Clara Weiß",
                         alt_text="Eine Kehrmaschine fährt über den Marktplatz")  # fmt: skip
    with page.expect_popup() as opened:
        page.locator("#lookup_id_lead_image").click()
    popup = opened.value
    popup.wait_for_load_state()
    click_closing_popup(popup.get_by_role("link", name="Kehrmaschine am Markt", exact=True))
    expect(page.locator("#id_lead_image")).to_have_value(str(photo.pk))

    page.locator("#id_status").select_option("published")
    page.locator("input[name=_save]").click()
    expect(page.locator(".messagelist")).to_contain_text("erfolgreich")

    article = Article.objects.get()
    assert article.lead_image == photo
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
    lead_image = page.locator(".article__image img")
    expect(lead_image).to_have_attribute("alt", "Eine Kehrmaschine fährt über den Marktplatz")
    expect(lead_image).to_have_js_property("complete", True)
    assert lead_image.evaluate("img => img.naturalWidth") > 0  # the copy was made and loaded
    expect(page.locator(".article__image figcaption")).to_contain_text("Foto: Clara Weiß")


# What a journalist might paste from Word or a web page, or make with shortcuts such as
# Ctrl+U, "~~", "---" or by pasting a video address.
PASTED = (
    '<p style="text-align:center"><u>unterstrichen</u> <s>durch</s> <code>x</code> '
    '<sub>2</sub><sup>3</sup> <span style="color:red;font-size:20px">rot</span> '
    '<mark class="marker-yellow">gelb</mark></p>'
    '<figure class="media"><oembed url="https://www.youtube.com/watch?v=abc"></oembed></figure>'
    '<pre><code class="language-plaintext">code</code></pre><hr>'
    '<figure class="image image-style-side image_resized" style="width:50%">'
    '<img src="/media/editor/a.jpg" alt="Markt"></figure>'
    '<ol start="3" style="list-style-type:upper-roman"><li>drei</li></ol>'
    '<p style="margin-left:40px">eingerückt</p>'
    '<figure class="table" style="float:right"><table style="border:5px solid red">'
    '<tbody><tr><td style="background-color:yellow">1</td></tr></tbody></table></figure>'
    '<ul class="todo-list"><li><label class="todo-list__label"><input type="checkbox" disabled>'
    '<span class="todo-list__label__description">erledigen</span></label></li></ul>'
)


def test_the_article_editor_holds_only_what_readers_will_see(live_server, journalist_login):
    """What the editor shows is what the sanitizer keeps: nothing vanishes on saving."""
    from newsroom.sanitize import sanitize_html

    page = journalist_login
    page.goto(live_server.url + "/admin/articles/article/add/")
    page.wait_for_selector(".ck-editor__editable")
    held = page.evaluate(
        "(html) => { const editor = document.querySelector('.ck-editor__editable')"
        ".ckeditorInstance; editor.setData(html); return editor.getData(); }",
        PASTED,
    )
    # CKEditor numbers list items for itself (data-list-item-id, dropped on saving); the
    # sanitizer adds loading to images. Otherwise nothing may change.
    held = re.sub(r' data-list-item-id="[^"]*"', "", held)
    kept = sanitize_html(held).replace(' loading="lazy"', "")
    assert kept == held
    assert "unterstrichen" in held and "erledigen" in held  # the text itself stays


def test_images_upload_from_the_editor_through_our_view(live_server, journalist_login, tmp_path):
    from tests.factories import image_upload

    page = journalist_login
    page.goto(live_server.url + "/admin/articles/article/add/")
    page.locator(".ck-editor__editable").click()
    photo = tmp_path / "IMG_0815_Privat.jpg"
    photo.write_bytes(image_upload(size=(800, 500)).read())
    upload = page.get_by_role("button", name="Bild vom Computer hochladen")
    expect(upload).to_be_visible()
    page.locator(".ck-file-dialog-button input[type=file]").set_input_files(photo)
    image = page.locator(".ck-editor__editable figure.image img")
    expect(image).to_have_attribute(
        "src", re.compile(r"^/media/images/\d{4}/\d{2}/[0-9a-f]{32}\.jpg$")
    )
    # The photo is in the library now, under the name it was chosen by, awaiting its credit.
    from images.models import Image

    stored = Image.objects.get()
    assert image.get_attribute("src") == stored.file.url
    assert (stored.title, stored.credit) == ("IMG_0815_Privat", "")
