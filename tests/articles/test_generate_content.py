"""The generated archive's Aufmacher, as the home page shows them."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from articles.models import Article
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db


def generate(**options) -> None:
    call_command("generate_content", seed=3, stdout=StringIO(), **options)


def lead_title(client) -> str:
    html = client.get("/").content.decode()
    lead = html.split('class="lead-story"')[1].split("</section>")[0]
    return next(a.title for a in Article.objects.all() if a.title in lead)


def marked() -> list[int]:
    """Which articles are marked, by their number in the archive (0: the newest)."""
    slugs = Article.objects.filter(is_lead_story=True).values_list("slug", flat=True)
    return sorted(int(slug.rsplit("-", 1)[1]) for slug in slugs)


def test_about_one_aufmacher_a_day_by_default(client):
    generate(articles=60)
    # The 8th, 33rd and 58th newest: the newest few are not marked, so the lead story is not
    # simply the newest article.
    assert marked() == [7, 32, 57]
    assert lead_title(client) == Article.objects.get(slug__endswith="-7").title
    assert lead_title(client) != Article.objects.published().first().title


def test_lead_every_0_leaves_no_aufmacher_at_all(client):
    ArticleFactory(title="Aufmacher aus der Demo", is_lead_story=True)
    generate(articles=40, lead_every=0)
    assert marked() == []
    assert lead_title(client) == Article.objects.published().first().title
    generate(articles=40, lead_every=0)  # the archive is complete: nothing changes
    assert Article.objects.count() == 40 and marked() == []


def test_a_top_up_marks_what_one_run_would_have_marked():
    generate(articles=30, lead_every=10)
    generate(articles=60, lead_every=10)
    assert marked() == [7, 17, 27, 37, 47, 57]


def test_a_negative_lead_every_is_refused():
    with pytest.raises(CommandError):
        generate(articles=10, lead_every=-1)
    assert not Article.objects.exists()
