"""The article form fits its content: wide inputs, length counters, editor text styled like
the site, German throughout (issue "An editor that fits")."""

import re

import pytest
from lxml import html
from playwright.sync_api import Page, expect

from tests.browser import admin_login

PASSWORD = "geheim-und-lang-123"
ADD_URL = "/admin/articles/article/add/"


def browser_test(test):
    return pytest.mark.browser(pytest.mark.django_db(transaction=True)(test))


@pytest.fixture
def add_form(live_server, page: Page, django_user_model):
    django_user_model.objects.create_superuser("redakteurin", "r@example.org", PASSWORD)
    admin_login(page, live_server.url, "redakteurin", PASSWORD)
    page.goto(live_server.url + ADD_URL)
    page.wait_for_selector(".ck-editor__editable")
    return page


@browser_test
def test_text_inputs_use_the_form_width_on_wide_and_narrow_screens(add_form):
    page = add_form
    inputs = ["#id_title", "#id_kicker", "#id_tags", "#id_lead_image_alt", "#id_lead_image_caption"]
    for selector in inputs:
        assert page.locator(selector).bounding_box()["width"] >= 600, selector

    page.set_viewport_size({"width": 390, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    for selector in [*inputs, ".ck-editor", "#id_title_counter"]:
        box = page.locator(selector).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390, selector


def computed(page, selector, prop):
    return page.eval_on_selector(selector, f"e => getComputedStyle(e).{prop}")


@browser_test
def test_editor_headings_look_like_the_sites(add_form):
    page = add_form
    page.evaluate(
        "document.querySelector('.ck-editor__editable').ckeditorInstance.setData("
        "'<p>Absatz</p><h2>Zwei</h2><h3>Drei</h3><ul><li>Punkt</li></ul>')"
    )
    size = {
        tag: float(computed(page, f".ck-content {tag}", "fontSize")[:-2])
        for tag in "p h2 h3 li".split()
    }
    assert size["h2"] > size["h3"] > size["p"] >= 17  # body text as on the site (1.15rem)
    assert size["li"] == size["p"]
    assert "Georgia" in computed(page, ".ck-content p", "fontFamily")
    assert computed(page, ".ck-content h2", "textTransform") == "none"
    assert computed(page, ".ck-content li", "listStyleType") == "disc"  # admin removes bullets
    # Screen readers name the editing area in German, not "Rich Text Editor".
    label = page.get_attribute(".ck-editor__editable", "aria-label")
    assert label.startswith("Artikeltext"), label


@browser_test
def test_headline_counter_warns_politely_above_the_recommendation(add_form):
    page = add_form
    title = page.locator("#id_title")
    counter = page.locator("#id_title_counter")
    expect(counter).to_have_text("0 / empfohlen bis 70 Zeichen")
    expect(page.locator("#id_lead_counter")).to_have_text("0 / empfohlen bis 160 Zeichen")
    expect(title).to_have_attribute("aria-describedby", "id_title_counter")

    title.fill("Ä" * 70)
    expect(counter).to_have_text("70 / empfohlen bis 70 Zeichen")
    expect(counter).not_to_have_class(re.compile("article-counter--over"))

    title.fill("Ä" * 71)
    expect(counter).to_have_text("71 / empfohlen bis 70 Zeichen – länger als empfohlen")
    expect(counter).to_have_class(re.compile("article-counter--over"))
    # The live region speaks after a pause in typing, not on every keystroke.
    live = page.locator(".field-title [aria-live=polite]")
    expect(live).to_have_text("71 / empfohlen bis 70 Zeichen – länger als empfohlen")


# English words that would give away an untranslated label, heading or help text.
ENGLISH = re.compile(
    r"\b(the|of|and|for|with|should|leave|headline|subtitle|teaser|caption|credit|"
    r"correction|comment|review|withdrawn|recommended|characters|is|to|only|whose)\b",
    re.IGNORECASE,
)


@pytest.mark.django_db
def test_article_add_form_speaks_german(admin_client):
    response = admin_client.get(ADD_URL)
    assert response.status_code == 200
    tree = html.fromstring(response.content.decode())
    form = tree.get_element_by_id("article_form")
    rows = form.xpath(".//div[contains(@class, 'form-row') and not(contains(@class, 'hidden'))]")
    texts = [
        *(label.text_content() for row in rows for label in row.xpath(".//label")),
        *(help.text_content() for row in rows for help in row.xpath(".//div[@class='help']")),
        *(option.text_content() for option in form.xpath(".//option")),
        *(heading.text_content() for heading in form.xpath(".//h2")),
        *form.xpath(".//@data-counter-template | .//@data-counter-over-template"),
    ]
    english = [text.strip() for text in texts if ENGLISH.search(text)]
    assert english == []
    labels = {label.text_content().strip() for label in form.xpath(".//label")}
    assert {"Überschrift:", "Unterzeile:", "Anreißer:", "Text:", "Alternativtext:"} <= labels
    assert {"Aufmacherbild:", "Bildunterschrift:", "Schlagwörter:"} <= labels
