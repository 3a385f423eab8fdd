"""The job market: board, a page per ad with JobPosting data, and German addresses."""

import json
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from lxml import html as lxml_html

from ads.models import Banner, JobAd, ads_today
from articles.models import is_reserved_top_level_slug

from .factories import BannerFactory, JobAdFactory

pytestmark = pytest.mark.django_db


def test_addresses_are_german():
    assert reverse("ads:job-list") == "/stellenmarkt/"
    assert reverse("ads:job-submit") == "/stellenmarkt/anzeige-aufgeben/"
    assert reverse("ads:banner-click", args=[7]) == "/anzeigen/klick/7/"
    assert is_reserved_top_level_slug("stellenmarkt")
    assert is_reserved_top_level_slug("anzeigen")


def test_board_lists_newest_first_with_a_page_per_ad(client):
    today = ads_today()
    older = JobAdFactory(title="Ältere Stelle (m/w/d)", first_day=today - timedelta(days=5))
    newer = JobAdFactory(title="Neuere Stelle (m/w/d)", first_day=today)
    response = client.get(reverse("ads:job-list"))
    assert response.status_code == 200
    assert not response.cookies
    tree = lxml_html.fromstring(response.content)
    titles = [a.text_content() for a in tree.xpath("//ul[@class='job-list__list']//h3/a")]
    assert [t.split(": ", 1)[1] for t in titles] == [newer.title, older.title]
    assert tree.xpath("//h1")[0].text == "Stellenmarkt"
    links = tree.xpath("//ul[@class='job-list__list']//h3/a/@href")
    assert links == [newer.get_absolute_url(), older.get_absolute_url()]
    assert len(tree.xpath("//ul[@class='job-list__list']//p[@class='ad__label']")) == 2


def test_board_reports_its_job_ads_seen_also_without_banners(client):
    JobAdFactory()
    tree = lxml_html.fromstring(client.get(reverse("ads:job-list")).content)
    assert len(tree.xpath("//script[contains(@src, 'ads/ads.')]")) == 1
    assert len(tree.xpath("//ul[@class='job-list__list']//*[@data-ad]")) == 1


def test_board_filters_by_place(client):
    JobAdFactory(title="Im Norden (m/w/d)", place="Lindenau-Nord")
    JobAdFactory(title="Im Süden (m/w/d)", place="Lindenau-Süd")
    response = client.get(reverse("ads:job-list"), {"ort": "Lindenau-Nord"})
    assert "Im Norden" in response.text and "Im Süden" not in response.text
    tree = lxml_html.fromstring(response.content)
    assert tree.xpath("//select[@name='ort']/option[@selected]/text()") == ["Lindenau-Nord"]
    empty = client.get(reverse("ads:job-list"), {"ort": "Atlantis"})
    assert "Für Atlantis gibt es zurzeit keine Stellenanzeigen." in empty.text


def test_board_query_budget(client, django_assert_max_num_queries):
    JobAdFactory.create_batch(25)
    client.get(reverse("ads:job-list"))  # warm the site-wide caches
    with django_assert_max_num_queries(10):
        response = client.get(reverse("ads:job-list"), {"seite": 2})
    assert "Seite 2 von 2" in response.text


@pytest.mark.parametrize("page", ["job-detail", "job-gone", "job-submit", "job-submit-done"])
def test_every_ads_page_within_budget(client, django_assert_max_num_queries, page):
    """With every banner slot and a logo filled, each page stays within 10 queries."""
    for slot in Banner.SLOT_SIZES:
        BannerFactory(slot=slot)
    live, gone = JobAdFactory(), JobAdFactory(expired=True)
    url = {
        "job-detail": live.get_absolute_url(),
        "job-gone": gone.get_absolute_url(),
        "job-submit": reverse("ads:job-submit"),
        "job-submit-done": reverse("ads:job-submit-done"),
    }[page]
    client.get(url)  # warm the site-wide caches
    with django_assert_max_num_queries(10):
        response = client.get(url)
    assert response.status_code in (200, 410)
    assert response.text.count('class="ad ad--') == 4  # the fifth slot is inside articles


