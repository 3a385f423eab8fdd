"""Only approved ads within their run dates (Berlin calendar days) are ever shown."""

from datetime import date, timedelta

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from ads.models import Banner, JobAd, ads_today

from .factories import BannerFactory, JobAdFactory

pytestmark = pytest.mark.django_db


def test_only_approved_running_ads_are_live():
    live = JobAdFactory()
    JobAdFactory(submitted=True)
    JobAdFactory(rejected=True)
    JobAdFactory(expired=True)
    assert list(JobAd.objects.live()) == [live]


@pytest.mark.parametrize(
    ("moment", "is_live"),
    [
        ((2026, 11, 30, 23, 59, 59), True),  # the last day, a second before midnight in Berlin
        ((2026, 12, 1, 0, 0, 0), False),  # midnight in Berlin: gone
        ((2026, 11, 20, 0, 0, 0), True),  # the first day from 0:00
        ((2026, 11, 19, 23, 59, 59), False),  # the evening before
    ],
)
def test_run_days_are_berlin_days(freeze_berlin, moment, is_live):
    ad = JobAdFactory(first_day=date(2026, 11, 20), last_day=date(2026, 11, 30))
    banner = BannerFactory(first_day=date(2026, 11, 20), last_day=date(2026, 11, 30))
    freeze_berlin(*moment)
    assert JobAd.objects.live().filter(pk=ad.pk).exists() is is_live
    assert Banner.objects.live().filter(pk=banner.pk).exists() is is_live


def test_job_page_answers_until_2359_berlin_and_410_at_midnight(client, freeze_berlin):
    ad = JobAdFactory(first_day=date(2026, 11, 25), last_day=date(2026, 11, 25))  # one day
    freeze_berlin(2026, 11, 25, 23, 59)
    assert client.get(ad.get_absolute_url()).status_code == 200
    freeze_berlin(2026, 11, 26, 0, 0)
    response = client.get(ad.get_absolute_url())
    assert response.status_code == 410
    assert "Diese Anzeige ist abgelaufen" in response.text


def test_box_and_board_show_only_live_ads(client):
    live = JobAdFactory(title="Sichtbar (m/w/d)")
    JobAdFactory(title="Eingereicht (m/w/d)", submitted=True)
    JobAdFactory(title="Abgelehnt (m/w/d)", rejected=True)
    JobAdFactory(title="Abgelaufen (m/w/d)", expired=True)
    board = client.get(reverse("ads:job-list")).text
    assert live.title in board
    for hidden in ("Eingereicht", "Abgelehnt", "Abgelaufen"):
        assert hidden not in board


def test_paused_or_future_banners_are_not_live():
    BannerFactory(is_active=False)
    BannerFactory(
        first_day=ads_today() + timedelta(days=1), last_day=ads_today() + timedelta(days=3)
    )
    assert not Banner.objects.live().exists()


def test_database_refuses_a_last_day_before_the_first():
    ad = JobAdFactory()
    ad.last_day = date(2000, 1, 1)
    with pytest.raises(IntegrityError), transaction.atomic():
        ad.save()


def test_database_refuses_an_unknown_status_and_a_reasonless_rejection():
    ad = JobAdFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        JobAd.objects.filter(pk=ad.pk).update(status="live")
    with pytest.raises(IntegrityError), transaction.atomic():
        JobAd.objects.filter(pk=ad.pk).update(status="rejected", rejection_reason="")
