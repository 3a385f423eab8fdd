"""Phones first: each banner slot has a phone format in a box of fixed size, and the
sidebar lists the newest job ads."""

from datetime import timedelta
from io import StringIO

import pytest
from django.http import HttpResponse
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import path, reverse
from lxml import html as lxml_html
from playwright.sync_api import expect

from ads import demo
from ads.models import Banner, ads_today
from newsroom import urls as project_urls
from newsroom.caching import read_versions
from tests.browser import DESKTOP_CHROME
from tests.factories import image_upload

from .factories import BannerFactory, JobAdFactory, banner_image

pytestmark = pytest.mark.django_db

PHONE_MEDIA = "(max-width: 39.99rem)"
NEWEST_JOBS = Template("{% load ads_tags %}{% newest_job_ads 3 %}")


def render(template, request=None):
    return template.render(Context({"request": request or RequestFactory().get("/")}))


def fragment(html):
    return lxml_html.fragment_fromstring(html, create_parent="div")


def phone_image(slot, scale=2):
    """A phone banner as ad staff upload it: in high resolution for sharp phone screens."""
    width, height = Banner.PHONE_SLOT_SIZES[slot]
    return image_upload("handy.png", size=(width * scale, height * scale), fmt="PNG")


# --- Upload ----------------------------------------------------------------------------


def banner_form(**files):
    return {
        "name": "Stadtfest",
        "slot": "leaderboard",
        "alt_text": "Stadtfest in Lindenau",
        "target_url": "https://example.org/fest",
        "first_day": ads_today().isoformat(),
        "last_day": ads_today().isoformat(),
        "weight": "1",
        "is_active": "on",
        "image": banner_image("leaderboard"),
    } | files


def test_a_phone_image_in_the_wrong_proportions_is_refused_naming_both_sizes(admin_client):
    url = reverse("admin:ads_banner_add")
    response = admin_client.post(url, banner_form(phone_image=banner_image("leaderboard")))
    assert response.status_code == 200
    tree = lxml_html.fromstring(response.text)
    (error,) = tree.xpath("//*[@id='id_phone_image_error']")
    assert error.text_content().strip() == (
        "Das Bild für Smartphones ist 728 × 90 Pixel groß; auf Smartphones braucht dieser "
        "Platz das Seitenverhältnis 320 × 50 (das Bild oben: 728 × 90)."
    )
    assert not Banner.objects.exists()


def test_the_form_names_both_formats_of_each_slot(admin_client):
    tree = lxml_html.fromstring(admin_client.get(reverse("admin:ads_banner_add")).text)
    options = tree.xpath("//select[@name='slot']/option/text()")
    assert "Leaderboard (ganz oben), 728 × 90, Smartphones 320 × 50" in options
    assert "Unter dem Seitenkopf, 970 × 250, Smartphones 320 × 100" in options
    help_text = tree.xpath("string(//*[@id='id_phone_image_helptext'])").strip()
    assert help_text.startswith("Optional: wird auf Smartphones (bis 639 px Breite)")


def test_a_fitting_phone_image_is_shown_on_phones_in_the_slot_format(admin_client):
    url = reverse("admin:ads_banner_add")
    response = admin_client.post(url, banner_form(phone_image=phone_image("leaderboard")))
    assert response.status_code == 302
    banner = Banner.objects.get()
    assert (banner.phone_image_width, banner.phone_image_height) == (640, 100)
    # The change form opens with both images.
    change = admin_client.get(reverse("admin:ads_banner_change", args=[banner.pk]))
    assert change.status_code == 200 and banner.phone_image.url in change.text

    tree = fragment(render(Template('{% load ads_tags %}{% ad_slot "leaderboard" %}')))
    (source,) = tree.xpath("//picture/source")
    assert source.get("media") == PHONE_MEDIA
    assert source.get("srcset") == banner.phone_image.url
    assert (source.get("width"), source.get("height")) == ("320", "50")
    (img,) = tree.xpath("//picture//img")  # lxml nests it in the void <source>
    assert img.get("src") == banner.image.url
    assert (img.get("width"), img.get("height")) == ("728", "90")
    assert img.get("class") == "ad__image" and img.get("alt") == "Stadtfest in Lindenau"
    assert img.get("loading") is None  # at the top of the page: loaded at once


