"""The weather page in Chromium: it fits a phone and passes axe with every warning level."""

import json

import pytest
from playwright.sync_api import Page

from tests.quality import axe_violations
from weather.services import weather_refresh

from .fakes import alerts_answer, serve_good_weather

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_page_fits_a_phone_and_is_accessible_with_every_warning_level(
    live_server, page: Page, server, place
):
    serve_good_weather(server)
    answer = alerts_answer()
    warning = answer["alerts"][0]
    answer["alerts"] = [
        {**warning, "id": n, "alert_id": f"a{n}", "severity": severity}
        for n, severity in enumerate(["minor", "moderate", "severe", "extreme"])
    ]
    server.answer("/alerts", answer)
    weather_refresh(place=place)

    problems = {}
    for width in (360, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(live_server.url + "/wetter/")
        assert page.locator(".weather-badge").count() == 4 + 1  # the page's and the top bar's
        # Nothing sticks out sideways: the reader never scrolls the page horizontally.
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        if violations := axe_violations(page):
            problems[width] = violations
    assert problems == {}, json.dumps(problems, indent=1, ensure_ascii=False)
