"""Library images where readers meet them: lead images, teaser cards, the text, author
photos, job-ad logos, Open Graph and structured data."""

import json
import re
from io import BytesIO

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.files.storage import default_storage
from django.db import connection
from django.db.models import ProtectedError
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from lxml import html as lxml_html
from PIL import Image as PILImage

from articles import workflow
from images.models import Image
from tests.ads.factories import JobAdFactory
from tests.factories import (
    ArticleFactory,
    AuthorFactory,
    CategoryFactory,
    ImageFactory,
    image_upload,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def town():
    return CategoryFactory(name="Lindenau", slug="lindenau")


@pytest.fixture
def photo():
    return ImageFactory(
        title="Rathaus im Herbst", file=image_upload(size=(1920, 1200)),
        alt_text="Das Rathaus mit buntem Laub", caption="Das Rathaus am Marktplatz",
        credit="Clara Weiß",
    )  # fmt: skip


def page(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    # libxml2 predates <source>: closed explicitly, it is parsed as the void element it is.
    return lxml_html.fromstring(re.sub(r"(<source\b[^>]*>)", r"\1</source>", response.text))


def in_text(image, alt="", caption=""):
    figcaption = f"<figcaption>{caption}</figcaption>" if caption else ""
    return f'<figure class="image"><img src="{image.file.url}" alt="{alt}">{figcaption}</figure>'


def srcset_widths(element):
    return [int(part.split()[1].rstrip("w")) for part in element.get("srcset").split(",")]


def test_one_library_image_serves_two_articles_and_a_text(client, town, photo):
    first = ArticleFactory(category=town, lead_image=photo)
    second = ArticleFactory(category=town, lead_image=photo, lead_image_alt="Rathaus, Westseite")
    third = ArticleFactory(category=town, body="<p>Vorher.</p>" + in_text(photo))

    sources = []
    for article in (first, second, third):
        doc = page(client, article.get_absolute_url())
        (img,) = doc.xpath("//article[@class='article']//picture/img")
        sources.append(img.get("src"))
    assert len(set(sources)) == 1  # one set of stored renditions for every use
    alts = [
        page(client, a.get_absolute_url()).xpath("//article[@class='article']//picture/img/@alt")[0]
        for a in (first, second)
    ]
    assert alts == ["Das Rathaus mit buntem Laub", "Rathaus, Westseite"]  # a use may override
    assert list(third.text_images.all()) == [photo]
    assert {a.pk for a in photo.lead_articles.all()} == {first.pk, second.pk}


def test_an_image_in_use_cannot_be_deleted(town, photo):
    article = ArticleFactory(category=town, body=in_text(photo))
    with pytest.raises(ProtectedError):
        photo.delete()
    article.body = "<p>Ohne Bild.</p>"
    article.save()
    assert list(article.text_images.all()) == []
    photo.delete()  # no longer used


def test_the_articles_lead_image_is_a_priority_picture_with_webp_and_fallback(client, town, photo):
    article = ArticleFactory(category=town, lead_image=photo)
    doc = page(client, article.get_absolute_url())
    (picture,) = doc.xpath("//figure[@class='article__image']/picture")
    (source,) = picture.xpath("source")
    (img,) = picture.xpath("img")
    assert source.get("type") == "image/webp"
    assert srcset_widths(source) == srcset_widths(img) == [320, 480, 800, 1200, 1600]
    assert all(".webp " in part for part in source.get("srcset").split(","))
    assert img.get("src").endswith("/full-800.jpg")
    assert (img.get("width"), img.get("height")) == ("800", "500")
    assert source.get("sizes") == img.get("sizes") == "(min-width: 60rem) 44rem, 100vw"
    assert img.get("fetchpriority") == "high" and img.get("loading") is None
    caption = doc.xpath("//figure[@class='article__image']/figcaption")[0].text_content()
    assert caption == "Das Rathaus am Marktplatz Foto: Clara Weiß"


def test_images_in_the_text_get_sizes_lazy_loading_caption_and_credit(client, town, photo):
    other = ImageFactory(caption="Aus der Bibliothek", credit="Jonas Feldkamp")
    article = ArticleFactory(
        category=town,
        body=in_text(photo, alt="Eigene Beschreibung", caption="Eigene Bildunterschrift")
        + in_text(other),
    )
    doc = page(client, article.get_absolute_url())
    figures = doc.xpath("//div[@class='article__body']/figure")
    assert len(figures) == 2
    first, second = (f.xpath("picture/img")[0] for f in figures)
    assert first.get("alt") == "Eigene Beschreibung"  # the use's own words
    assert second.get("alt") == other.alt_text  # the library's
    for img in (first, second):
        assert img.get("loading") == "lazy" and img.get("width") and img.get("height")
        assert img.getparent().xpath("source/@type") == ["image/webp"]
    captions = [f.xpath("figcaption")[0].text_content() for f in figures]
    assert captions == [
        "Eigene Bildunterschrift Foto: Clara Weiß",
        "Aus der Bibliothek Foto: Jonas Feldkamp",
    ]


def test_teaser_cards_show_the_16_to_9_crop_lazily_below_the_first(client, town, photo):
    for _ in range(3):
        ArticleFactory(category=town, lead_image=photo)
    doc = page(client, "/lindenau/")
    cards = doc.xpath("//img[contains(@class, 'card__image')]")
    assert len(cards) == 3
    assert [c.get("loading") for c in cards] == [None, "lazy", "lazy"]
    for img in cards:
        assert "/wide-" in img.get("src")
        assert int(img.get("width")) * 9 == int(img.get("height")) * 16
        assert img.getparent().tag == "picture"


def test_author_photo_is_a_small_square(client, photo):
    author = AuthorFactory(name="Miriam Adler", slug="miriam-adler", photo=photo)
    doc = page(client, author.get_absolute_url())
    (img,) = doc.xpath("//img[contains(@class, 'author__photo')]")
    assert (img.get("width"), img.get("height"), img.get("alt")) == ("384", "384", "")
    assert srcset_widths(img) == [96, 192, 384, 1200]
    assert img.getparent().xpath("source/@type") == ["image/webp"]


def test_job_ad_logo_comes_as_webp_with_its_original_format_as_fallback(client):
    ad = JobAdFactory(employer_logo=image_upload("logo.png", size=(600, 300), fmt="PNG"))
    doc = page(client, ad.get_absolute_url())
    (img,) = doc.xpath("//img[contains(@class, 'job-card__logo')]")
    (source,) = img.getparent().xpath("source")
    assert source.get("type") == "image/webp"
    webp = [part.split()[0] for part in source.get("srcset").split(",")]
    assert [u.rsplit("-", 1)[1] for u in webp] == ["96w.webp", "192w.webp"]
    with default_storage.open(webp[0].removeprefix(settings.MEDIA_URL)) as stored:
        assert PILImage.open(stored).format == "WEBP"
    assert (img.get("width"), img.get("height")) == ("96", "48")


def test_search_engines_get_three_crops_and_the_publisher(client, town, photo):
    article = ArticleFactory(category=town, lead_image=photo)
    doc = page(client, article.get_absolute_url())
    data = json.loads(doc.xpath("//script[@type='application/ld+json']")[0].text)
    sizes = []
    for url in data["image"]:
        response = client.get(url.removeprefix("http://testserver"))
        sizes.append(PILImage.open(BytesIO(b"".join(response.streaming_content))).size)
    assert sizes == [(1200, 675), (1200, 900), (1200, 1200)]  # 16:9, 4:3, 1:1
    assert data["publisher"]["@type"] == "Organization" and data["publisher"]["name"]
    logo = data["publisher"]["logo"]
    path = logo["url"].removeprefix(f"http://testserver{settings.STATIC_URL}")
    with PILImage.open(finders.find(path)) as stored:
        assert stored.size == (logo["width"], logo["height"])

    og = {
        m.get("property"): m.get("content")
        for m in doc.xpath("//meta[starts-with(@property, 'og:image')]")
    }
    assert (og["og:image:width"], og["og:image:height"]) == ("1200", "630")
    assert og["og:image:alt"] == "Das Rathaus mit buntem Laub"
    response = client.get(og["og:image"].removeprefix("http://testserver"))
    assert PILImage.open(BytesIO(b"".join(response.streaming_content))).size == (1200, 630)


def test_text_images_cost_one_query_whatever_their_number(client, town):
    one, six = (
        ArticleFactory(category=town, body="".join(in_text(ImageFactory()) for _ in range(n)))
        for n in (1, 6)
    )
    for article in (one, six):  # site-wide parts and each one's boxes are cached from here on
        page(client, article.get_absolute_url())

    def queries(article):
        with CaptureQueriesContext(connection) as captured:
            page(client, article.get_absolute_url())
        return len(captured)

    assert queries(one) == queries(six)


def test_publishing_needs_a_credit_for_every_image_in_the_text(town, photo):
    uncredited = ImageFactory(title="Handyfoto vom Unfall", credit="")
    values = {
        "title": "T",
        "lead": "L",
        "authors": [1],
        "body": in_text(photo) + in_text(uncredited),
    }
    (problem, *_rest) = workflow.publish_problems(values)
    assert "Handyfoto vom Unfall" in problem
    uncredited.credit = "Polizei Lindenau"
    uncredited.save()
    assert workflow.publish_problems(values) == []


def test_an_image_uploaded_in_the_editor_lands_in_the_library(admin_client, journalist):
    upload = image_upload("Unfallstelle.jpg", size=(1000, 700))
    response = admin_client.post(reverse("articles:editor-upload"), {"upload": upload})
    assert response.status_code == 200
    url = response.json()["url"]
    image = Image.objects.get()
    assert url == image.file.url and "Unfallstelle" not in url  # a random stored name
    assert (image.title, image.uploaded_by, image.credit) == ("Unfallstelle", journalist, "")


def test_a_changed_credit_reaches_readers_at_once(client, town, photo):
    """Caches (the browser's, the proxy's) revalidate with the ETag: a library edit changes it."""
    article = ArticleFactory(category=town, lead_image=photo)
    first = client.get(article.get_absolute_url())
    assert (
        client.get(article.get_absolute_url(), headers={"if-none-match": first["ETag"]}).status_code
        == 304
    )

    photo.credit = "Stadtarchiv Lindenau"
    photo.save()
    again = client.get(article.get_absolute_url(), headers={"if-none-match": first["ETag"]})
    assert again.status_code == 200
    assert "Foto: Stadtarchiv Lindenau" in again.text
