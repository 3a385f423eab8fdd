"""'Mehr zum Thema': articles sharing tags first, then the newest of the category."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles.models import RELATED_PER_TAG, Article
from tests.factories import ArticleFactory, CategoryFactory

pytestmark = pytest.mark.django_db


def hours_ago(hours):
    return timezone.now() - timedelta(hours=hours)


@pytest.fixture
def town():
    return CategoryFactory(name="Lindenau", slug="lindenau")


@pytest.fixture
def sport():
    return CategoryFactory(name="Sport", slug="sport")


def related(article, **kwargs):
    return Article.objects.related_to(Article.objects.get(pk=article.pk), **kwargs)


def test_more_shared_tags_rank_higher_then_newer_then_the_category(town, sport):
    current = ArticleFactory(category=town, tags=["Hallenbad", "Stadtrat", "Haushalt"])
    all_three = ArticleFactory(
        category=sport, tags=["Hallenbad", "Stadtrat", "Haushalt"], published_at=hours_ago(90)
    )
    two_older = ArticleFactory(
        category=sport, tags=["Hallenbad", "Haushalt"], published_at=hours_ago(50)
    )
    two_newer = ArticleFactory(
        category=sport, tags=["Stadtrat", "Haushalt"], published_at=hours_ago(40)
    )
    one = ArticleFactory(category=sport, tags=["Haushalt", "Kirmes"], published_at=hours_ago(2))
    town_newest = ArticleFactory(category=town, published_at=hours_ago(3))
    town_older = ArticleFactory(category=town, published_at=hours_ago(20))
    ArticleFactory(category=sport, tags=["Kirmes"], published_at=hours_ago(1))  # shares nothing

    assert related(current) == [all_three, two_newer, two_older, one]
    assert related(current, limit=6) == [
        all_three,
        two_newer,
        two_older,
        one,
        town_newest,
        town_older,
    ]


def test_the_category_fills_up_newest_first_without_repeating(town):
    current = ArticleFactory(category=town, tags=["Kirmes"])
    tagged_in_town = ArticleFactory(category=town, tags=["Kirmes"], published_at=hours_ago(1))
    newest = ArticleFactory(category=town, published_at=hours_ago(2))
    middle = ArticleFactory(category=town, published_at=hours_ago(5))
    ArticleFactory(category=town, published_at=hours_ago(9))
    assert related(current, limit=3) == [tagged_in_town, newest, middle]


def test_only_published_articles_and_never_the_current_one(town):
    current = ArticleFactory(category=town, tags=["Hallenbad"])
    shown = ArticleFactory(category=town, tags=["Hallenbad"], published_at=hours_ago(30))
    ArticleFactory(category=town, tags=["Hallenbad"], status=Article.Status.DRAFT)
    ArticleFactory(category=town, tags=["Hallenbad"], status=Article.Status.REVIEW)
    ArticleFactory(
        category=town, tags=["Hallenbad"], published_at=timezone.now() + timedelta(hours=3)
    )
    withdrawn = ArticleFactory(category=town, tags=["Hallenbad"])
    withdrawn.status = Article.Status.WITHDRAWN
    withdrawn.save()
    assert related(current) == [shown]


def test_an_article_alone_in_its_category_without_tags_has_none(town):
    assert related(ArticleFactory(category=town)) == []


def queries_for(article) -> list[str]:
    loaded = Article.objects.prefetch_related("tags").get(pk=article.pk)
    with CaptureQueriesContext(connection) as ctx:
        Article.objects.related_to(loaded)
    return [q["sql"] for q in ctx.captured_queries]


def test_constant_queries_and_bounded_walks_whatever_the_number_of_tags(town, sport):
    names = [f"Thema {i}" for i in range(5)]
    for i in range(12):
        ArticleFactory(category=sport if i % 2 else town, tags=names[: 1 + i % 5],
                       published_at=hours_ago(i + 1))  # fmt: skip
    one_tag = queries_for(ArticleFactory(category=town, tags=names[:1]))
    five_tags = queries_for(ArticleFactory(category=town, tags=names))
    assert len(one_tag) == len(five_tags) == 2  # tags prefetched: the walks, the articles
    # Each tag's walk reads at most RELATED_PER_TAG rows of its index; nothing counts a tag.
    walks = five_tags[0]
    assert walks.count(f"LIMIT {RELATED_PER_TAG}") == 5
    assert "COUNT(" not in walks.upper()


def test_without_prefetched_tags_it_is_three_queries(town, django_assert_num_queries):
    current = ArticleFactory(category=town, tags=["A", "B", "C"])
    ArticleFactory(category=town, tags=["A"])
    loaded = Article.objects.get(pk=current.pk)
    with django_assert_num_queries(3):
        assert len(Article.objects.related_to(loaded)) == 1


def test_the_article_page_shows_related_cards(client, town):
    current = ArticleFactory(category=town, tags=["Hallenbad"])
    ArticleFactory(category=town, tags=["Hallenbad"], title="Hallenbad öffnet wieder")
    html = client.get(current.get_absolute_url()).content.decode()
    assert "Mehr zum Thema" in html
    section = html[html.index('id="mehr-zum-thema"') :]
    assert 'class="card' in section and "Hallenbad öffnet wieder" in section
    assert section.index("Hallenbad öffnet wieder") < section.index("</section>")


def test_related_cards_follow_changes_at_once(client, town):
    current = ArticleFactory(category=town, tags=["Hallenbad"])
    other = ArticleFactory(category=town, tags=["Hallenbad"], title="Bald zurückgezogen")
    assert "Bald zurückgezogen" in client.get(current.get_absolute_url()).content.decode()
    other.status = Article.Status.WITHDRAWN
    other.save()
    assert "Bald zurückgezogen" not in client.get(current.get_absolute_url()).content.decode()
