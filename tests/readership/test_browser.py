"""A read is counted by the page's script, also when the page comes from a cache."""

import time

import pytest
from playwright.sync_api import Browser

from readership.models import ArticleReads
from tests.browser import DESKTOP_CHROME
from tests.factories import ArticleFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Headless Chromium names itself "HeadlessChrome", which the counter takes for a robot.


def wait_for_reads(article, expected: int, seconds: float = 10) -> int:
    deadline = time.monotonic() + seconds
    while True:
        rows = ArticleReads.objects.filter(article=article).values_list("count", flat=True)
        total = sum(rows)
        if total >= expected or time.monotonic() > deadline:
            return total
        time.sleep(0.1)


def test_a_page_from_the_cache_is_counted_too(live_server, browser: Browser, settings):
    # Each view counts here: the limit of one read per address and article has its own
    # tests (test_counting.py), and this browser's two views come from one address.
    settings.READ_REPEAT_MINUTES = 0
    article = ArticleFactory()
    context = browser.new_context(user_agent=DESKTOP_CHROME, locale="de-DE")
    try:
        page = context.new_page()
        url = live_server.url + article.get_absolute_url()
        first = page.goto(url)
        assert first.status == 200
        assert wait_for_reads(article, 1) == 1

        # The second view is answered by the cache: the browser revalidates its copy with
        # the ETag and the server says 304 before any view runs (Varnish would answer
        # without reaching the app at all). The script still reports the read.
        second = page.goto(url)
        # (Chromium shows the revalidated copy as 200; the request proves where it came from.)
        assert second.request.all_headers().get("if-none-match") == first.headers["etag"]
        assert wait_for_reads(article, 2) == 2
        assert context.cookies() == []
    finally:
        context.close()


def test_a_headless_browser_is_not_counted(live_server, page):
    article = ArticleFactory()
    with page.expect_response(lambda response: response.url.endswith("/gelesen/")) as beacon:
        page.goto(live_server.url + article.get_absolute_url())
    assert (beacon.value.request.method, beacon.value.status) == ("POST", 204)
    assert "HeadlessChrome" in page.evaluate("navigator.userAgent")
    assert not ArticleReads.objects.exists()
