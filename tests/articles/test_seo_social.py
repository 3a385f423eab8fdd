"""Search and social fields of an article: what search engines and social networks get
with each field set, and what stands in for each one left empty."""

import json
from io import BytesIO
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from lxml import html as lxml_html
from PIL import Image as PILImage

from articles.models import PendingChange
from images.renditions import CROPS
from newsroom.models import SiteSettings
from tests.articles.test_admin import change_form_data
from tests.factories import ArticleFactory, CategoryFactory, ImageFactory, image_upload, member

pytestmark = pytest.mark.django_db
BASE = "http://testserver"
SITE = "Lindenauer Nachrichten"
LONG_TEASER = (
    "Nach zwei Jahren Bauzeit öffnet das neue Hallenbad am Samstag um zehn Uhr. Die "
    "Bürgermeisterin schwimmt die erste Bahn, danach ist der Eintritt den ganzen Tag frei, "
    "und der Schwimmverein zeigt, was er kann."
)


@pytest.fixture(autouse=True)
def site():
    return SiteSettings.objects.create(site_name=SITE)


@pytest.fixture
def town():
    return CategoryFactory(name="Lindenau", slug="lindenau")


def big_image(**kwargs):
    """A library image large enough for the 1200 × 630 crop."""
    return ImageFactory(file=image_upload(size=(1600, 1000)), **kwargs)


def read(client, article):
    """The page's head: <title>, meta tags by name or property, structured data by type."""
    response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    tree = lxml_html.fromstring(response.content)
    head = tree.find("head")
    metas = {}
    for element in head.xpath("meta[@property or @name]"):
        key = element.get("property") or element.get("name")
        assert key not in metas, f"{key} twice"
        metas[key] = element.get("content")
    scripts = head.xpath('script[@type="application/ld+json"]/text()')
    data = {d["@type"]: d for d in map(json.loads, scripts)}
    return head.findtext("title"), metas, data, tree


def og_crop_url(image) -> str:
    """The absolute address of the image's 1200 × 630 crop for social networks."""
    return BASE + image.renditions.largest(CROPS["og"])[0]


def test_the_page_uses_every_field_that_is_set(client, town):
    lead_image, social = big_image(), big_image(alt_text="Das Becken von oben")
    article = ArticleFactory(
        category=town, title="Bürgermeisterin eröffnet das neue Hallenbad", lead=LONG_TEASER,
        lead_image=lead_image, seo_title="Hallenbad Lindenau eröffnet",
        meta_description="Das neue Hallenbad in Lindenau ist offen: Eintritt am Samstag frei.",
        social_title="Endlich wieder schwimmen!", social_text="Heute freier Eintritt.",
        social_image=social,
    )  # fmt: skip
    title, meta, data, tree = read(client, article)

    assert title == "Hallenbad Lindenau eröffnet"  # the SEO title is the whole title
    assert meta["description"] == article.meta_description
    assert meta["og:title"] == "Endlich wieder schwimmen!"
    assert meta["og:description"] == "Heute freier Eintritt."
    assert meta["og:image"] == og_crop_url(social)
    assert (meta["og:image:width"], meta["og:image:height"]) == ("1200", "630")
    assert meta["og:image:alt"] == "Das Becken von oben"
    assert meta["twitter:card"] == "summary_large_image"
    # The shared picture really is 1200 × 630.
    response = client.get(meta["og:image"].removeprefix(BASE))
    assert response.status_code == 200
    with PILImage.open(BytesIO(b"".join(response.streaming_content))) as picture:
        assert picture.size == (1200, 630)

    # Structured data keep the article's own headline and its lead image's crops.
    news = data["NewsArticle"]
    assert set(news) == {
        "@context", "@type", "headline", "description", "datePublished", "dateModified",
        "author", "mainEntityOfPage", "publisher", "image",
    }  # fmt: skip
    assert news["headline"] == "Bürgermeisterin eröffnet das neue Hallenbad"
    assert news["description"] == article.meta_description
    assert len(news["image"]) == 3
    assert all(f"/renditions/{lead_image.pk}/" in url for url in news["image"])

    # The share links carry the social headline.
    (whatsapp,) = tree.xpath('//section[@data-share]//a[text()="WhatsApp"]/@href')
    assert parse_qs(urlsplit(whatsapp).query)["text"][0].startswith("Endlich wieder schwimmen! ")


