"""No lost work: an image chosen before a validation error is kept for the next submit."""

import os
import time
from io import StringIO

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.urls import reverse
from lxml import html as lxml_html
from PIL import Image

from ads.models import JobAd
from articles.models import Article
from newsroom import uploads
from tests.ads.test_submit_form import URL as JOB_SUBMIT_URL
from tests.ads.test_submit_form import form_data as job_form_data
from tests.factories import CategoryFactory, image_upload
from tests.newsroom.test_images import article_form_data as _article_form_data

pytestmark = pytest.mark.django_db

ARTICLE_ADD = reverse("admin:articles_article_add")
NOTICE = "Ausgewähltes Bild: {} – wird beim Speichern übernommen."


def kept_files(settings) -> list[str]:
    folder = settings.MEDIA_ROOT / "kept"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def kept_token(response, field: str) -> str:
    tree = lxml_html.fromstring(response.content)
    (token,) = tree.xpath(f"//input[@type='hidden'][@name='{field}__kept']/@value")
    return token


def stored_size(fieldfile) -> tuple[int, int]:
    with Image.open(fieldfile.path) as image:
        image.load()  # decodes the data: a real image, not just a name
        return image.size


# The article form in the admin


def article_form_data(category, **extra) -> dict:
    # A draft: the gates before publishing are not what these tests are about.
    return _article_form_data(category, status="draft", **extra)


@pytest.fixture
def category():
    return CategoryFactory()


def post_article_with_error(admin_client, category, upload=None):
    """A lead image with an over-long tag: the image itself is fine."""
    data = article_form_data(
        category, lead_image=upload or image_upload("marktplatz.jpg"), tags="x" * 101
    )
    response = admin_client.post(ARTICLE_ADD, data)
    assert response.status_code == 200
    assert "tags" in response.context["adminform"].form.errors
    return response