def test_without_a_phone_image_the_banner_is_a_plain_image():
    BannerFactory(slot="sidebar")
    tree = fragment(render(Template('{% load ads_tags %}{% ad_slot "sidebar" %}')))
    assert not tree.xpath("//picture")
    (img,) = tree.xpath("//aside/a/img")
    assert (img.get("width"), img.get("height"), img.get("loading")) == ("300", "250", "lazy")


def test_the_demo_banners_have_phone_images_where_the_format_differs():
    demo.load(stdout=StringIO())
    for banner in Banner.objects.all():
        if banner.phone_slot_size == banner.slot_size:
            assert not banner.phone_image, banner.slot
        else:
            size = (banner.phone_image_width, banner.phone_image_height)
            assert size == banner.phone_slot_size, banner.slot


# --- The newest job ads in the sidebar ---------------------------------------------------


def days_ago(days):
    return ads_today() - timedelta(days=days)


def test_the_newest_job_ads_box_lists_live_ads_newest_first():
    JobAdFactory(title="Koch (m/w/d)", first_day=days_ago(5))
    newest = JobAdFactory(
        title="Gärtnerin (m/w/d)", employer_name="Gärtnerei Grünfink", place="Lindenau-Nord"
    )
    JobAdFactory(title="Elektriker (m/w/d)", first_day=days_ago(3))
    JobAdFactory(title="Bäcker (m/w/d)", first_day=days_ago(2))
    JobAdFactory(title="Abgelaufen (m/w/d)", expired=True)
    JobAdFactory(title="Eingereicht (m/w/d)", submitted=True)
    JobAdFactory(title="Abgelehnt (m/w/d)", rejected=True)
    JobAdFactory(title="Morgen (m/w/d)", first_day=days_ago(-1))

    tree = fragment(render(NEWEST_JOBS))
    (box,) = tree.xpath("//section")
    (heading,) = box.xpath(".//h2")
    assert box.get("aria-labelledby") == heading.get("id")
    assert heading.text == "Stellenmarkt"
    assert box.xpath("string(.//p[@class='ad__label'])") == "Anzeige"
    items = box.xpath(".//ul/li")
    assert [li.xpath("string(./a)") for li in items] == [
        "Gärtnerin (m/w/d)",
        "Bäcker (m/w/d)",
        "Elektriker (m/w/d)",
    ]
    first = items[0]
    assert first.xpath("./a/@href") == [newest.get_absolute_url()]
    assert "Gärtnerei Grünfink, Lindenau-Nord" in first.text_content()
    (more,) = box.xpath(".//a[text()='Alle Stellenangebote']")
    assert more.get("href") == reverse("ads:job-list")


def test_the_newest_job_ads_box_is_left_out_without_live_ads():
    JobAdFactory(expired=True)
    JobAdFactory(submitted=True)
    assert render(NEWEST_JOBS).strip() == ""


def test_the_newest_job_ads_cost_one_query_and_none_once_warm(django_assert_num_queries):
    JobAdFactory.create_batch(4)
    read_versions()  # the cache versions are read once per request, before any view
    with django_assert_num_queries(1):
        render(NEWEST_JOBS)
    with django_assert_num_queries(0):
        assert len(fragment(render(NEWEST_JOBS)).xpath("//li")) == 3
    # A new ad shows at once: the saved ad ends the cached list.
    JobAdFactory(title="Ganz neu (m/w/d)", first_day=ads_today())
    assert "Ganz neu (m/w/d)" in render(NEWEST_JOBS)


# --- In Chromium, on a phone and on a desktop -------------------------------------------

