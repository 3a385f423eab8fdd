"""Image uploads: real images within limits, no metadata, no uploader file names.

Photos come in through the article editor's upload (into the image library) and the
library's own form (tests/images/); employer logos through the public job-ad form."""

from io import BytesIO

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from ads.models import JobAd
from articles.models import Article
from images.models import Image as LibraryImage
from tests.ads.test_submit_form import URL as JOB_SUBMIT_URL
from tests.ads.test_submit_form import form_data as job_form_data
from tests.articles.test_workflow import add_form
from tests.factories import (
    ArticleFactory,
    AuthorFactory,
    CategoryFactory,
    ImageFactory,
    image_upload,
)
from tests.uploads import jpeg_with_gps, png_bomb

UPLOAD = reverse("articles:editor-upload")


def article_form_data(category, **extra):
    data = {
        "title": "Neues vom Marktplatz", "slug": "neues-vom-marktplatz", "kicker": "",
        "lead": "", "body": "<p>Text</p>", "category": category.pk, "tags": "",
        "lead_image": "", "lead_image_alt": "", "lead_image_caption": "",
        "status": "draft", "published_at_0": "24.11.2026", "published_at_1": "10:00:00",
    }  # fmt: skip
    data.update(extra)
    return data


@pytest.fixture
def category(db):
    return CategoryFactory(name="Lindenau", slug="lindenau")


def media_files(settings) -> list:
    root = settings.MEDIA_ROOT
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def stored_path(settings, url: str):
    return settings.MEDIA_ROOT / url.removeprefix(settings.MEDIA_URL)


# The editor's own upload view (CKEditor 5 posts the file as "upload"): into the library.


@pytest.mark.django_db
def test_editor_upload_stores_a_clean_copy_in_the_library(admin_client, journalist, settings):
    response = admin_client.post(UPLOAD, {"upload": jpeg_with_gps()})
    assert response.status_code == 200
    url = response.json()["url"]
    assert url.startswith("/media/images/")
    assert "IMG_2041" not in url and "Privat" not in url
    with Image.open(stored_path(settings, url)) as stored:
        assert dict(stored.getexif()) == {}
        assert stored.size == (320, 200)
    image = LibraryImage.objects.get()
    assert image.file.url == url and (image.width, image.height) == (320, 200)
    # Found in the library by the name it was chosen by; the credit is asked for there.
    assert image.title == "IMG_2041_Privat" and image.credit == ""
    assert image.uploaded_by == journalist


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
def test_bad_uploads_get_a_clear_message_and_save_nothing(admin_client, settings, upload, message):
    response = admin_client.post(UPLOAD, {"upload": upload})
    assert response.status_code == 400
    assert message in response.json()["error"]["message"]
    assert not LibraryImage.objects.exists()
    assert media_files(settings) == []


@pytest.mark.django_db
def test_oversized_upload_is_refused(admin_client, settings):
    settings.IMAGE_UPLOAD_MAX_BYTES = 50_000
    big = image_upload("gross.png", size=(1500, 1500), fmt="PNG")
    big.file = BytesIO(big.read() + b"\0" * 60_000)  # padding after IEND still counts
    big.size = len(big.file.getvalue())
    response = admin_client.post(UPLOAD, {"upload": big})
    assert response.status_code == 400
    assert "zu groß" in response.json()["error"]["message"]
    assert not LibraryImage.objects.exists()


@pytest.mark.django_db
def test_image_over_the_pixel_limit_is_refused(admin_client, settings):
    settings.IMAGE_UPLOAD_MAX_PIXELS = 100_000
    response = admin_client.post(UPLOAD, {"upload": image_upload(size=(400, 300))})
    assert response.status_code == 400
    assert "Megapixel" in response.json()["error"]["message"]
    assert not LibraryImage.objects.exists()


@pytest.mark.django_db
def test_huge_uploads_are_scaled_down(admin_client):
    response = admin_client.post(UPLOAD, {"upload": image_upload(size=(5000, 2500))})
    assert response.status_code == 200
    image = LibraryImage.objects.get()
    assert (image.width, image.height) == (2400, 1200)
    with Image.open(image.file.path) as stored:
        assert stored.size == (2400, 1200)


@pytest.mark.django_db
def test_editor_upload_refuses_a_bomb_with_a_message_not_a_server_error(admin_client):
    response = admin_client.post(UPLOAD, {"upload": png_bomb()})
    assert response.status_code == 400
    assert "zu viele Pixel" in response.json()["error"]["message"]