def test_lead_image_is_kept_across_a_validation_error(
    admin_client, category, settings, django_capture_on_commit_callbacks
):
    response = post_article_with_error(admin_client, category)
    html = response.content.decode()
    assert NOTICE.format("marktplatz.jpg") in html
    token = kept_token(response, "lead_image")
    (kept,) = kept_files(settings)
    assert f'src="/media/kept/{kept}"' in html  # the preview
    tree = lxml_html.fromstring(response.content)
    described = tree.get_element_by_id("id_lead_image").get("aria-describedby", "").split()
    assert "id_lead_image_kept" in described

    # The error fixed, no file chosen again: the kept image is saved with the article.
    data = article_form_data(category, lead_image__kept=token)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(ARTICLE_ADD, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    article = Article.objects.get()
    assert article.lead_image.name.startswith("articles/")
    assert stored_size(article.lead_image) == (640, 400)
    assert (article.lead_image_width, article.lead_image_height) == (640, 400)
    assert kept_files(settings) == []  # the temporary copy is gone


def test_the_image_stays_kept_through_a_second_error(admin_client, category, settings):
    token = kept_token(post_article_with_error(admin_client, category), "lead_image")
    data = article_form_data(category, lead_image__kept=token, tags="y" * 101)
    response = admin_client.post(ARTICLE_ADD, data)
    assert NOTICE.format("marktplatz.jpg") in response.content.decode()
    assert kept_token(response, "lead_image") == token
    assert len(kept_files(settings)) == 1  # stored once, not once per attempt


@pytest.mark.parametrize(
    "tamper",
    [
        lambda token: token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
        lambda token: "kept/" + "0" * 32 + ".jpg",
        lambda token: "",
    ],
    ids=["changed-signature", "plain-path", "empty"],
)
def test_a_tampered_token_is_ignored(admin_client, category, tamper):
    token = kept_token(post_article_with_error(admin_client, category), "lead_image")
    response = admin_client.post(
        ARTICLE_ADD, article_form_data(category, lead_image__kept=tamper(token))
    )
    assert response.status_code == 302
    assert not Article.objects.get().lead_image


def test_a_signed_token_cannot_name_another_stored_file(admin_client, category):
    # Defence in depth: even a validly signed token reaches only kept/ files.
    default_storage.save("articles/fremd.jpg", ContentFile(image_upload().read()))
    forged = uploads.signing.dumps(["articles/fremd.jpg", "fremd.jpg"], salt=uploads._SALT)
    response = admin_client.post(ARTICLE_ADD, article_form_data(category, lead_image__kept=forged))
    assert response.status_code == 302
    assert not Article.objects.get().lead_image


def test_an_expired_token_is_ignored(admin_client, category, monkeypatch):
    token = kept_token(post_article_with_error(admin_client, category), "lead_image")
    monkeypatch.setattr(uploads, "KEPT_MAX_AGE", uploads.timedelta(seconds=-1))
    response = admin_client.post(ARTICLE_ADD, article_form_data(category, lead_image__kept=token))
    assert response.status_code == 302
    assert not Article.objects.get().lead_image


def test_a_newly_chosen_file_wins_over_the_kept_one(
    admin_client, category, settings, django_capture_on_commit_callbacks
):
    token = kept_token(post_article_with_error(admin_client, category), "lead_image")
    data = article_form_data(
        category, lead_image__kept=token, lead_image=image_upload("neu.png", (300, 200), fmt="PNG")
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(ARTICLE_ADD, data)
    assert response.status_code == 302
    assert stored_size(Article.objects.get().lead_image) == (300, 200)
    assert kept_files(settings) == []


def test_the_kept_image_can_be_discarded(admin_client, category, settings):
    token = kept_token(post_article_with_error(admin_client, category), "lead_image")
    data = article_form_data(category, lead_image__kept=token, lead_image__kept_discard="on")
    assert admin_client.post(ARTICLE_ADD, data).status_code == 302
    assert not Article.objects.get().lead_image
    assert kept_files(settings) == []


def test_an_invalid_image_is_not_kept(admin_client, category, settings):
    response = admin_client.post(
        ARTICLE_ADD, article_form_data(category, lead_image=image_upload("scan.bmp", fmt="BMP"))
    )
    assert response.context["adminform"].form.errors["lead_image"]
    assert "__kept" not in response.content.decode()
    assert kept_files(settings) == []


def test_the_kept_copy_carries_no_metadata(admin_client, category, settings):
    from tests.newsroom.test_images import jpeg_with_gps

    post_article_with_error(admin_client, category, upload=jpeg_with_gps())
    (kept,) = kept_files(settings)
    with Image.open(settings.MEDIA_ROOT / "kept" / kept) as image:
        assert dict(image.getexif()) == {}


# The public job-ad form


def post_job_ad_with_error(client):
    logo = image_upload("logo.png", size=(300, 150), fmt="PNG")
    response = client.post(JOB_SUBMIT_URL, job_form_data(title="", employer_logo=logo))
    assert response.status_code == 400
    return response


def test_employer_logo_is_kept_across_a_validation_error(
    client, settings, django_capture_on_commit_callbacks
):
    response = post_job_ad_with_error(client)
    assert NOTICE.format("logo.png") in response.content.decode()
    tree = lxml_html.fromstring(response.content)
    (form,) = tree.xpath("//form[@class='ads-form']")
    assert form.xpath(".//input[@name='employer_logo__kept']")
    for widget in form.xpath(".//input[not(@type='hidden')]"):  # still a label for each
        assert tree.xpath(f"//label[@for='{widget.get('id')}']"), widget.get("name")
    token = kept_token(response, "employer_logo")

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(JOB_SUBMIT_URL, job_form_data(employer_logo__kept=token))
    assert response.status_code == 302
    ad = JobAd.objects.get()
    assert stored_size(ad.employer_logo) == (300, 150)
    assert (ad.logo_width, ad.logo_height) == (300, 150)
    assert kept_files(settings) == []


def test_a_tampered_logo_token_is_ignored(client):
    token = kept_token(post_job_ad_with_error(client), "employer_logo")
    response = client.post(JOB_SUBMIT_URL, job_form_data(employer_logo__kept=token + "x"))
    assert response.status_code == 302
    assert not JobAd.objects.get().employer_logo


def test_a_new_logo_wins_over_the_kept_one(client):
    token = kept_token(post_job_ad_with_error(client), "employer_logo")
    logo = image_upload("neu.png", size=(120, 60), fmt="PNG")
    response = client.post(
        JOB_SUBMIT_URL, job_form_data(employer_logo__kept=token, employer_logo=logo)
    )
    assert response.status_code == 302
    assert stored_size(JobAd.objects.get().employer_logo) == (120, 60)


def test_logo_is_kept_when_the_submission_limit_refuses_a_valid_form(
    client, settings, django_capture_on_commit_callbacks
):
    settings.ADS_SUBMIT_LIMIT_PER_EMAIL = 0
    logo = image_upload("logo.png", size=(300, 150), fmt="PNG")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(JOB_SUBMIT_URL, job_form_data(employer_logo=logo))
    assert response.status_code == 429
    assert NOTICE.format("logo.png") in response.content.decode()
    token = kept_token(response, "employer_logo")
    assert uploads.KeptUpload.from_token(token) is not None  # its file is still there


# Clean-up


def test_purge_deletes_old_kept_files_and_keeps_fresh_ones(settings):
    old = default_storage.save("kept/" + "a" * 32 + ".jpg", ContentFile(b"alt"))
    fresh = default_storage.save("kept/" + "b" * 32 + ".jpg", ContentFile(b"neu"))
    other = default_storage.save("articles/" + "c" * 32 + ".jpg", ContentFile(b"bleibt"))
    day_ago = time.time() - 25 * 3600
    os.utime(default_storage.path(old), (day_ago, day_ago))
    out = StringIO()
    call_command("purge_kept_uploads", stdout=out)
    assert "1 kept upload(s) deleted" in out.getvalue()
    assert not default_storage.exists(old)
    assert default_storage.exists(fresh)
    assert default_storage.exists(other)


def test_purge_without_any_kept_files(settings):
    out = StringIO()
    call_command("purge_kept_uploads", stdout=out)
    assert "0 kept upload(s) deleted" in out.getvalue()