def test_job_page_carries_job_posting_data(client):
    ad = JobAdFactory(
        title="Pflegefachkraft (m/w/d)",
        employer_name="Seniorenzentrum Am Lindenhof",
        place="Lindenau-Süd",
        last_day=ads_today() + timedelta(days=3),
    )
    response = client.get(ad.get_absolute_url())
    assert response.status_code == 200
    assert not response.cookies
    tree = lxml_html.fromstring(response.content)
    (script,) = tree.xpath("//script[@type='application/ld+json']")
    data = json.loads(script.text)
    assert data["@type"] == "JobPosting"
    assert data["title"] == "Pflegefachkraft (m/w/d)"
    assert data["hiringOrganization"]["name"] == "Seniorenzentrum Am Lindenhof"
    assert data["jobLocation"]["address"]["addressLocality"] == "Lindenau-Süd"
    assert data["validThrough"] == f"{ad.last_day.isoformat()}T23:59:59{offset(ad.last_day)}"
    assert tree.xpath("string(//p[@class='ad__label'])") == "Anzeige"
    assert tree.xpath("//a[text()='Jetzt bewerben']/@rel") == ["sponsored noopener"]


def offset(day) -> str:
    """Berlin's UTC offset at the end of `day`: +01:00 in winter, +02:00 in summer."""
    end = datetime.combine(day, time(23, 59, 59), tzinfo=ZoneInfo("Europe/Berlin"))
    return end.isoformat()[-6:]


@pytest.mark.parametrize(
    ("last_day", "valid_through"),
    [
        (date(2026, 3, 29), "2026-03-29T23:59:59+02:00"),  # clocks went forward that night
        (date(2026, 10, 25), "2026-10-25T23:59:59+01:00"),  # clocks went back that night
    ],
)
def test_valid_through_is_the_end_of_the_berlin_day_across_dst(
    client, freeze_berlin, last_day, valid_through
):
    ad = JobAdFactory(first_day=last_day, last_day=last_day)
    freeze_berlin(last_day.year, last_day.month, last_day.day, 12, 0)
    tree = lxml_html.fromstring(client.get(ad.get_absolute_url()).content)
    data = json.loads(tree.xpath("//script[@type='application/ld+json']")[0].text)
    assert data["validThrough"] == valid_through


def test_job_posting_data_cannot_break_out_of_its_script(client):
    ad = JobAdFactory()
    evil = "</script><script>alert(1)</script> & more"
    JobAd.objects.filter(pk=ad.pk).update(employer_name=evil)  # past validation, as from a bug
    response = client.get(ad.get_absolute_url())
    assert "</script><script>alert(1)" not in response.text
    tree = lxml_html.fromstring(response.content)
    data = json.loads(tree.xpath("//script[@type='application/ld+json']")[0].text)
    assert data["hiringOrganization"]["name"] == evil


@pytest.mark.parametrize("state", ["submitted", "rejected"])
def test_unapproved_ads_have_no_page(client, state):
    ad = JobAdFactory(**{state: True})
    assert client.get(ad.get_absolute_url()).status_code == 404


def test_an_approved_ad_appears_only_from_its_first_day(client):
    ad = JobAdFactory(
        first_day=ads_today() + timedelta(days=2), last_day=ads_today() + timedelta(days=9)
    )
    assert client.get(ad.get_absolute_url()).status_code == 404


def test_an_expired_ad_answers_410_in_plain_german(client):
    ad = JobAdFactory(expired=True, title="Koch (m/w/d)", employer_name="Gasthaus Linde")
    response = client.get(ad.get_absolute_url())
    assert response.status_code == 410
    assert "Die Stellenanzeige „Koch (m/w/d)“ von Gasthaus Linde lief bis zum" in response.text
    assert reverse("ads:job-list") in response.text
    assert '<meta name="robots" content="noindex">' in response.text


def test_a_changed_title_redirects_to_the_current_address(client):
    ad = JobAdFactory(title="Koch (m/w/d)")
    response = client.get(reverse("ads:job-detail", kwargs={"pk": ad.pk, "slug": "alter-titel"}))
    assert response.status_code == 301
    assert response.url == ad.get_absolute_url() == f"/stellenmarkt/{ad.pk}-koch-mwd/"


def test_ads_index_leads_to_the_job_market(client):
    response = client.get("/anzeigen/")
    assert response.status_code == 302 and response.url == "/stellenmarkt/"
