"""Impressions are reported by the page (ads.js) and counted per ad and day on the server."""

import threading
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from ads.models import STAT_SHARDS, BannerStat, JobAdStat, ads_today

from .factories import BannerFactory, JobAdFactory, counted

URL = reverse("ads:seen")
READER = "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/126.0 Mobile Safari/537.36"


@pytest.fixture
def client():
    """A reader's browser: reports without a User-Agent (robots) are not counted."""
    return Client(HTTP_USER_AGENT=READER)


@pytest.mark.django_db
def test_reported_live_ads_are_counted_per_day(client):
    banner = BannerFactory()
    job = JobAdFactory()
    for _ in range(2):
        response = client.post(
            URL, {"shown": f"b{banner.pk} j{job.pk}"}, HTTP_SEC_FETCH_SITE="same-origin"
        )
        assert response.status_code == 204
        assert not response.cookies
    assert counted(BannerStat, banner, day=ads_today()) == (2, 0)
    assert counted(JobAdStat, job, day=ads_today()) == (2, 0)


@pytest.mark.django_db
def test_only_live_ads_count_and_nonsense_is_ignored(client):
    ended = BannerFactory(
        first_day=ads_today() - timedelta(days=5), last_day=ads_today() - timedelta(days=1)
    )
    submitted = JobAdFactory(submitted=True)
    rejected = JobAdFactory(rejected=True)
    shown = f"b{ended.pk} j{submitted.pk} j{rejected.pk} b999999 x1 b-3 '; DROP TABLE"
    assert client.post(URL, {"shown": shown}).status_code == 204
    assert not BannerStat.objects.exists() and not JobAdStat.objects.exists()


@pytest.mark.django_db
def test_counts_go_to_the_berlin_day(client, freeze_berlin):
    """At 0:30 in Berlin it is still the day before in UTC; the statistics follow Berlin."""
    banner = BannerFactory(first_day=date(2026, 11, 1), last_day=date(2026, 12, 31))
    freeze_berlin(2026, 11, 30, 23, 59, 59)
    client.post(URL, {"shown": f"b{banner.pk}"})
    freeze_berlin(2026, 12, 1, 0, 30)
    client.post(URL, {"shown": f"b{banner.pk}"})
    client.post(URL, {"shown": f"b{banner.pk}"})
    assert counted(BannerStat, banner, day=date(2026, 11, 30)) == (1, 0)
    assert counted(BannerStat, banner, day=date(2026, 12, 1)) == (2, 0)


@pytest.mark.django_db
def test_same_ad_twice_in_one_report_counts_once(client):
    banner = BannerFactory()
    client.post(URL, {"shown": f"b{banner.pk} b{banner.pk}"})
    assert counted(BannerStat, banner) == (1, 0)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "headers",
    [{"HTTP_SEC_FETCH_SITE": "cross-site"}, {"HTTP_ORIGIN": "https://evil.example"}],
)
def test_reports_from_other_sites_are_refused(client, headers):
    banner = BannerFactory()
    response = client.post(URL, {"shown": f"b{banner.pk}"}, **headers)
    assert response.status_code == 403
    assert not BannerStat.objects.exists()


@pytest.mark.django_db
def test_the_report_endpoint_only_takes_posts(client):
    assert client.get(URL).status_code == 405


@pytest.mark.django_db
def test_rendering_a_page_counts_nothing_by_itself(client):
    """Impressions come from what readers' browsers report, so cached pages count too."""
    BannerFactory(slot="sidebar")
    JobAdFactory()
    client.get(reverse("ads:job-list"))
    assert not BannerStat.objects.exists() and not JobAdStat.objects.exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent connections")
@pytest.mark.django_db(transaction=True)
def test_concurrent_reports_lose_no_count():
    banner = BannerFactory()
    job = JobAdFactory()
    threads, per_thread = 8, 10
    start = threading.Barrier(threads)
    errors = []

    def report(number):
        try:
            browser = Client(HTTP_USER_AGENT=READER, REMOTE_ADDR=f"192.0.2.{number}")
            start.wait()  # all threads race for the first insert of the day's row
            for _ in range(per_thread):
                response = browser.post(URL, {"shown": f"b{banner.pk} j{job.pk}"})
                assert response.status_code == 204
        except Exception as exc:  # collected: an assert in a thread would pass silently
            errors.append(exc)
        finally:
            connection.close()

    workers = [threading.Thread(target=report, args=[n]) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert errors == []
    assert counted(BannerStat, banner) == (threads * per_thread, 0)
    assert counted(JobAdStat, job) == (threads * per_thread, 0)
    # The day's count is spread over a few rows, not one row every page view waits for.
    assert 1 < BannerStat.objects.count() <= STAT_SHARDS


@pytest.mark.django_db
def test_robots_reports_are_not_counted():
    banner = BannerFactory()
    for agent in ("", "Googlebot/2.1 (+http://www.google.com/bot.html)"):
        Client(HTTP_USER_AGENT=agent).post(URL, {"shown": f"b{banner.pk}"})
    assert counted(BannerStat, banner) == (0, 0)


@pytest.mark.django_db
def test_a_flood_of_reports_from_one_address_counts_only_what_a_reader_could_see(settings):
    """200 scripted reports in a minute add no more than ADS_IMPRESSION_REPORTS_PER_MINUTE;
    another address still counts."""
    settings.ADS_IMPRESSION_REPORTS_PER_MINUTE = 30
    banner = BannerFactory()
    script = Client(HTTP_USER_AGENT=READER, REMOTE_ADDR="198.51.100.7")
    for _ in range(200):
        assert script.post(URL, {"shown": f"b{banner.pk}"}).status_code == 204
    assert counted(BannerStat, banner)[0] <= 30 + 30  # at most two minutes' worth
    reader = Client(HTTP_USER_AGENT=READER, REMOTE_ADDR="198.51.100.8")
    before = counted(BannerStat, banner)[0]
    reader.post(URL, {"shown": f"b{banner.pk}"})
    assert counted(BannerStat, banner)[0] == before + 1


@pytest.mark.django_db
def test_reports_from_one_ipv6_network_share_the_limit(settings):
    """A script rotating through the addresses of its /64 is still one sender."""
    settings.ADS_IMPRESSION_REPORTS_PER_MINUTE = 5
    banner = BannerFactory()
    for host in range(1, 41):
        Client(HTTP_USER_AGENT=READER, REMOTE_ADDR=f"2001:db8:0:1::{host:x}").post(
            URL, {"shown": f"b{banner.pk}"}
        )
    assert counted(BannerStat, banner)[0] <= 5 + 5  # at most two minutes' worth
