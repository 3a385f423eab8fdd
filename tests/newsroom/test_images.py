"""Image uploads: real images within limits, no metadata, no uploader file names."""

import struct
import zlib
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from articles.models import Article
from tests.factories import CategoryFactory, image_upload


def jpeg_with_gps(name="IMG_2041_Privat.jpg"):
    """A JPEG carrying EXIF with a camera model and GPS position, as phones write them."""
    exif = Image.Exif()
    exif[0x0110] = "Geheime Kamera"  # Model
    exif[0x8825] = {1: "N", 2: (51.0, 39.0, 36.0), 3: "E", 4: (6.0, 57.0, 36.0)}  # GPS IFD
    out = BytesIO()
    Image.new("RGB", (320, 200), (200, 40, 40)).save(out, "JPEG", exif=exif)
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def png_bomb(width=30_000, height=30_000):
    """A tiny PNG declaring 900 megapixels: Pillow must refuse before decoding it."""

    def chunk(kind, data):
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    raw = zlib.compress(b"\x00" * 1024)
    return SimpleUploadedFile(
        "bombe.png",
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
        + chunk(b"IDAT", raw)
        + chunk(b"IEND", b""),
        content_type="image/png",
    )


def article_form_data(category, **extra):
    data = {
        "title": "Neues vom Marktplatz", "slug": "neues-vom-marktplatz", "kicker": "",
        "lead": "", "body": "<p>Text</p>", "category": category.pk, "tags": "",
        "lead_image_alt": "Der Marktplatz", "lead_image_caption": "", "lead_image_credit": "",
        "status": "draft", "published_at_0": "24.11.2026", "published_at_1": "10:00:00",
    }  # fmt: skip
    data.update(extra)
    return data


@pytest.fixture
def category(db):
    return CategoryFactory(name="Lindenau", slug="lindenau")


