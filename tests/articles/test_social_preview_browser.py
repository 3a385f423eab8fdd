"""The article form's preview of its Google result and its shared card, in Chromium: it
follows what the journalist types and chooses, and passes axe and the Nu checker."""

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from images.renditions import CROPS
from newsroom.models import SiteSettings
from tests.browser import admin_login, click_closing_popup
from tests.factories import ArticleFactory, CategoryFactory, ImageFactory, image_upload
from tests.quality import axe_violations, html_errors

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "geheim-und-lang-123"
SITE = "Lindenauer Nachrichten"


@pytest.fixture
def journalist_page(live_server, page: Page, django_user_model):
    django_user_model.objects.create_superuser("redakteurin", "r@example.org", PASSWORD)
    page.set_default_timeout(10_000)
    return admin_login(page, live_server.url, "redakteurin", PASSWORD)


def test_the_preview_follows_typing_and_the_chosen_image(live_server, journalist_page, tmp_path):
    page = journalist_page
    SiteSettings.objects.create(site_name=SITE)
    town = CategoryFactory(name="Lindenau", slug="lindenau")
    lead_image = ImageFactory(title="Hallenbad von außen", file=image_upload(size=(1600, 1000)))
    social = ImageFactory(title="Sprung vom Dreier", file=image_upload(size=(1600, 1000)))
    small = ImageFactory(title="Badekappe", file=image_upload(size=(500, 400)))
    article = ArticleFactory(
        category=town, title="Hallenbad eröffnet", slug="hallenbad-eroeffnet",
        lead="Am Samstag ist der Eintritt frei.", body="<p>Der Rat tagte am Montag.</p>",
        lead_image=lead_image,
    )  # fmt: skip
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    url = f"{live_server.url}/admin/articles/article/{article.pk}/change/"
    page.goto(url)

    preview = page.get_by_role("region", name="Vorschau in Suchergebnissen und sozialen Medien")
    expect(preview).to_be_visible()
    # Right after the fields it previews.
    assert preview.evaluate(
        "el => el.previousElementSibling.contains(document.getElementById('id_seo_title'))"
    )
    title = preview.locator('[data-preview="search-title"]')
    description = preview.locator('[data-preview="search-description"]')
    share_title = preview.locator('[data-preview="share-title"]')
    share_text = preview.locator('[data-preview="share-text"]')
    picture = preview.locator('[data-preview="share-image"] img')
    expect(title).to_have_text(f"Hallenbad eröffnet – {SITE}")
    expect(preview.locator('[data-preview="url"]')).to_have_text(
        f"{live_server.url} › lindenau › hallenbad-eroeffnet"
    )
    expect(description).to_have_text("Am Samstag ist der Eintritt frei.")
    expect(share_title).to_have_text("Hallenbad eröffnet")
    og = lead_image.renditions.largest(CROPS["og"])[0]
    expect(picture).to_have_attribute("src", og)
    expect(picture).to_have_js_property("complete", True)
    assert picture.evaluate("img => [img.naturalWidth, img.naturalHeight]") == [1200, 630]

    # Typing in the headline and the teaser shows at once where they stand in.
    page.get_by_label("Überschrift:", exact=True).fill("Neues Hallenbad eröffnet")
    expect(share_title).to_have_text("Neues Hallenbad eröffnet")
    expect(title).to_have_text(f"Neues Hallenbad eröffnet – {SITE}")
    page.get_by_label("Anreißer:").fill("")
    expect(description).to_have_text("Der Rat tagte am Montag.")  # the start of the text

    # The headline with the site name is cut at a word like Google's (about 60 characters);
    # an SEO title is the whole title, without the site name.
    page.get_by_label("Überschrift:", exact=True).fill(
        "Neues Hallenbad in Lindenau eröffnet mit einem Fest"
    )
    expect(title).to_have_text("Neues Hallenbad in Lindenau eröffnet mit einem Fest…")
    page.get_by_label("SEO-Titel:").press_sequentially(
        "Hallenbad Lindenau: Eröffnung mit freiem Eintritt"
    )
    expect(title).to_have_text("Hallenbad Lindenau: Eröffnung mit freiem Eintritt")
    page.get_by_label("Meta-Beschreibung:").fill("Das neue Bad ist offen.")
    expect(description).to_have_text("Das neue Bad ist offen.")
    expect(share_text).to_have_text("Das neue Bad ist offen.")  # no social text yet
    page.get_by_label("Social-Media-Überschrift:").fill("Endlich wieder schwimmen!")
    page.get_by_label("Social-Media-Text:").fill("Heute freier Eintritt.")
    expect(share_title).to_have_text("Endlich wieder schwimmen!")
    expect(share_text).to_have_text("Heute freier Eintritt.")

    # A social image from the library takes the lead image's place; removed, it gives it back.
    with page.expect_popup() as opened:
        page.locator("#lookup_id_social_image").click()
    popup = opened.value
    popup.wait_for_load_state()
    click_closing_popup(popup.get_by_role("link", name="Sprung vom Dreier", exact=True))
    expect(page.locator("#id_social_image")).to_have_value(str(social.pk))
    expect(picture).to_have_attribute("src", social.file.url)
    warning = preview.get_by_text("schmaler als 600 Pixel")
    expect(warning).to_be_hidden()
    page.locator("#id_social_image").fill(str(small.pk))  # typed: the chooser's own field
    expect(picture).to_have_attribute("src", small.file.url)
    expect(warning).to_be_visible()
    page.locator("#id_social_image").fill("")
    expect(picture).to_have_attribute("src", og)
    expect(warning).to_be_hidden()

    # Select2's list of chosen authors is not this feature's (a <ul> with a non-<li> child).
    violations = [
        v
        for v in axe_violations(page)
        if not (v["id"] == "list" and "select2" in str(v["targets"]))
    ]
    assert violations == [], violations
    # The preview's markup as the browser now has it, in a page of its own: the rest of the
    # form is Django's and other features'.
    html = (
        '<!doctype html><html lang="de"><head><meta charset="utf-8"><title>Vorschau</title>'
        f"</head><body><form>{preview.evaluate('el => el.outerHTML')}</form></body></html>"
    )
    errors = html_errors({"social-preview": html.encode()}, tmp_path)
    assert errors == [], "\n".join(errors)
    foreign = [u for u in requests if urlsplit(u).hostname not in {"127.0.0.1", "localhost"}]
    assert foreign == []