def test_each_empty_field_falls_back_to_the_article(client, town):
    lead_image = big_image(alt_text="Archivbild")
    article = ArticleFactory(
        category=town, title="Bürgermeisterin eröffnet das neue Hallenbad", lead=LONG_TEASER,
        lead_image=lead_image, lead_image_alt="Das neue Becken",
    )  # fmt: skip
    title, meta, data, _tree = read(client, article)

    assert title == f"Bürgermeisterin eröffnet das neue Hallenbad – {SITE}"
    # The teaser, cut after a whole word within the 160 characters search results show.
    description = meta["description"]
    assert len(description) <= 160 and description.endswith("…")
    assert LONG_TEASER.startswith(description[:-1]) and LONG_TEASER[len(description) - 1] == " "
    assert meta["og:title"] == "Bürgermeisterin eröffnet das neue Hallenbad"
    assert meta["og:description"] == description
    assert meta["og:image"] == og_crop_url(lead_image)
    assert meta["og:image:alt"] == "Das neue Becken"  # the article's words for its image
    assert data["NewsArticle"]["description"] == description

    # Only a meta description: it stands in for the social text too.
    article.meta_description = "Eintritt am Samstag frei."
    article.save()
    _title, meta, data, _tree = read(client, article)
    assert meta["description"] == meta["og:description"] == "Eintritt am Samstag frei."
    assert data["NewsArticle"]["description"] == "Eintritt am Samstag frei."


def test_without_a_teaser_the_text_describes_the_article(client, town):
    article = ArticleFactory(category=town, lead="", body="<p>Der Rat tagte am Montag &amp; "
                             "beschloss den Haushalt.</p>")  # fmt: skip
    _title, meta, data, _tree = read(client, article)
    assert meta["description"] == "Der Rat tagte am Montag & beschloss den Haushalt."
    assert data["NewsArticle"]["description"] == meta["description"]


def test_a_social_image_stands_in_for_a_missing_lead_image(client, town):
    social = big_image(alt_text="Das Becken von oben")
    article = ArticleFactory(category=town, social_image=social)
    _title, meta, data, _tree = read(client, article)
    assert meta["og:image"] == og_crop_url(social)
    assert meta["og:image:alt"] == "Das Becken von oben"
    images = data["NewsArticle"]["image"]
    assert len(images) == 3 and all(f"/renditions/{social.pk}/" in url for url in images)

    without = ArticleFactory(category=town)
    _title, meta, data, _tree = read(client, without)
    assert "og:image" not in meta and meta["twitter:card"] == "summary"
    assert "image" not in data["NewsArticle"]


def test_structured_data_keep_the_headline_within_110_characters(client, town):
    words = "Stadtrat beschließt nach langer Debatte den Umbau des Marktplatzes mit neuen Bäumen"
    long_title = f"{words}, Bänken und Brunnen für die ganze Innenstadt von Lindenau im Jahr 2027"
    assert len(long_title) > 110
    article = ArticleFactory(category=town, title=long_title)
    _title, _meta, data, _tree = read(client, article)
    headline = data["NewsArticle"]["headline"]
    assert len(headline) <= 110 and headline.endswith("…")
    assert long_title.startswith(headline[:-1]) and long_title[len(headline) - 1] == " "


