"""Clicks go through our redirect, which only ever leads to the ad's own stored address."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from ads.models import BannerStat, JobAd, JobAdStat, ads_today

from .factories import BannerFactory, JobAdFactory, counted

pytestmark = pytest.mark.django_db

BROWSER = "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/131.0 Mobile Safari/537.36"


@pytest.fixture
def client():
    """A reader's phone browser (Django's test client sends no User-Agent at all)."""
    return Client(headers={"User-Agent": BROWSER})


def test_banner_click_leads_to_the_stored_url_and_is_counted(client):
    banner = BannerFactory(target_url="https://example.org/sommerfest")
    response = client.get(reverse("ads:banner-click", args=[banner.pk]))
    assert response.status_code == 302
    assert response["Location"] == "https://example.org/sommerfest"
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]
    assert not response.cookies
    assert counted(BannerStat, banner, day=ads_today()) == (0, 1)


@pytest.mark.parametrize(
    "query",
    [
        "?next=https://evil.example/",
        "?url=https://evil.example/",
        "?to=//evil.example",
        "?redirect=javascript:alert(1)",
    ],
)
def test_query_parameters_cannot_change_the_target(client, query):
    banner = BannerFactory(target_url="https://example.org/sommerfest")
    response = client.get(reverse("ads:banner-click", args=[banner.pk]) + query)
    assert response["Location"] == "https://example.org/sommerfest"


def test_a_target_that_is_no_longer_http_is_refused(client):
    banner = BannerFactory()
    type(banner).objects.filter(pk=banner.pk).update(target_url="javascript:alert(1)")
    response = client.get(reverse("ads:banner-click", args=[banner.pk]))
    assert response.status_code == 404
    assert "Location" not in response


def test_ended_or_unknown_banners_lead_nowhere(client):
    ended = BannerFactory(
        first_day=ads_today() - timedelta(days=9), last_day=ads_today() - timedelta(days=1)
    )
    response = client.get(reverse("ads:banner-click", args=[ended.pk]))
    assert response.status_code == 410
    assert "nicht mehr" in response.text
    assert client.get(reverse("ads:banner-click", args=[99999])).status_code == 404
    assert not BannerStat.objects.exists()


def test_job_apply_leads_to_the_application_link(client):
    ad = JobAdFactory(apply_url="https://example.org/bewerben")
    response = client.get(reverse("ads:job-apply", args=[ad.pk]) + "?next=https://evil.example/")
    assert response["Location"] == "https://example.org/bewerben"
    assert counted(JobAdStat, ad) == (0, 1)


def test_job_apply_without_link_opens_the_application_email(client):
    ad = JobAdFactory(apply_url="", apply_email="bewerbung@example.org")
    response = client.get(reverse("ads:job-apply", args=[ad.pk]))
    assert response.status_code == 302
    assert response["Location"] == "mailto:bewerbung@example.org"


@pytest.mark.parametrize("state", ["submitted", "rejected"])
def test_unapproved_job_ads_redirect_nowhere(client, state):
    ad = JobAdFactory(**{state: True})
    assert client.get(reverse("ads:job-apply", args=[ad.pk])).status_code == 404
    assert not JobAdStat.objects.exists()


def test_expired_job_ad_apply_says_so(client):
    ad = JobAdFactory(expired=True)
    response = client.get(reverse("ads:job-apply", args=[ad.pk]))
    assert response.status_code == 410
    assert ad.title in response.text
    assert JobAd.objects.get(pk=ad.pk).stats.count() == 0


def test_clicks_of_different_readers_on_one_day_add_up(client):
    banner = BannerFactory()
    for n in range(3):
        client.get(reverse("ads:banner-click", args=[banner.pk]), REMOTE_ADDR=f"192.0.2.{n}")
    assert counted(BannerStat, banner, day=ads_today()) == (0, 3)


def test_repeated_clicks_of_one_reader_count_once(client):
    banner = BannerFactory(target_url="https://example.org/fest")
    job = JobAdFactory()
    for _ in range(5):
        response = client.get(reverse("ads:banner-click", args=[banner.pk]))
        assert response["Location"] == "https://example.org/fest"  # still leads there
        client.get(reverse("ads:job-apply", args=[job.pk]))
    assert counted(BannerStat, banner) == (0, 1)
    assert counted(JobAdStat, job) == (0, 1)


def test_one_ipv6_network_rotating_its_addresses_counts_once(client):
    """One connection owns a whole /64: a script cannot click once per address."""
    banner = BannerFactory()
    for n in range(1, 6):
        client.get(reverse("ads:banner-click", args=[banner.pk]), REMOTE_ADDR=f"2001:db8:1:2::{n}")
    client.get(reverse("ads:banner-click", args=[banner.pk]), REMOTE_ADDR="2001:db8:1:3::1")
    assert counted(BannerStat, banner) == (0, 2)


@pytest.mark.parametrize(
    "agent", ["", "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"]
)
def test_robots_are_redirected_but_not_counted(agent):
    banner = BannerFactory(target_url="https://example.org/fest")
    robot = Client(headers={"User-Agent": agent} if agent else {})
    response = robot.get(reverse("ads:banner-click", args=[banner.pk]))
    assert response["Location"] == "https://example.org/fest"
    assert not BannerStat.objects.exists()


def test_approved_ad_before_its_first_day_has_no_apply_link(client):
    ad = JobAdFactory(
        first_day=ads_today() + timedelta(days=2), last_day=ads_today() + timedelta(days=9)
    )
    assert client.get(reverse("ads:job-apply", args=[ad.pk])).status_code == 404
    assert not JobAdStat.objects.exists()
