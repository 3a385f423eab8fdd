"""The ads pages are valid HTML (W3C Nu checker) and pass axe's WCAG 2.1 AA rules."""

import json
import os
import subprocess
from io import StringIO
from pathlib import Path

import pytest
from django.urls import reverse

from ads import demo
from ads.models import JobAd
from tests.factories import ArticleFactory

VNU_JAR = os.environ.get("VNU_JAR") or str(
    Path(__file__).resolve().parents[2] / ".tools/node_modules/vnu-jar/build/dist/vnu.jar"
)
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def ads_urls() -> dict[str, tuple[str, str, dict | None]]:
    """name -> (method, url, data): every page of the app, filled with the demo ads."""
    live = JobAd.objects.live().first()
    expired = JobAd.objects.filter(last_day__lt=live.first_day).first()
    return {
        "article-with-ads": ("get", ArticleFactory().get_absolute_url(), None),
        "job-list": ("get", reverse("ads:job-list"), None),
        "job-list-filtered": ("get", reverse("ads:job-list") + "?ort=Lindenau", None),
        "job-detail": ("get", live.get_absolute_url(), None),
        "job-gone": ("get", expired.get_absolute_url(), None),
        "submit": ("get", reverse("ads:job-submit"), None),
        "submit-errors": ("post", reverse("ads:job-submit"), {"title": "<b>x</b>"}),
        "submit-done": ("get", reverse("ads:job-submit-done"), None),
    }


@pytest.fixture
def demo_ads(db):
    demo.load(stdout=StringIO())


@pytest.mark.django_db
def test_ads_pages_are_valid_html(client, demo_ads, tmp_path):
    if not os.path.exists(VNU_JAR):
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true but the Nu HTML Checker is missing at {VNU_JAR}")
        pytest.skip("Nu HTML Checker not installed (npm install --prefix .tools vnu-jar)")
    for name, (method, url, data) in ads_urls().items():
        response = getattr(client, method)(url, data or {})
        assert response.status_code in (200, 400, 410), (name, response.status_code)
        (tmp_path / f"{name}.html").write_bytes(response.content)
    result = subprocess.run(
        ["java", "-jar", VNU_JAR, "--format", "json", "--stdout", "--errors-only",
         "--skip-non-html", str(tmp_path)],
        capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    messages = json.loads(result.stdout or '{"messages": []}')["messages"]
    errors = [
        f"{Path(m.get('url', '')).name}:{m.get('lastLine')}: {m['message']}"
        for m in messages
        if m["type"] == "error"
    ]
    assert errors == [], "\n".join(errors)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_ads_pages_are_accessible_and_set_no_cookies_while_reading(live_server, page, demo_ads):
    import axe_playwright_python

    axe = (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text()
    problems = {}
    for name, (method, url, _data) in ads_urls().items():
        if method != "get":
            continue
        page.goto(live_server.url + url)
        if name == "submit":  # the form with its error messages, as a reader gets it
            page.get_by_role("button", name="Stellenanzeige einreichen").click()
            page.wait_for_selector(".ads-form__summary")
        page.evaluate(axe)
        result = page.evaluate(
            "(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags},"
            " resultTypes: ['violations']})",
            WCAG,
        )
        if result["violations"]:
            problems[name] = [
                {"id": v["id"], "targets": [n["target"] for n in v["nodes"]][:5]}
                for v in result["violations"]
            ]
        if name != "submit":
            assert page.context.cookies() == [], name
        page.context.clear_cookies()
    assert problems == {}, json.dumps(problems, indent=1, ensure_ascii=False)