# A page with the slots as the article page places them: the header slot below the lead
# image. Served by the test's own URLconf, so the test does not depend on the rest of the
# page templates.
PAGE = Template("""{% load static ads_tags %}<!doctype html>
<html lang="de"><head><meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="{% static 'css/site.css' %}">
<link rel="stylesheet" href="{% static 'ads/ads.css' %}"></head>
<body>{% ad_slot "leaderboard" %}
<main class="page"><div><h1>Rat beschließt Sanierung</h1>
<div style="aspect-ratio: 16 / 9; background: #ccc"></div>{% ad_slot "header" %}
<p style="height: 1200px">Text</p></div></main>{% ad_slot "footer" %}</body></html>""")

# The layout shifts so far, read by an observer registered before the page loads.
OBSERVE_SHIFTS = """window.__shifts = [];
new PerformanceObserver((list) => window.__shifts.push(...list.getEntries().map((e) => e.value)))
  .observe({type: "layout-shift", buffered: true});"""


def slots_page(request):
    return HttpResponse(PAGE.render(Context({"request": request})))


urlpatterns = [path("test-slots/", slots_page), *project_urls.urlpatterns]


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, "user_agent": DESKTOP_CHROME}


def box_size(locator):
    box = locator.bounding_box()
    return round(box["width"]), round(box["height"])


@pytest.mark.browser
@pytest.mark.urls(__name__)
@pytest.mark.django_db(transaction=True)
def test_phones_get_the_phone_formats_in_fixed_boxes(live_server, page):
    with_phone = BannerFactory(
        slot="leaderboard",
        image=banner_image("leaderboard"),
        phone_image=phone_image("leaderboard"),
    )
    desktop_only = BannerFactory(slot="footer", image=banner_image("footer"))
    header = BannerFactory(
        slot="header", image=banner_image("header"), phone_image=phone_image("header")
    )
    url = live_server.url + "/test-slots/"
    requested = []
    page.on("request", lambda request: requested.append(request.url))

    def slowly(route):  # the banners arrive after the page: their space is kept
        page.wait_for_timeout(500)
        route.continue_()

    page.route("**/media/ads/**", slowly)
    page.add_init_script(OBSERVE_SHIFTS)

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(url)
    leaderboard = page.locator(".ad--leaderboard .ad__image")
    expect(leaderboard).to_have_js_property(
        "currentSrc", live_server.url + with_phone.phone_image.url
    )
    # With or without a phone image, a slot's box on phones has the phone format: a
    # desktop banner is shown smaller, within the same box.
    footer = page.locator(".ad--footer .ad__image")
    footer.scroll_into_view_if_needed()
    expect(footer).to_have_js_property("complete", True)
    assert footer.evaluate("img => img.currentSrc") == live_server.url + desktop_only.image.url
    assert box_size(leaderboard) == box_size(footer) == (320, 50)
    # The header banner below the lead image, in its phone format.
    phone_copy = page.locator(".ad--header .ad__image")
    phone_copy.scroll_into_view_if_needed()
    expect(phone_copy).to_have_js_property("currentSrc", live_server.url + header.phone_image.url)
    expect(phone_copy).to_have_js_property("complete", True)
    assert box_size(phone_copy) == (320, 100)
    page.wait_for_load_state("networkidle")
    assert page.evaluate("window.__shifts") == []
    # The phone banner only, not the desktop one.
    assert requested.count(live_server.url + header.phone_image.url) == 1
    assert live_server.url + header.image.url not in requested

    page.set_viewport_size({"width": 360, "height": 740})
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    page.goto("about:blank")  # resized, the phone page would fetch the desktop banners
    page.set_viewport_size({"width": 1280, "height": 900})
    requested.clear()
    page.goto(url)
    wide_copy = page.locator(".ad--header .ad__image")
    expect(wide_copy).to_have_js_property("currentSrc", live_server.url + header.image.url)
    expect(wide_copy).to_have_js_property("complete", True)
    width, height = box_size(wide_copy)  # in the content column: its width, in proportion
    assert width <= 970 and abs(width / height - 970 / 250) < 0.02
    assert box_size(leaderboard) == (728, 90)
    page.wait_for_load_state("networkidle")
    assert page.evaluate("window.__shifts") == []
    assert requested.count(live_server.url + header.image.url) == 1
    assert live_server.url + header.phone_image.url not in requested
