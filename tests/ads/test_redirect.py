"""Clicks go through our redirect, which only ever leads to the ad's own stored address."""

from datetime import timedelta

import pytest
from django.urls import reverse

from ads.models import BannerStat, JobAd, JobAdStat, ads_today

from .factories import BannerFactory, JobAdFactory

pytestmark = pytest.mark.django_db


def test_banner_click_leads_to_the_stored_url_and_is_counted(client):
    banner = BannerFactory(target_url="https://example.org/sommerfest")
    response = client.get(reverse("ads:banner-click", args=[banner.pk]))
    assert response.status_code == 302
    assert response["Location"] == "https://example.org/sommerfest"
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]
    assert not response.cookies
    stat = BannerStat.objects.get(ad=banner)
    assert (stat.day, stat.clicks, stat.impressions) == (ads_today(), 1, 0)


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
    assert JobAdStat.objects.get(ad=ad).clicks == 1


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


def test_clicks_on_one_day_add_up_in_one_row(client):
    banner = BannerFactory()
    for _ in range(3):
        client.get(reverse("ads:banner-click", args=[banner.pk]))
    assert BannerStat.objects.get().clicks == 3
