"""The public pages as readers see them on a phone (390 × 844) and a desktop (1280 × 900):
the story first, a menu that reaches every section, nothing wider than the screen, no ad
as the largest element, no layout shift while ads load, a dense home page."""

import os
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from articles.models import Article, Category
from tests.factories import ArticleFactory
from tests.test_frontend_quality import demo_urls

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The largest contentful paint and the layout shifts so far, read by observers that are
# registered before any of the page's own scripts run (buffered: entries from the start).
OBSERVE = """
window.__lcp = null; window.__shifts = [];
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) window.__lcp = entry.element;
}).observe({type: "largest-contentful-paint", buffered: true});
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    if (!entry.hadRecentInput) {
      window.__shifts.push({value: entry.value, sources: entry.sources.map(
        (s) => s.node ? (s.node.className || s.node.nodeName) : "?")});
    }
  }
}).observe({type: "layout-shift", buffered: true});
"""


# The demo dates its articles relative to now, and the page shows what moves with the clock
# (relative times, the date in the top bar, the weather): measured at an arbitrary hour, the
# home page's height changed with it. These tests run at one fixed moment, in the server
# (time-machine, ticking on from there) and in the browser (Playwright's clock).
MOMENT = datetime(2026, 12, 7, 10, 30, tzinfo=ZoneInfo(settings.TIME_ZONE))


@pytest.fixture
def demo(db, request):
    with time_machine.travel(MOMENT, tick=True):
        if "page" in request.fixturenames:
            request.getfixturevalue("page").clock.set_fixed_time(MOMENT)
        with open(os.devnull, "w") as devnull:
            call_command("load_demo", stdout=devnull)
        yield


@pytest.fixture
def lead_article(demo):
    return Article.objects.published().filter(is_lead_story=True).first()


def overflow(page) -> int:
    """How many pixels the page is wider than the screen (0: no sideways scrolling)."""
    return page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_story_comes_first_and_no_ad_is_the_largest_element(
    live_server, page, lead_article, viewport
):
    page.set_viewport_size(viewport)
    page.add_init_script(OBSERVE)
    page.goto(live_server.url + lead_article.get_absolute_url())
    page.wait_for_load_state("networkidle")

    # On a phone within the top 320 px; on a desktop, below the leaderboard, bar and
    # navigation, still in the upper half of the screen.
    headline = page.locator("h1").bounding_box()
    limit = 320 if viewport == PHONE else viewport["height"] / 2
    assert headline["y"] <= limit, f"the headline starts at {headline['y']} px"
    image = page.locator(".article__image img").bounding_box()
    assert image["y"] < viewport["height"], f"the lead image starts at {image['y']} px"
    # The page has ads (the demo's banners in every slot), none of them is the largest.
    assert page.locator(".ad").count() >= 3
    lcp = page.evaluate(
        "() => window.__lcp && {inAd: !!window.__lcp.closest('.ad'),"
        " tag: window.__lcp.tagName, cls: String(window.__lcp.className)}"
    )
    assert lcp is not None and not lcp["inAd"], lcp
    assert lcp["tag"] in ("H1", "IMG"), lcp


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_ads_arriving_late_shift_nothing(live_server, page, lead_article, viewport):
    """Ad images arrive a second after the page: the slots' reserved space stays as it is."""

    def slowly(route):
        page.wait_for_timeout(1000)
        route.continue_()

    page.route("**/media/ads/**", slowly)
    page.set_viewport_size(viewport)
    page.add_init_script(OBSERVE)
    for url in ("/", lead_article.get_absolute_url()):
        page.goto(live_server.url + url)
        page.wait_for_load_state("networkidle")
        # Down the page to each banner, so that the lazy ones below the fold load too.
        shown = page.locator(".ad img:visible")
        assert shown.count() >= 1
        for image in shown.all():
            image.scroll_into_view_if_needed()
            expect(image).to_have_js_property("complete", True)
        shifts = page.evaluate("window.__shifts")
        assert shifts == [], (url, shifts)


def test_the_menu_reaches_every_section_by_keyboard(live_server, page, demo):
    page.set_viewport_size(PHONE)
    page.goto(live_server.url + "/")
    button = page.get_by_role("button", name="Menü")
    menu = page.get_by_role("navigation", name="Rubriken")
    expect(button).to_have_attribute("aria-expanded", "false")
    expect(menu).to_be_hidden()

    button.focus()
    page.keyboard.press("Enter")
    expect(button).to_have_attribute("aria-expanded", "true")
    expect(menu).to_be_visible()
    # Tab through the open menu: every main category, each subcategory, the job market
    # and the weather come in turn, each visible when it has the focus.
    expected = [c.name for c in Category.objects.all() if c.parent_id is None]
    expected += [c.name for c in Category.objects.exclude(parent=None).filter(parent__parent=None)]
    expected += ["Stellenmarkt", "Wetter"]
    reached = []
    focused = page.evaluate("document.activeElement.textContent.trim()")
    for _ in range(len(expected)):
        reached.append(focused)
        assert page.evaluate(
            "() => { const r = document.activeElement.getBoundingClientRect();"
            " return r.width > 0 && r.height > 0 && r.right <= innerWidth; }"
        ), focused
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement.textContent.trim()")
    assert sorted(reached) == sorted(expected)

    # Escape closes the menu and puts the focus back on its button.
    page.keyboard.press("Escape")
    expect(button).to_have_attribute("aria-expanded", "false")
    expect(menu).to_be_hidden()
    assert page.evaluate("document.activeElement.hasAttribute('data-menu-button')")

    # A main category chosen from the menu opens its page.
    button.click()
    menu.get_by_role("link", name="Blaulicht", exact=True).click()
    expect(page.locator("h1")).to_have_text("Blaulicht")


