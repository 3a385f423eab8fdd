"""Banner slots and the job box: labelled, sized, rotating, and cheap in queries."""

from collections import Counter

import pytest
from django.core.cache import cache
from django.db import connection
from django.template import Context, Template
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from lxml import html as lxml_html

from ads.models import Banner
from newsroom.caching import read_versions
from tests.factories import ArticleFactory, image_upload

from .factories import BannerFactory, JobAdFactory

pytestmark = pytest.mark.django_db

SLOTS = ["leaderboard", "header", "sidebar", "article", "footer"]
ALL_SLOTS = Template("{% load ads_tags %}" + "".join(f'{{% ad_slot "{slot}" %}}' for slot in SLOTS))
WITH_JOB_BOX = Template(
    "{% load ads_tags %}"
    + "".join(f'{{% ad_slot "{slot}" %}}' for slot in SLOTS)
    + "{% job_ad_box %}"
)


def render(template, request=None):
    request = request or RequestFactory().get("/")
    return template.render(Context({"request": request}))


def test_empty_slots_and_box_render_nothing():
    assert render(WITH_JOB_BOX).strip() == ""


def test_a_filled_slot_is_labelled_sized_and_sponsored():
    BannerFactory(
        slot="leaderboard", alt_text="Stadtfest Lindenau", target_url="https://example.org/fest"
    )
    out = render(ALL_SLOTS)
    tree = lxml_html.fragment_fromstring(out, create_parent="div")
    (aside,) = tree.xpath("//aside")
    assert aside.xpath("string(.//p[@class='ad__label'])") == "Anzeige"
    assert aside.get("aria-labelledby") == "anzeige-leaderboard"
    (link,) = aside.xpath(".//a")
    assert link.get("rel") == "sponsored noopener"
    assert link.get("href").startswith("/anzeigen/klick/")
    (img,) = link.xpath("img")
    assert (img.get("width"), img.get("height"), img.get("alt")) == (
        "728",
        "90",
        "Stadtfest Lindenau",
    )
    # The counting script comes along once, from our own static files.
    (script,) = tree.xpath("//script")
    assert script.get("src").startswith("/static/ads/ads.") and script.get("defer") is not None


def test_a_large_logo_is_offered_in_its_small_copy(settings):
    """A logo is shown at most 96 pixels wide: phones need not load a 2000-pixel file, and
    browsers that read WebP get the smaller WebP copy."""
    ad = JobAdFactory(employer_logo=image_upload("logo.png", size=(2000, 1000), fmt="PNG"))
    tree = lxml_html.fragment_fromstring(
        render(Template("{% load ads_tags %}{% job_ad_box %}")), create_parent="div"
    )
    (img,) = tree.xpath("//picture//img")  # lxml nests it in the void <source>
    assert (img.get("width"), img.get("height"), img.get("sizes")) == ("96", "48", "96px")
    smallest = img.get("srcset").split(",")[0].split()
    assert smallest[1] == "96w" and smallest[0].endswith(".png")
    assert ad.employer_logo.url in img.get("srcset")
    (webp,) = tree.xpath("//picture/source")
    assert (webp.get("type"), webp.get("sizes")) == ("image/webp", "96px")
    entries = [entry.split() for entry in webp.get("srcset").split(",")]
    assert [width for _url, width in entries] == ["96w", "192w"]
    for url in [smallest[0], *(url for url, _width in entries)]:
        assert (settings.MEDIA_ROOT / url.removeprefix(settings.MEDIA_URL)).exists(), url


def test_other_live_banners_travel_along_for_rotation_in_cached_pages():
    BannerFactory.create_batch(3, slot="sidebar")
    tree = lxml_html.fragment_fromstring(render(ALL_SLOTS), create_parent="div")
    (aside,) = tree.xpath("//aside")
    assert len(aside.xpath("./a[@data-ad]")) == 1
    assert len(aside.xpath("./template[@data-ad-alternatives]")) == 1
    assert "data-ad=" in lxml_html.tostring(aside.xpath("./template")[0], encoding="unicode")


def test_rotation_follows_the_weights():
    light = BannerFactory(slot="sidebar", weight=1)
    heavy = BannerFactory(slot="sidebar", weight=9)
    template = Template('{% load ads_tags %}{% ad_slot "sidebar" %}')
    shown = Counter()
    for _ in range(300):
        out = render(template)
        shown[heavy.pk if f'data-ad="b{heavy.pk}"' in out.split("<template")[0] else light.pk] += 1
    assert shown[heavy.pk] > 220 and shown[light.pk] > 5  # expected 270 : 30


def test_all_slots_cost_one_query_and_the_job_box_one_more_when_cold(django_assert_num_queries):
    for slot in SLOTS:
        BannerFactory(slot=slot)
    JobAdFactory.create_batch(3)
    read_versions()  # the cache versions are read once per request, before any view
    with django_assert_num_queries(2):
        out = render(WITH_JOB_BOX)
    assert out.count('class="ad ad--') == 5
    assert "Unsere Empfehlung" in out
    with django_assert_num_queries(0):  # from the app cache until an ad changes
        assert render(WITH_JOB_BOX).count('class="ad ad--') == 5


def test_the_script_is_included_once_per_page():
    for slot in SLOTS:
        BannerFactory(slot=slot)
    JobAdFactory()
    assert render(WITH_JOB_BOX).count("<script") == 1


def test_article_page_shows_every_slot_and_the_job_box_within_budget(client):
    for slot in SLOTS:
        BannerFactory(slot=slot)
    job = JobAdFactory(employer_name="Stadtwerke Lindenau", title="Elektroniker (m/w/d)")
    article = ArticleFactory()
    client.get(article.get_absolute_url())  # site-wide parts (navigation, settings) are cached
    with CaptureQueriesContext(connection) as queries:
        response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    assert len(queries) <= 10, [q["sql"] for q in queries]
    ad_queries = [q["sql"] for q in queries if '"ads_' in q["sql"]]
    assert ad_queries == [], "banners and job ads come from the app cache once warm"
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        client.get(article.get_absolute_url())
    cold = [q for q in queries if '"ads_' in q["sql"]]
    # The article's job ad is „Unsere Empfehlung“ below it: no sidebar job list there.
    assert len(cold) == 2, "cold: one query each for the banners and the job box"
    tree = lxml_html.fromstring(response.content)
    for slot in SLOTS:
        assert tree.xpath(f"//aside[contains(@class, 'ad--{slot}')]"), slot
    box = tree.xpath("//aside[@class='job-box']")[0]
    assert box.xpath("string(.//h2)") == "Unsere Empfehlung"
    assert "Stadtwerke Lindenau" in box.text_content() and job.title in box.text_content()
    assert box.xpath(".//p[@class='ad__label']")[0].text == "Anzeige"
    assert box.xpath(".//a[text()='Jetzt bewerben']/@rel") == ["sponsored noopener"]
    # A reading page sets no cookie, not even Django's CSRF cookie.
    assert not response.cookies


def test_article_page_without_ads_has_no_ad_markup(client):
    article = ArticleFactory()
    response = client.get(article.get_absolute_url())
    assert "Anzeige" not in response.text
    assert "ads/ads.js" not in response.text
    assert not Banner.objects.exists()