def test_the_fields_refuse_overlong_values_in_german(admin_client, town):
    article = ArticleFactory(category=town)
    data = change_form_data(admin_client, article) | {
        "seo_title": "x" * 61, "meta_description": "y" * 161,
        "social_title": "z" * 201, "social_text": "w" * 301,
    }  # fmt: skip
    response = admin_client.post(reverse("admin:articles_article_change", args=[article.pk]), data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["seo_title"] == [
        "Bitte sicherstellen, dass der Wert aus höchstens 60 Zeichen besteht. "
        "(Er besteht aus 61 Zeichen.)"
    ]
    assert "höchstens 160 Zeichen" in errors["meta_description"][0]
    assert "höchstens 200 Zeichen" in errors["social_title"][0]
    assert "höchstens 300 Zeichen" in errors["social_text"][0]


def test_the_form_counts_the_search_fields_and_previews_the_saved_article(admin_client, town):
    social = big_image()
    article = ArticleFactory(
        category=town, title="Hallenbad eröffnet", seo_title="Hallenbad Lindenau offen",
        social_text="Heute freier Eintritt.", social_image=social,
    )  # fmt: skip
    html = admin_client.get(reverse("admin:articles_article_change", args=[article.pk]))
    tree = lxml_html.fromstring(html.content.decode())
    (seo,) = tree.xpath('//input[@id="id_seo_title"]')
    (description,) = tree.xpath('//input[@id="id_meta_description"]')
    assert (seo.get("data-recommended"), seo.get("maxlength")) == ("60", "60")
    assert (description.get("data-recommended"), description.get("maxlength")) == ("160", "160")

    (preview,) = tree.xpath("//section[@data-social-preview]")
    assert preview.xpath("h2")[0].text == "Vorschau in Suchergebnissen und sozialen Medien"
    text = {
        e.get("data-preview"): e.text_content().strip()
        for e in preview.xpath(".//*[@data-preview]")
    }
    assert text["search-title"] == "Hallenbad Lindenau offen"
    assert (
        text["share-title"] == "Hallenbad eröffnet"
        and text["share-text"] == "Heute freier Eintritt."
    )
    (img,) = preview.xpath('.//*[@data-preview="share-image"]/img')
    assert BASE + img.get("src") == og_crop_url(social)

    # A new article's form has the preview too, still empty and without a picture.
    new = admin_client.get(reverse("admin:articles_article_add")).content.decode()
    (preview,) = lxml_html.fromstring(new).xpath("//section[@data-social-preview]")
    assert not preview.xpath('.//*[@data-preview="share-image"]/img')
    assert "Kein Bild" in preview.text_content()


def test_a_social_text_correction_by_redaktion_waits_for_approval(django_user_model, client, town):
    _user, journalist = member(django_user_model, "selin", "Redaktion")
    _cvd_user, cvd = member(django_user_model, "miriam", "Chef vom Dienst")
    article = ArticleFactory(category=town, social_text="Heute freier Eintritt.")
    data = change_form_data(journalist, article) | {"social_text": "Am Samstag freier Eintritt."}
    url = reverse("admin:articles_article_change", args=[article.pk])
    assert journalist.post(url, data).status_code == 302

    assert read(client, article)[1]["og:description"] == "Heute freier Eintritt."
    pending = PendingChange.objects.get()
    assert set(pending.data) == {"social_text"}
    decide = reverse("admin:articles_pendingchange_change", args=[pending.pk])
    html = cvd.get(decide).content.decode()
    assert "Social-Media-Text" in html and "Am Samstag" in html
    assert cvd.post(decide, {"approve": "1"}).status_code == 302
    assert read(client, article)[1]["og:description"] == "Am Samstag freier Eintritt."

    # The versions compare the fields under their German names.
    compare = reverse("admin:articles_article_compare", args=[article.pk])
    html = cvd.get(compare).content.decode()
    assert "Social-Media-Text" in html and "Samstag</ins>" in html


def test_a_social_image_costs_the_article_page_no_query(client, town):
    """Its images come with the article (one query with joins), on a cold cache too."""
    plain = ArticleFactory(category=town, lead_image=big_image())
    shared = ArticleFactory(category=town, lead_image=big_image(), social_image=big_image())

    def cold(article):
        cache.clear()  # nothing of the article is cached
        with CaptureQueriesContext(connection) as ctx:
            html = client.get(article.get_absolute_url()).content.decode()
        assert 'property="og:image"' in html
        lookups = [q["sql"] for q in ctx.captured_queries if 'FROM "images_image"' in q["sql"]]
        assert lookups == [], "an image read on its own"
        return len(ctx)

    assert cold(shared) == cold(plain)


def test_a_social_image_needs_a_photo_credit_before_publishing(admin_client, town):
    article = ArticleFactory(category=town, status="draft", lead="Der Rat tagte.")
    uncredited = big_image(credit="")
    data = change_form_data(admin_client, article) | {
        "status": "published",
        "social_image": uncredited.pk,
    }
    response = admin_client.post(reverse("admin:articles_article_change", args=[article.pk]), data)
    assert response.status_code == 200  # the form again, nothing lost
    errors = " ".join(response.context["adminform"].form.non_field_errors())
    assert "einen Bildnachweis für das Social-Media-Bild (in der Bildbibliothek)" in errors
    article.refresh_from_db()
    assert article.status == "draft"

    uncredited.credit = "Foto: Jana Kolb"
    uncredited.save()
    assert (
        admin_client.post(
            reverse("admin:articles_article_change", args=[article.pk]), data
        ).status_code
        == 302
    )
    article.refresh_from_db()
    assert (article.status, article.social_image) == ("published", uncredited)
