"""Each reading page runs the same number of SQL queries whatever it shows: at most 10.

Every article has a lead image and every author a photo (library images), and one text
shows a library image: a query per image would show up as a difference."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles.models import Article, Author, Category, Tag
from articles.pagination import make_cursor
from images.models import Image
from tests.factories import ArticleFactory, AuthorFactory, CategoryFactory, ImageFactory

pytestmark = pytest.mark.django_db
BUDGET = 10


def build_portal(n: int):
    """n articles spread over 4 main categories with subcategories, n authors and tags."""
    mains = [CategoryFactory(slug=f"haupt-{i}") for i in range(4)]
    subs = [CategoryFactory(slug=f"unter-{i}", parent=main) for i, main in enumerate(mains)]
    authors = [AuthorFactory(photo=ImageFactory()) for _ in range(n)]
    in_text = ImageFactory()
    body = f'<p>Text</p><figure class="image"><img src="{in_text.file.url}" alt=""></figure>'
    articles = []
    for i in range(n):
        articles.append(ArticleFactory(
            category=subs[i % 4] if i % 2 else mains[i % 4],
            authors=authors[: 1 + i % 3], tags=[f"Thema {i % 7}", "Lindenau", f"Extra {i}"],
            published_at=timezone.now() - timedelta(hours=i + 1), is_lead_story=i == 3,
            lead_image=ImageFactory(), body=body,
        ))  # fmt: skip
    return mains, articles, authors


def clear_portal():
    Article.objects.all().delete()
    Category.objects.exclude(parent=None).delete()  # subcategories before their parents
    for model in (Author, Category, Tag, Image):
        model.objects.all().delete()


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
    clear_portal()
    large = count_queries(client, pages(*build_portal(50))[page])
    assert small == large, f"{page}: {small} queries with 5 items, {large} with 50"
    assert large <= BUDGET, f"{page}: {large} queries"


def test_home_page_after_a_save_computes_its_selection_in_constant_queries(client):
    """The home page's selection is cached until an article changes; the next reader's
    request computes it, lead images of the section blocks included, in a fixed number of
    queries. (12 articles rather than 5: with 5 all fit at the top and the sections stay
    empty, which saves the lead images' query.)"""

    def after_a_save(n):
        _mains, articles, _authors = build_portal(n)
        client.get("/")  # the site-wide caches and the selection, as in production
        articles[-1].save()  # any change to an article: the selection is computed again
        with CaptureQueriesContext(connection) as ctx:
            html = client.get("/").content.decode()
        assert html.count("<picture>") == min(n, 1 + 8 + 4 * 4)  # every card has its image
        return len(ctx)

    small = after_a_save(12)
    clear_portal()
    large = after_a_save(50)
    assert small == large, f"{small} queries with 12 articles, {large} with 50"
    assert large <= BUDGET, f"{large} queries"


def test_article_page_after_a_save_computes_its_boxes_in_constant_queries(client):
    """The article page keeps its own parts (per article), "Mehr zum Thema" (per article)
    and "Meistgelesen" (a few minutes) in the app cache, and finds the article there too:
    warm, no query; a save that changes nothing readers see changes nothing. After a change
    to another article its own parts stay; the lists and
    the lookup are computed again: the next scheduled publication 1, the article 1,
    related 3 (its tags, the tag walks in one UNION ALL, the articles), most read 2 (the
    week's totals, the articles), the newest 1: 8 in all, whatever the number of articles,
    tags and reads."""
    from readership.models import ArticleReads

    def after_a_save(n):
        _mains, articles, _authors = build_portal(n)
        for i, article in enumerate(articles):
            ArticleReads.objects.create(article=article, day=timezone.localdate(), count=i + 1)
        url = articles[len(articles) // 2].get_absolute_url()
        warm = count_queries(client, url)
        articles[-1].save()  # changes nothing a reader sees: nothing is computed again
        with CaptureQueriesContext(connection) as unchanged:
            client.get(url)
        assert len(unchanged) == 0, [q["sql"] for q in unchanged]
        articles[-1].title = "Eine neue Überschrift"
        articles[-1].save()
        with CaptureQueriesContext(connection) as ctx:
            html = client.get(url).content.decode()
        assert 'id="mehr-zum-thema"' in html and 'id="meistgelesen"' in html
        return warm, len(ctx)

    small = after_a_save(5)
    clear_portal()
    large = after_a_save(50)
    assert small == large == (0, 8), f"{small} queries with 5 articles, {large} with 50"
    assert large[1] <= BUDGET