@pytest.mark.django_db
def test_lead_image_is_stored_without_metadata_or_original_name(admin_client, category):
    response = admin_client.post(
        reverse("admin:articles_article_add"),
        article_form_data(category, lead_image=jpeg_with_gps()),
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    article = Article.objects.get(slug="neues-vom-marktplatz")
    assert "IMG_2041" not in article.lead_image.name
    assert "Privat" not in article.lead_image.url
    with Image.open(article.lead_image.path) as stored:
        assert dict(stored.getexif()) == {}
        assert stored.size == (320, 200)
    assert (article.lead_image_width, article.lead_image_height) == (320, 200)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (SimpleUploadedFile("foto.png", b"Das ist nur Text.\n" * 50, content_type="image/png"),
         "kein gültiges Bild"),
        (png_bomb(), "zu viele Pixel"),
        (image_upload("scan.bmp", fmt="BMP"), "nicht unterstützt"),
    ],
    ids=["text-named-png", "decompression-bomb", "bmp"],
)  # fmt: skip
def test_bad_uploads_get_a_clear_message_and_save_nothing(admin_client, category, upload, message):
    response = admin_client.post(
        reverse("admin:articles_article_add"), article_form_data(category, lead_image=upload)
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["lead_image"]
    assert message in " ".join(errors)
    assert not Article.objects.exists()
    # What the journalist typed is still in the form.
    assert "Neues vom Marktplatz" in response.content.decode()


@pytest.mark.django_db
def test_oversized_upload_is_refused(admin_client, category, settings):
    settings.IMAGE_UPLOAD_MAX_BYTES = 50_000
    big = image_upload("gross.png", size=(1500, 1500), fmt="PNG")
    big.file = BytesIO(big.read() + b"\0" * 60_000)  # padding after IEND still counts
    big.size = len(big.file.getvalue())
    response = admin_client.post(
        reverse("admin:articles_article_add"), article_form_data(category, lead_image=big)
    )
    assert "zu groß" in " ".join(response.context["adminform"].form.errors["lead_image"])
    assert not Article.objects.exists()


@pytest.mark.django_db
def test_image_over_the_pixel_limit_is_refused(admin_client, category, settings):
    settings.IMAGE_UPLOAD_MAX_PIXELS = 100_000
    response = admin_client.post(
        reverse("admin:articles_article_add"),
        article_form_data(category, lead_image=image_upload(size=(400, 300))),
    )
    assert "Megapixel" in " ".join(response.context["adminform"].form.errors["lead_image"])


@pytest.mark.django_db
def test_image_needs_alt_text(admin_client, category):
    response = admin_client.post(
        reverse("admin:articles_article_add"),
        article_form_data(category, lead_image=image_upload(), lead_image_alt=""),
    )
    assert response.context["adminform"].form.errors["lead_image_alt"]
    assert not Article.objects.exists()


# The editor's own upload view (CKEditor 5 posts the file as "upload").


@pytest.mark.django_db
def test_editor_upload_stores_a_clean_copy(admin_client):
    response = admin_client.post(reverse("articles:editor-upload"), {"upload": jpeg_with_gps()})
    assert response.status_code == 200
    url = response.json()["url"]
    assert url.startswith("/media/editor/") and "IMG_2041" not in url
    from django.conf import settings

    with Image.open(settings.MEDIA_ROOT / url.removeprefix("/media/")) as stored:
        assert dict(stored.getexif()) == {}


@pytest.mark.django_db
def test_editor_upload_refuses_a_bomb_with_a_message_not_a_server_error(admin_client):
    response = admin_client.post(reverse("articles:editor-upload"), {"upload": png_bomb()})
    assert response.status_code == 400
    assert "zu viele Pixel" in response.json()["error"]["message"]


@pytest.mark.django_db
def test_editor_upload_is_for_staff_only(client, django_user_model):
    url = reverse("articles:editor-upload")
    assert client.post(url, {"upload": image_upload()}).status_code == 403
    reader = django_user_model.objects.create_user("leser", password="lang-genug-123")
    client.force_login(reader)
    assert client.post(url, {"upload": image_upload()}).status_code == 403


@pytest.mark.django_db
def test_editor_upload_needs_the_csrf_token(journalist):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(journalist)
    response = client.post(reverse("articles:editor-upload"), {"upload": image_upload()})
    assert response.status_code == 403


@pytest.mark.django_db
def test_phones_get_smaller_copies_of_large_images(client, category):
    from tests.factories import ArticleFactory

    article = ArticleFactory(
        category=category, lead_image=image_upload(size=(1600, 1000)), lead_image_alt="Markt"
    )
    name = article.lead_image.name
    storage = article.lead_image.storage
    for width in (480, 960):
        rendition = name.replace(".jpg", f"-{width}w.jpg")
        with storage.open(rendition) as f, Image.open(f) as img:
            assert img.width == width
    html = client.get(article.get_absolute_url()).content.decode()
    url = article.lead_image.url
    assert f'srcset="{url[:-4]}-480w.jpg 480w, {url[:-4]}-960w.jpg 960w, {url} 1600w"' in html


@pytest.mark.django_db
def test_huge_uploads_are_scaled_down(category):
    from tests.factories import ArticleFactory

    article = ArticleFactory(
        category=category, lead_image=image_upload(size=(5000, 2500)), lead_image_alt="Panorama"
    )
    assert (article.lead_image_width, article.lead_image_height) == (2400, 1200)


def gif_upload(frames: int, size: tuple[int, int], **save_kw):
    images = [Image.new("RGB", size, (i * 10 % 256, 0, 0)) for i in range(frames)]
    out = BytesIO()
    images[0].save(out, "GIF", save_all=True, append_images=images[1:], **save_kw)
    return SimpleUploadedFile("animation.gif", out.getvalue(), content_type="image/gif")


@pytest.mark.django_db
def test_editor_upload_refuses_an_animation_with_too_many_pixels_in_all_frames(
    admin_client, settings
):
    # 20 frames of 0.5 megapixels: each frame is within the limit, all of them are not.
    settings.IMAGE_UPLOAD_MAX_PIXELS = 5_000_000
    upload = gif_upload(20, (1000, 500))
    response = admin_client.post(reverse("articles:editor-upload"), {"upload": upload})
    assert response.status_code == 400
    assert "20 Einzelbilder zu je 1000 × 500" in response.json()["error"]["message"]


@pytest.mark.django_db
def test_small_animations_keep_their_frames_but_not_their_comment(admin_client):
    upload = gif_upload(3, (40, 30), comment=b"Aufgenommen von Max Privat", duration=200)
    response = admin_client.post(reverse("articles:editor-upload"), {"upload": upload})
    assert response.status_code == 200
    from django.conf import settings

    path = settings.MEDIA_ROOT / response.json()["url"].removeprefix("/media/")
    assert b"Privat" not in path.read_bytes()
    with Image.open(path) as stored:
        assert stored.n_frames == 3
