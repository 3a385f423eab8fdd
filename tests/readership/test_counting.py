"""Counting reads: the beacon from reads.js, without cookies, addresses or robots."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from articles.models import Article
from readership.models import ArticleReads, ArticleReadsQuerySet
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db

URL = "/gelesen/"
READER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0"
SAME_ORIGIN = {"HTTP_SEC_FETCH_SITE": "same-origin", "HTTP_ORIGIN": "http://testserver"}


def report(client, article_id, agent=READER, **headers):
    headers = {**SAME_ORIGIN, "HTTP_USER_AGENT": agent, **headers}
    return client.post(URL, {"article": str(article_id)}, **headers)


def reads(article) -> int:
    return sum(ArticleReads.objects.filter(article=article).values_list("count", flat=True))


def test_a_report_counts_one_read_of_today_and_sets_no_cookie(client):
    article = ArticleFactory()
    first = report(client, article.pk, REMOTE_ADDR="192.0.2.1")
    second = report(client, article.pk, REMOTE_ADDR="192.0.2.2")
    assert first.status_code == second.status_code == 204
    assert first.cookies == {} and "Set-Cookie" not in first.headers
    row = ArticleReads.objects.get()
    assert (row.article, row.day, row.count) == (article, timezone.localdate(), 2)


def test_a_script_posting_reads_from_one_address_counts_once(client):
    """300 reports from one address in a few seconds must not buy a place in
    "Meistgelesen": one read per address and article within READ_REPEAT_MINUTES."""
    article = ArticleFactory()
    for _ in range(300):
        assert report(client, article.pk, REMOTE_ADDR="203.0.113.9").status_code == 204
    assert reads(article) == 1


def test_each_address_and_each_article_counts(client):
    article, other = ArticleFactory(), ArticleFactory()
    report(client, article.pk, REMOTE_ADDR="203.0.113.9")
    report(client, article.pk, REMOTE_ADDR="198.51.100.4")
    report(client, other.pk, REMOTE_ADDR="203.0.113.9")
    assert (reads(article), reads(other)) == (2, 1)


def test_an_ipv6_network_counts_as_one_address(client):
    """A connection owns a whole /64: rotating through it gains nothing."""
    article = ArticleFactory()
    report(client, article.pk, REMOTE_ADDR="2001:db8:1:2::1")
    report(client, article.pk, REMOTE_ADDR="2001:db8:1:2:abcd::99")
    assert reads(article) == 1
    report(client, article.pk, REMOTE_ADDR="2001:db8:1:3::1")  # another /64
    assert reads(article) == 2


def test_the_same_address_counts_again_after_the_repeat_time(client, settings):
    settings.READ_REPEAT_MINUTES = 30
    article = ArticleFactory()
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        report(client, article.pk, REMOTE_ADDR="203.0.113.9")
    with time_machine.travel(start + timedelta(minutes=29), tick=False):
        report(client, article.pk, REMOTE_ADDR="203.0.113.9")
    assert reads(article) == 1
    with time_machine.travel(start + timedelta(minutes=31), tick=False):
        report(client, article.pk, REMOTE_ADDR="203.0.113.9")
    assert reads(article) == 2


def test_nothing_about_the_reader_is_stored(client):
    article = ArticleFactory()
    report(
        client,
        article.pk,
        agent=READER + " Unverwechselbar/4.2",
        REMOTE_ADDR="203.0.113.77",
        HTTP_X_FORWARDED_FOR="198.51.100.23",
    )
    with connection.cursor() as cursor:
        columns = connection.introspection.get_table_description(
            cursor, ArticleReads._meta.db_table
        )
        cursor.execute(f"SELECT * FROM {ArticleReads._meta.db_table}")
        stored = cursor.fetchall()
    assert {c.name for c in columns} == {"id", "article_id", "day", "count"}
    assert len(stored) == 1
    text = " ".join(str(value) for value in stored[0])
    for trace in ("203.0.113", "198.51.100", "Unverwechselbar", "Mozilla"):
        assert trace not in text


@pytest.mark.parametrize(
    "agent",
    [
        "",
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
        "Mozilla/5.0 (compatible; Yahoo! Slurp)",
        "facebookexternalhit/1.1",
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 HeadlessChrome/131.0",
        "Some-Crawler/1.0",
        "WhatsApp link Preview",
    ],
)
def test_robots_are_not_counted(client, agent):
    article = ArticleFactory()
    assert report(client, article.pk, agent=agent).status_code == 204
    assert reads(article) == 0


def test_a_report_without_user_agent_is_not_counted(client):
    article = ArticleFactory()
    response = client.post(URL, {"article": str(article.pk)}, **SAME_ORIGIN)
    assert response.status_code == 204
    assert reads(article) == 0


@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_SEC_FETCH_SITE": "cross-site"},
        {"HTTP_SEC_FETCH_SITE": "same-site"},
        {"HTTP_ORIGIN": "https://evil.example"},
    ],
)
def test_reports_from_other_sites_are_refused(client, headers):
    article = ArticleFactory()
    assert report(client, article.pk, **headers).status_code == 403
    assert reads(article) == 0


def test_only_articles_readers_can_see_are_counted(client):
    draft = ArticleFactory(status=Article.Status.DRAFT)
    withdrawn = ArticleFactory(status=Article.Status.WITHDRAWN)
    scheduled = ArticleFactory(published_at=timezone.now() + timedelta(hours=2))
    for article in (draft, withdrawn, scheduled):
        assert report(client, article.pk).status_code == 204
    for bogus in ("999999", "abc", "-1", "1" * 40, ""):
        assert report(client, bogus).status_code == 204
    assert not ArticleReads.objects.exists()


def test_only_post_is_accepted(client):
    article = ArticleFactory()
    assert client.get(URL, {"article": article.pk}, HTTP_USER_AGENT=READER).status_code == 405
    assert reads(article) == 0


def test_the_day_is_the_portals_local_day(client, monkeypatch):
    # 23:30 UTC on 31 December is already New Year's Day in Berlin.
    moment = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)
    article = ArticleFactory(published_at=moment - timedelta(days=1))
    monkeypatch.setattr(timezone, "now", lambda: moment)
    report(client, article.pk)
    assert ArticleReads.objects.get().day.isoformat() == "2027-01-01"


def test_a_row_created_meanwhile_by_another_server_loses_no_read(monkeypatch):
    """The first read of the day inserts; when another server inserted first, the unique
    constraint refuses ours and the read is added to that row instead."""
    article = ArticleFactory()
    real_update, calls = ArticleReadsQuerySet.update, []

    def update_just_before_another_server_inserts(self, **kwargs):
        calls.append(kwargs)
        if len(calls) == 1:  # our UPDATE finds no row; then the other server inserts one
            ArticleReads.objects.bulk_create(
                [ArticleReads(article=article, day=timezone.localdate(), count=1)]
            )
            return 0
        return real_update(self, **kwargs)

    monkeypatch.setattr(ArticleReadsQuerySet, "update", update_just_before_another_server_inserts)
    assert ArticleReads.objects.count_read(article.pk, reader="192.0.2.1")
    assert reads(article) == 2


def test_the_article_page_carries_the_beacon_only_when_public(client, admin_client):
    article = ArticleFactory()
    html = client.get(article.get_absolute_url()).content.decode()
    assert f'data-endpoint="{URL}" data-article="{article.pk}"' in html
    article.status = Article.Status.DRAFT
    article.save()
    preview = admin_client.get(article.get_absolute_url()).content.decode()
    assert "readership/reads.js" not in preview


def test_the_article_page_stays_cacheable(client):
    """Counting happens in the browser: the page itself keeps its shared-cache headers and
    is answered with 304 when the reader's copy is current."""
    article = ArticleFactory()
    response = client.get(article.get_absolute_url())
    assert "public" in response["Cache-Control"] and not response.cookies
    again = client.get(article.get_absolute_url(), HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304
