"""Front-end quality of the demo portal: valid HTML (W3C Nu checker), WCAG 2.1 AA (axe),
nothing loaded from other hosts, no cookies."""

import json
import os
import subprocess
from pathlib import Path
from urllib.parse import urlparse

import pytest
from django.core.management import call_command
from django.urls import NoReverseMatch, reverse

from articles.models import Article, Author, Category, Tag

VNU_JAR = os.environ.get("VNU_JAR") or str(
    Path(__file__).resolve().parents[1] / ".tools/node_modules/vnu-jar/build/dist/vnu.jar"
)


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
        "page": "/seite/impressum/",
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
    if not os.path.exists(VNU_JAR):
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true but the Nu HTML Checker is missing at {VNU_JAR}")
        pytest.skip("Nu HTML Checker not installed (npm install --prefix .tools vnu-jar)")
    for name, url in demo_urls().items():
        response = client.get(url)
        assert response.status_code in (200, 404), (url, response.status_code)
        (tmp_path / f"{name}.html").write_bytes(response.content)
    result = subprocess.run(
        ["java", "-jar", VNU_JAR, "--format", "json", "--stdout", "--errors-only",
         "--skip-non-html", str(tmp_path)],
        capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    messages = json.loads(result.stdout or '{"messages": []}')["messages"]
    errors = [
        f"{Path(m.get('url', '')).name}:{m.get('lastLine')}: {m['message']}"
        for m in messages if m["type"] == "error"
    ]  # fmt: skip
    assert errors == [], "\n".join(errors)


# Accessibility and privacy in a real browser --------------------------------------------

WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def axe_violations(page) -> list[dict]:
    import axe_playwright_python

    page.evaluate((Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text())
    result = page.evaluate(
        "(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags},"
        " resultTypes: ['violations']})",
        WCAG,
    )
    return [
        {"id": v["id"], "help": v["help"], "targets": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
    ]


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