def test_without_javascript_the_whole_navigation_shows(live_server, browser, demo):
    context = browser.new_context(java_script_enabled=False, viewport=PHONE, locale="de-DE")
    page = context.new_page()
    page.goto(live_server.url + "/")
    expect(page.get_by_role("button", name="Menü")).to_be_hidden()
    menu = page.get_by_role("navigation", name="Rubriken")
    for category in Category.objects.filter(parent__parent=None) | Category.objects.filter(
        parent=None
    ):
        expect(menu.get_by_role("link", name=category.name, exact=True)).to_be_visible()
    expect(menu.get_by_role("link", name="Stellenmarkt")).to_be_visible()
    assert overflow(page) <= 0
    context.close()


def test_no_public_page_is_wider_than_the_screen(live_server, page, demo):
    wide = {}
    for viewport in (PHONE, DESKTOP, {"width": 320, "height": 640}):
        page.set_viewport_size(viewport)
        for name, url in demo_urls().items():
            page.goto(live_server.url + url)
            extra = overflow(page)
            if extra > 0:
                wide[f"{name}@{viewport['width']}"] = extra
        page.goto(live_server.url + "/")
        page.get_by_role("button", name="Menü").click()  # the open menu too
        if overflow(page) > 0:
            wide[f"menu@{viewport['width']}"] = overflow(page)
    assert wide == {}


def test_the_home_page_is_dense_on_a_phone(live_server, page, demo):
    page.set_viewport_size(PHONE)
    page.goto(live_server.url + "/")
    page.wait_for_load_state("networkidle")
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height <= 6000, f"the home page is {height} px tall"
    # The teasers differ by rank: one Aufmacher, medium ones, compact rows with an image.
    assert page.locator(".card--lead").count() == 1
    assert page.locator(".card--medium").count() >= 1
    rows = page.locator(".card--row")
    assert rows.count() >= 10
    first_row = rows.first.locator("img").bounding_box()
    assert first_row and first_row["width"] <= 130
    # Today's articles say how long ago; older ones their date.
    today = timezone.localdate()
    older = 0
    for time in page.locator(".card__meta time").all():
        published = timezone.localtime(datetime.fromisoformat(time.get_attribute("datetime")))
        text = time.text_content()
        if published.date() == today:
            assert re.fullmatch(r"vor \d+ (Min|Std)\.|gerade eben", text), text
        else:
            assert text == published.strftime("%d.%m.%Y"), text
            older += 1
    assert older >= 1


def test_the_desktop_sidebar_holds_what_portals_show_there(live_server, page, demo):
    page.set_viewport_size(DESKTOP)
    page.goto(live_server.url + "/")
    sidebar = page.locator(".page__sidebar")
    expect(sidebar.locator(".ad--sidebar")).to_be_visible()
    expect(sidebar.locator(".weather-teaser")).to_be_visible()
    jobs = sidebar.get_by_role("region", name="Stellenmarkt")
    expect(jobs).to_be_visible()
    expect(jobs.get_by_text("Anzeige")).to_be_visible()
    # Beside the content: the sidebar starts at the top, to the right of the main column.
    main, side = page.locator("main").bounding_box(), sidebar.bounding_box()
    assert side["x"] > main["x"] + main["width"] - 1


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_headings_in_the_text_stay_below_the_headline(live_server, page, viewport):
    columns = "".join(f"<th>Spalte {n}</th>" for n in range(12))
    article = ArticleFactory(
        title="Haushalt 2027: Was die Stadt vorhat",
        body=(
            "<p>Der Rat hat beraten.</p><h2>Die Zahlen</h2><p>Ein Plus.</p>"
            "<h3>Im Einzelnen</h3><ul><li>Schulen</li><li>Straßen</li></ul>"
            "<blockquote><p>„Ein guter Tag.“</p></blockquote>"
            f'<figure class="table"><table><tr>{columns}</tr></table></figure>'
        ),
    )
    page.set_viewport_size(viewport)
    page.goto(live_server.url + article.get_absolute_url())
    size = {
        selector: page.locator(selector).evaluate("el => parseFloat(getComputedStyle(el).fontSize)")
        for selector in (
            "h1",
            ".article__body h2",
            ".article__body h3",
            ".article__body > p >> nth=0",
        )
    }
    # A clear step below the headline (not 27.6 px against 28 px), then down by level.
    assert size[".article__body h2"] <= 0.8 * size["h1"]
    assert size[".article__body h2"] > size[".article__body h3"]
    assert size[".article__body h3"] > size[".article__body > p >> nth=0"]
    # A table wider than a phone scrolls in its own box; the page stays as wide as the screen.
    assert overflow(page) <= 0
    quote = page.locator(".article__body blockquote")
    assert quote.evaluate("el => getComputedStyle(el).borderLeftStyle") == "solid"