@pytest.mark.django_db
def test_editor_upload_is_for_those_who_may_add_to_the_library(client, django_user_model):
    assert client.post(UPLOAD, {"upload": image_upload()}).status_code == 403
    reader = django_user_model.objects.create_user("leser", password="lang-genug-123")
    client.force_login(reader)
    assert client.post(UPLOAD, {"upload": image_upload()}).status_code == 403
    # Staff without the library's permissions, e.g. the ads desk.
    staff = django_user_model.objects.create_user("anzeigen", "a@example.org", is_staff=True)
    client.force_login(staff)
    assert client.post(UPLOAD, {"upload": image_upload()}).status_code == 403
    assert not LibraryImage.objects.exists()

    reporter = django_user_model.objects.create_user("selin", is_staff=True)
    reporter.groups.add(Group.objects.get(name="Redaktion"))
    client.force_login(reporter)
    assert client.post(UPLOAD, {"upload": image_upload()}).status_code == 200
    assert LibraryImage.objects.get().uploaded_by == reporter


@pytest.mark.django_db
def test_editor_upload_needs_the_csrf_token(journalist):
    client = Client(enforce_csrf_checks=True)
    client.force_login(journalist)
    response = client.post(UPLOAD, {"upload": image_upload()})
    assert response.status_code == 403
    assert not LibraryImage.objects.exists()


@pytest.mark.django_db
def test_an_editor_upload_needs_its_credit_before_the_article_goes_live(admin_client, category):
    """The upload has no photo credit yet: the article showing it waits for one."""
    url = admin_client.post(UPLOAD, {"upload": image_upload("rathaus.jpg")}).json()["url"]
    body = f'<p>Der Rat tagt.</p><figure class="image"><img src="{url}" alt=""></figure>'
    data = add_form(category, AuthorFactory(), status="published", body=body)
    response = admin_client.post(reverse("admin:articles_article_add"), data)
    assert response.status_code == 200
    errors = " ".join(response.context["adminform"].form.non_field_errors())
    assert "Bildnachweis" in errors and "„rathaus“" in errors
    assert not Article.objects.exists()

    image = LibraryImage.objects.get()
    image.credit = "Stadt Lindenau"
    image.save()
    assert admin_client.post(reverse("admin:articles_article_add"), data).status_code == 302
    page = admin_client.get(Article.objects.get().get_absolute_url()).content.decode()
    assert "Foto: Stadt Lindenau" in page


@pytest.mark.django_db
def test_phones_get_smaller_copies_of_large_images(client, category):
    """A large photo is offered from 320 pixels up; a phone's copy is made when asked for."""
    image = ImageFactory(file=image_upload(size=(1600, 1000)))
    article = ArticleFactory(category=category, lead_image=image)
    html = client.get(article.get_absolute_url()).content.decode()
    webp = html.split('<figure class="article__image">')[1].split('type="image/webp" srcset="')[1]
    entries = [entry.split() for entry in webp.split('"')[0].split(", ")]
    assert [width for _url, width in entries] == ["320w", "480w", "800w", "1200w", "1600w"]
    response = client.get(entries[0][0])
    assert response.status_code == 200 and response["Content-Type"] == "image/webp"
    with Image.open(BytesIO(b"".join(response.streaming_content))) as small:
        assert small.format == "WEBP" and small.size == (320, 200)


# Employer logos (the public job-ad form): the same checks, and small copies beside them.


@pytest.mark.django_db
def test_employer_logo_is_stored_without_metadata_with_its_small_copies(client, settings):
    logo = jpeg_with_gps("Logo_Gaertnerei_Privat.jpg")
    assert client.post(JOB_SUBMIT_URL, job_form_data(employer_logo=logo)).status_code == 302
    ad = JobAd.objects.get()
    assert "Privat" not in ad.employer_logo.name
    files = {path.name: path for path in media_files(settings)}
    stem = ad.employer_logo.name.rpartition("/")[2].removesuffix(".jpg")
    # 320 pixels wide: copies at 96 and 192, each also as WebP; none with the metadata.
    expected = {f"{stem}{suffix}" for suffix in
                (".jpg", "-96w.jpg", "-96w.webp", "-192w.jpg", "-192w.webp")}  # fmt: skip
    assert set(files) == expected
    for path in files.values():
        with Image.open(path) as stored:
            assert dict(stored.getexif()) == {}, path.name
            assert stored.width in (320, 96, 192)


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
