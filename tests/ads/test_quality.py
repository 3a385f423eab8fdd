"""The ads pages are valid HTML (W3C Nu checker) and pass axe's WCAG 2.1 AA rules."""

import json
from io import StringIO

import pytest
from django.urls import reverse

from ads import demo
from ads.models import JobAd
from tests.factories import ArticleFactory
from tests.quality import axe_violations, html_errors


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
    pages = {}
    for name, (method, url, data) in ads_urls().items():
        response = getattr(client, method)(url, data or {})
        assert response.status_code in (200, 400, 410), (name, response.status_code)
        pages[name] = response.content
    errors = html_errors(pages, tmp_path)
    assert errors == [], "\n".join(errors)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_ads_pages_are_accessible_and_set_no_cookies_while_reading(live_server, page, demo_ads):
    problems = {}
    for name, (method, url, _data) in ads_urls().items():
        if method != "get":
            continue
        page.goto(live_server.url + url)
        if name == "submit":  # the form with its error messages, as a reader gets it
            page.get_by_role("button", name="Stellenanzeige einreichen").click()
            page.wait_for_selector(".ads-form__summary")
        violations = axe_violations(page)
        if violations:
            problems[name] = violations
        if name != "submit":
            assert page.context.cookies() == [], name
        page.context.clear_cookies()
    assert problems == {}, json.dumps(problems, indent=1, ensure_ascii=False)
