"""Share links: plain, encoded links to the networks; nothing loaded before a click."""

from urllib.parse import parse_qs, urlsplit

import pytest
from lxml import html as lxml_html
from playwright.sync_api import Page, expect

from tests.factories import ArticleFactory, CategoryFactory

TITLE = "Rat & Bürger: 100% dabei? #Lindenau"


def share_box(client, article):
    tree = lxml_html.fromstring(client.get(article.get_absolute_url()).content)
    (box,) = tree.xpath("//section[@data-share]")
    return box


@pytest.mark.django_db
def test_share_links_carry_the_encoded_address_and_title(client):
    article = ArticleFactory(
        title=TITLE, slug="rat-buerger", category=CategoryFactory(slug="stadt")
    )
    url = "http://testserver/stadt/rat-buerger/"
    links = {a.text: a for a in share_box(client, article).xpath(".//a")}
    hrefs = {name: a.get("href") for name, a in links.items()}

    enc_url = "http%3A%2F%2Ftestserver%2Fstadt%2Frat-buerger%2F"
    enc_title = "Rat%20%26%20B%C3%BCrger%3A%20100%25%20dabei%3F%20%23Lindenau"
    assert hrefs == {
        "WhatsApp": f"https://wa.me/?text={enc_title}%20{enc_url}",
        "Facebook": f"https://www.facebook.com/sharer/sharer.php?u={enc_url}",
        "X": f"https://x.com/intent/post?url={enc_url}&text={enc_title}",
        "LinkedIn": f"https://www.linkedin.com/sharing/share-offsite/?url={enc_url}",
        "E-Mail": f"mailto:?subject={enc_title}&body={enc_title}%0A%0A{enc_url}",
    }
    # Decoded, every parameter is exactly what it should be.
    assert parse_qs(urlsplit(hrefs["X"]).query) == {"url": [url], "text": [TITLE]}
    assert parse_qs(urlsplit(hrefs["E-Mail"]).query)["body"] == [f"{TITLE}\n\n{url}"]
    for name, link in links.items():
        assert set(link.get("rel").split()) >= {"noopener", "noreferrer"}, name
    assert links["WhatsApp"].get("aria-label") == "Auf WhatsApp teilen"
    assert links["E-Mail"].get("aria-label") == "Per E-Mail teilen"


@pytest.mark.django_db
def test_without_javascript_only_the_links_show(client):
    box = share_box(client, ArticleFactory())
    buttons = {b.text: b for b in box.xpath(".//button")}
    assert set(buttons) == {"Link kopieren", "Teilen"}
    assert all(b.get("hidden") is not None for b in buttons.values())
    assert box.xpath(".//*[@role='status']")
    # No image, script, frame or style from anywhere but this site.
    for element in box.xpath(".//img|.//script|.//iframe|.//link"):
        src = element.get("src") or element.get("href") or ""
        assert src.startswith("/"), src


LOCAL_HOSTS = {"127.0.0.1", "localhost"}


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_no_request_leaves_the_site_before_a_click(live_server, page: Page):
    article = ArticleFactory(title=TITLE, tags=["Hallenbad"])
    ArticleFactory(category=article.category, tags=["Hallenbad"])  # a related card too
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.goto(live_server.url + article.get_absolute_url())
    page.wait_for_load_state("networkidle")

    # With JavaScript, the browser's own sharing appears where it has it.
    copy = page.get_by_role("button", name="Link kopieren")
    expect(copy).to_be_visible()
    expect(page.get_by_role("link", name="Auf WhatsApp teilen")).to_be_visible()
    copy.click()
    expect(page.get_by_role("status")).to_have_text("Link kopiert.")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == live_server.url + article.get_absolute_url()

    assert requests, "the page was not loaded"
    foreign = [url for url in requests if urlsplit(url).hostname not in LOCAL_HOSTS]
    assert foreign == []
