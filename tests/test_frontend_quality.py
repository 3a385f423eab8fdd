"""Front-end quality of the demo portal: valid HTML (W3C Nu checker), WCAG 2.1 AA (axe),
nothing loaded from other hosts, no cookies."""

import json
import os
from urllib.parse import urlparse

import pytest
from django.core.management import call_command
from django.urls import NoReverseMatch, reverse

from articles.models import Article, Author, Category, Tag
from tests.quality import axe_violations, html_errors


def demo_urls() -> dict[str, str]:
    """The main reading pages of the demo portal (needs the demo loaded)."""
    article = Article.objects.published().filter(is_lead_story=True).first()
    sub = Category.objects.exclude(parent=None).first()
    urls = {
        "home": "/",
        "category": Category.objects.filter(parent=None).first().get_absolute_url(),
        "subcategory": sub.get_absolute_url(),
        "article": article.get_absolute_url(),
        "tag": Tag.objects.first().get_absolute_url(),
        "author": Author.objects.first().get_absolute_url(),
        "search": "/suche/?q=Lindenau",
        "page": "/seite/datenschutz/",
        "imprint": "/impressum/",
        "not-found": "/gibt-es-nicht/",
    }
    # The other apps' main pages, where they exist.
    for name, url_name in [("jobs", "ads:job-list"), ("weather", "weather:default")]:
        try:
            urls[name] = reverse(url_name)
        except NoReverseMatch:
            pass
    return urls


@pytest.fixture
def demo(db):
    with open(os.devnull, "w") as devnull:
        call_command("load_demo", stdout=devnull)


@pytest.mark.django_db
def test_pages_are_valid_html(client, demo, tmp_path):
    pages = {}
    for name, url in demo_urls().items():
        response = client.get(url)
        assert response.status_code in (200, 404), (url, response.status_code)
        pages[name] = response.content
    errors = html_errors(pages, tmp_path)
    assert errors == [], "\n".join(errors)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_pages_are_accessible_private_and_self_hosted(live_server, page, demo):
    own_host = urlparse(live_server.url).netloc
    foreign = []
    page.on("request", lambda r: urlparse(r.url).netloc != own_host and foreign.append(r.url))
    problems = {}
    for name, url in demo_urls().items():
        for width in (390, 1280):  # a phone and a desktop
            page.set_viewport_size({"width": width, "height": 900})
            page.goto(live_server.url + url)
            violations = axe_violations(page)
            if violations:
                problems[f"{name}@{width}"] = violations
        assert page.context.cookies() == [], (url, page.context.cookies())
    assert problems == {}, json.dumps(problems, indent=1, ensure_ascii=False)
    assert foreign == [], foreign


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_keyboard_users_can_skip_to_the_content(live_server, page, demo):
    page.goto(live_server.url + "/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Zum Inhalt springen")
    assert skip.evaluate("el => el === document.activeElement")
    # the focused skip link is visible (moved into view) and outlined
    box = skip.bounding_box()
    assert box and box["y"] >= 0
    assert skip.evaluate("el => getComputedStyle(el).outlineStyle") != "none"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "inhalt"
