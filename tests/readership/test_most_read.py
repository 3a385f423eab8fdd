"""'Meistgelesen': the most read published articles of the last 7 days."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.utils import timezone
from lxml import html as lxml_html

from articles.models import Article
from readership.models import ArticleReads
from tests.articles.test_scale import plan_problems
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db


def read(article, count, days_ago=0):
    day = timezone.localdate() - timedelta(days=days_ago)
    ArticleReads.objects.create(article=article, day=day, count=count)


def hours_ago(hours):
    return timezone.now() - timedelta(hours=hours)


def test_most_read_sums_the_last_seven_days_only():
    steady = ArticleFactory(title="Jeden Tag gelesen")
    today = ArticleFactory(title="Heute gelesen")
    old_hit = ArticleFactory(title="Vor einer Woche der Renner")
    for days_ago in range(7):  # today and the six days before: all counted
        read(steady, 2, days_ago)
    read(today, 10)
    read(old_hit, 100, days_ago=7)  # the eighth day back: outside the window
    read(old_hit, 100, days_ago=8)
    read(old_hit, 1)
    assert ArticleReads.objects.most_read() == [steady, today, old_hit]


def test_most_read_shows_only_what_readers_can_see():
    shown = ArticleFactory()
    draft = ArticleFactory(status=Article.Status.DRAFT)
    withdrawn = ArticleFactory()
    scheduled = ArticleFactory(published_at=timezone.now() + timedelta(days=1))
    for article in (shown, draft, withdrawn, scheduled):
        read(article, 5)
    withdrawn.status = Article.Status.WITHDRAWN
    withdrawn.save()
    assert ArticleReads.objects.most_read() == [shown]


def test_ties_go_to_the_newer_article_and_the_list_is_limited():
    older = ArticleFactory(published_at=hours_ago(30))
    newer = ArticleFactory(published_at=hours_ago(3))
    most = ArticleFactory(published_at=hours_ago(50))
    others = [ArticleFactory(published_at=hours_ago(60 + i)) for i in range(5)]
    read(older, 7)
    read(newer, 3, days_ago=1)
    read(newer, 4)
    read(most, 20)
    for article in others:
        read(article, 1)
    assert ArticleReads.objects.most_read(limit=3) == [most, newer, older]
    assert len(ArticleReads.objects.most_read()) == 5


def test_most_read_takes_two_queries_whatever_was_read(django_assert_num_queries):
    for i in range(30):
        read(ArticleFactory(), i + 1, days_ago=i % 7)
    with django_assert_num_queries(2):
        assert len(ArticleReads.objects.most_read()) == 5


def test_most_read_reads_the_week_of_reads_not_the_archive():
    """No sort or walk over the articles: driven by the reads of the window (checked with
    the query plans, as the reading pages are in tests/articles/test_scale.py)."""
    for i in range(10):
        read(ArticleFactory(), i + 1, days_ago=i % 7)
    queries = []

    def record(execute, sql, params, many, context):
        queries.append((sql, tuple(params or ())))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        assert len(ArticleReads.objects.most_read()) == 5
    problems = {sql: found for sql, params in queries if (found := plan_problems(sql, params))}
    assert not problems


SIDEBAR = "//aside[contains(@class, 'page__sidebar')]"


def most_read_titles(client, url, where):
    tree = lxml_html.fromstring(client.get(url).content)
    box = "//*[contains(@class, 'most-read')]//li/a"
    return [a.text for a in tree.xpath(f"{where}{box}")]


def test_the_box_is_in_the_sidebar_and_below_the_article_but_once(client):
    first = ArticleFactory(title="Erster")
    second = ArticleFactory(title="Zweiter")
    read(first, 9)
    read(second, 4)
    assert most_read_titles(client, "/", SIDEBAR) == ["Erster", "Zweiter"]
    html = client.get(second.get_absolute_url()).content.decode()
    assert html.count('id="meistgelesen"') == 1
    assert most_read_titles(client, second.get_absolute_url(), "//main") == ["Erster", "Zweiter"]


def test_the_box_is_hidden_while_nothing_was_read(client):
    article = ArticleFactory()
    assert "meistgelesen" not in client.get("/").content.decode()
    assert "meistgelesen" not in client.get(article.get_absolute_url()).content.decode()


def test_an_article_taken_off_the_site_leaves_the_cached_box_at_once(client):
    hit = ArticleFactory(title="Bald zurückgezogen")
    read(hit, 50)
    assert most_read_titles(client, "/", SIDEBAR) == ["Bald zurückgezogen"]
    hit.status = Article.Status.WITHDRAWN
    hit.save()
    assert most_read_titles(client, "/", SIDEBAR) == []


def test_reads_alone_change_the_box_after_a_few_minutes(client):
    """Counting writes nothing that empties caches: the box follows the reads once its
    cache entry (MOST_READ_SECONDS) has expired, here by clearing the cache."""
    article = ArticleFactory(title="Gelesen")
    read(article, 3)
    client.get("/")
    read(ArticleFactory.create(title="Neuer Renner"), 10)  # its save empties the list cache
    client.get("/")
    ArticleReads.objects.filter(article=article).update(count=50)
    assert most_read_titles(client, "/", SIDEBAR) == ["Neuer Renner", "Gelesen"]
    cache.clear()
    assert most_read_titles(client, "/", SIDEBAR) == ["Gelesen", "Neuer Renner"]
