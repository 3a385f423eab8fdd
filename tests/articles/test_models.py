from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.urls import reverse
from django.utils import timezone

from articles.models import Article, Category, Tag
from newsroom.text import slugify_de
from tests.factories import ArticleFactory, CategoryFactory

pytestmark = pytest.mark.django_db


def test_german_transliteration_in_slugs():
    assert slugify_de("Bürgermeister grüßt Straße") == "buergermeister-gruesst-strasse"
    assert slugify_de("Öffnungszeiten ÄNDERN sich") == "oeffnungszeiten-aendern-sich"


def test_tag_slugs_spell_umlauts_out():
    article = ArticleFactory()
    article.tags.add("Bürgerbüro", "Fußball")
    assert set(Tag.objects.values_list("slug", flat=True)) == {"buergerbuero", "fussball"}


def test_tags_without_letters_still_get_a_page(client):
    article = ArticleFactory(tags=["🎉", "!!!"])
    slugs = set(Tag.objects.values_list("slug", flat=True))
    assert slugs == {"schlagwort", "schlagwort_1"}
    assert client.get(article.get_absolute_url()).status_code == 200
    for slug in slugs:
        assert client.get(reverse("articles:tag", kwargs={"slug": slug})).status_code == 200


def test_category_tree_paths_follow_renames():
    town = CategoryFactory(name="Lindenau", slug="lindenau")
    hall = CategoryFactory(name="Rathaus", slug="rathaus", parent=town)
    article = ArticleFactory(category=hall, slug="neue-buergermeisterin")
    assert hall.path == "lindenau/rathaus"
    assert article.get_absolute_url() == "/lindenau/rathaus/neue-buergermeisterin/"
    town.slug = "stadt"
    town.save()
    hall.refresh_from_db()
    assert hall.path == "stadt/rathaus"
    assert str(hall) == "Lindenau › Rathaus"


@pytest.mark.parametrize("slug", ["admin", "suche", "thema", "autor", "seite", "static", "media"])
def test_top_level_category_slugs_that_clash_with_site_paths_are_refused(slug):
    category = Category(name="X", slug=slug)
    with pytest.raises(ValidationError) as exc:
        category.full_clean()
    assert "slug" in exc.value.message_dict


def test_reserved_slug_is_fine_below_a_main_category():
    town = CategoryFactory(slug="lindenau")
    Category(name="Suche", slug="suche", parent=town).full_clean()


def test_category_cannot_be_its_own_ancestor():
    town = CategoryFactory(slug="lindenau")
    hall = CategoryFactory(slug="rathaus", parent=town)
    town.parent = hall
    with pytest.raises(ValidationError):
        town.full_clean()


def test_sibling_categories_need_distinct_slugs():
    town = CategoryFactory(slug="lindenau")
    CategoryFactory(slug="rathaus", parent=town)
    with pytest.raises(IntegrityError):
        CategoryFactory(slug="rathaus", parent=town)


def test_published_excludes_drafts_and_future_articles():
    visible = ArticleFactory()
    ArticleFactory(status=Article.Status.DRAFT)
    ArticleFactory(published_at=timezone.now() + timedelta(minutes=5))
    assert list(Article.objects.published()) == [visible]


def test_updated_date_is_set_only_when_published_text_changes():
    article = ArticleFactory(body="<p>Erste Fassung.</p>")
    assert article.updated_at is None
    article = Article.objects.get(pk=article.pk)
    article.is_lead_story = True  # not a change of the text
    article.save()
    assert article.updated_at is None
    article = Article.objects.get(pk=article.pk)
    article.body = "<p>Zweite Fassung mit Korrektur.</p>"
    article.save()
    assert article.updated_at is not None


def test_republishing_with_a_later_date_drops_the_older_update():
    article = ArticleFactory(published_at=timezone.now() - timedelta(days=2))
    article = Article.objects.get(pk=article.pk)
    article.lead = "Korrigierter Anreißer."
    article.save()
    assert article.updated_at is not None
    article.status = Article.Status.DRAFT  # taken down for a check, then published anew
    article.save()
    article.status, article.published_at = Article.Status.PUBLISHED, timezone.now()
    article.save()
    assert article.updated_at is None


def test_editing_a_draft_is_not_an_update():
    article = ArticleFactory(status=Article.Status.DRAFT)
    article = Article.objects.get(pk=article.pk)
    article.title = "Neuer Titel"
    article.save()
    assert article.updated_at is None


def test_changed_slug_keeps_old_address_working(client):
    article = ArticleFactory(slug="alter-titel")
    old_url = article.get_absolute_url()
    article = Article.objects.get(pk=article.pk)
    article.slug = "neuer-titel"
    article.save()
    response = client.get(old_url)
    assert response.status_code == 301
    assert response["Location"] == article.get_absolute_url()


def test_changed_category_keeps_old_address_working(client):
    article = ArticleFactory(slug="umzug")
    old_url = article.get_absolute_url()
    article.category = CategoryFactory(slug="region")
    article.save()
    response = client.get(old_url)
    assert response.status_code == 301
    assert response["Location"] == "/region/umzug/"


def test_article_slug_may_not_equal_a_category_slug():
    CategoryFactory(slug="sport")
    article = ArticleFactory.build(slug="sport", category=CategoryFactory())
    with pytest.raises(ValidationError):
        article.full_clean()


def test_excerpt_falls_back_to_the_start_of_the_text():
    article = ArticleFactory(lead="", body="<p>" + "Wort " * 50 + "</p>")
    assert article.excerpt.startswith("Wort Wort") and article.excerpt.endswith("…")


def test_admin_article_urls_reverse_in_german():
    assert reverse("articles:search") == "/suche/"
    assert reverse("articles:tag", kwargs={"slug": "x"}) == "/thema/x/"
    assert reverse("articles:author", kwargs={"slug": "x"}) == "/autor/x/"


def test_renamed_category_keeps_its_old_address(client):
    town = CategoryFactory(name="Lindenau", slug="lindenau")
    CategoryFactory(name="Rathaus", slug="rathaus", parent=town)
    town.slug = "stadt"
    town.save()
    assert client.get("/lindenau/").headers["Location"] == "/stadt/"
    response = client.get("/lindenau/rathaus/")
    assert response.status_code == 301 and response["Location"] == "/stadt/rathaus/"
    # Renaming back makes the first address real again.
    town.slug = "lindenau"
    town.save()
    assert client.get("/lindenau/").status_code == 200
    assert client.get("/stadt/").headers["Location"] == "/lindenau/"


def test_an_article_saved_without_a_slug_gets_a_free_one_from_its_headline():
    """A script or an import may leave the slug empty: two such saves must not collide."""
    category = CategoryFactory(slug="marktplatz-wird-neu-gestaltet-3")
    first = ArticleFactory(title="Marktplatz wird neu gestaltet", slug="")
    second = ArticleFactory(title="Marktplatz wird neu gestaltet", slug="")
    third = ArticleFactory(title="Marktplatz wird neu gestaltet", slug="")
    assert first.slug == "marktplatz-wird-neu-gestaltet"
    assert second.slug == "marktplatz-wird-neu-gestaltet-2"
    assert third.slug == "marktplatz-wird-neu-gestaltet-4"  # -3 is the category's
    assert category.slug != third.slug
    assert ArticleFactory(title="!!!", slug="").slug == "artikel"
