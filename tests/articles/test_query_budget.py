"""Each reading page runs the same number of SQL queries whatever it shows: at most 10."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles.pagination import make_cursor
from tests.factories import ArticleFactory, AuthorFactory, CategoryFactory

pytestmark = pytest.mark.django_db
BUDGET = 10


def build_portal(n: int):
    """n articles spread over 4 main categories with subcategories, n authors and tags."""
    mains = [CategoryFactory(slug=f"haupt-{i}") for i in range(4)]
    subs = [CategoryFactory(slug=f"unter-{i}", parent=main) for i, main in enumerate(mains)]
    authors = [AuthorFactory() for _ in range(n)]
    articles = []
    for i in range(n):
        articles.append(ArticleFactory(
            category=subs[i % 4] if i % 2 else mains[i % 4],
            authors=authors[: 1 + i % 3], tags=[f"Thema {i % 7}", "Lindenau", f"Extra {i}"],
            published_at=timezone.now() - timedelta(hours=i + 1), is_lead_story=i == 3,
        ))  # fmt: skip
    return mains, articles, authors


def pages(mains, articles, authors):
    article = articles[len(articles) // 2]
    cursor_row = (articles[0].pk, articles[0].published_at)
    return {
        "home": "/",
        "category": mains[0].get_absolute_url(),
        # an older page of the category, reached by the "Ältere Artikel" cursor
        "category-older": f"{mains[0].get_absolute_url()}?vor={make_cursor(cursor_row)}",
        "subcategory": f"{mains[1].get_absolute_url()}unter-1/",
        "article": article.get_absolute_url(),
        "tag": "/thema/lindenau/",
        "author": authors[0].get_absolute_url(),
        "search": "/suche/?q=Meldung",
    }


def count_queries(client, url):
    client.get(url)  # warm the site-wide caches (navigation, settings) as in production
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx)


@pytest.mark.parametrize(
    "page",
    ["home", "category", "category-older", "subcategory", "article", "tag", "author", "search"],
)
def test_query_count_is_constant_and_within_budget(client, page):
    small = count_queries(client, pages(*build_portal(5))[page])
    from articles.models import Article, Author, Category, Tag

    Article.objects.all().delete()
    Category.objects.exclude(parent=None).delete()
    for model in (Author, Category, Tag):
        model.objects.all().delete()
    large = count_queries(client, pages(*build_portal(50))[page])
    assert small == large, f"{page}: {small} queries with 5 items, {large} with 50"
    assert large <= BUDGET, f"{page}: {large} queries"
