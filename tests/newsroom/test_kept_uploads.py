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
from images.models import Image as LibraryImage
from newsroom import uploads
from tests.ads.test_submit_form import URL as JOB_SUBMIT_URL
from tests.ads.test_submit_form import form_data as job_form_data
from tests.factories import image_upload

pytestmark = pytest.mark.django_db

LIBRARY_ADD = reverse("admin:images_image_add")
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


# The image library's upload form in the admin


def library_form_data(**extra) -> dict:
    data = {
        "title": "", "alt_text": "Der Marktplatz am Morgen", "caption": "",
        "credit": "Clara Weiß", "tags": "", "focal_x": "50", "focal_y": "50",
    }  # fmt: skip
    return data | extra


def post_library_image_with_error(admin_client, upload=None):
    """An image without its photo credit: the image itself is fine."""
    data = library_form_data(file=upload or image_upload("marktplatz.jpg"), credit="")
    response = admin_client.post(LIBRARY_ADD, data)
    assert response.status_code == 200
    assert set(response.context["adminform"].form.errors) == {"credit"}
    return response


def refused_without_a_file(response) -> bool:
    """The form came back asking for a file, and nothing went into the library."""
    errors = response.context["adminform"].form.errors if response.status_code == 200 else {}
    return "file" in errors and not LibraryImage.objects.exists()


def test_chosen_image_is_kept_across_a_validation_error(
    admin_client, settings, django_capture_on_commit_callbacks
):
    response = post_library_image_with_error(admin_client)
    html = response.content.decode()
    assert NOTICE.format("marktplatz.jpg") in html
    token = kept_token(response, "file")
    (kept,) = kept_files(settings)
    assert f'src="/media/kept/{kept}"' in html  # the preview
    tree = lxml_html.fromstring(html)
    described = tree.get_element_by_id("id_file").get("aria-describedby", "").split()
    assert "id_file_kept" in described
    assert not LibraryImage.objects.exists()

    # The credit given, no file chosen again: the kept image goes into the library.
    data = library_form_data(file__kept=token)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(LIBRARY_ADD, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    image = LibraryImage.objects.get()
    assert image.file.name.startswith("images/")
    assert stored_size(image.file) == (640, 400)
    assert (image.width, image.height) == (640, 400)
    assert image.title == "marktplatz"  # named after the file as the journalist chose it
    assert kept_files(settings) == []  # the temporary copy is gone


def test_the_image_stays_kept_through_a_second_error(admin_client, settings):
    token = kept_token(post_library_image_with_error(admin_client), "file")
    data = library_form_data(file__kept=token, credit="", alt_text="")
    response = admin_client.post(LIBRARY_ADD, data)
    assert NOTICE.format("marktplatz.jpg") in response.content.decode()
    assert kept_token(response, "file") == token
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
def test_a_tampered_token_is_ignored(admin_client, tamper):
    token = kept_token(post_library_image_with_error(admin_client), "file")
    response = admin_client.post(LIBRARY_ADD, library_form_data(file__kept=tamper(token)))
    assert refused_without_a_file(response)


def test_a_signed_token_cannot_name_another_stored_file(admin_client):
    # Defence in depth: even a validly signed token reaches only kept/ files.
    default_storage.save("images/fremd.jpg", ContentFile(image_upload().read()))
    forged = uploads.signing.dumps(["images/fremd.jpg", "fremd.jpg"], salt=uploads._SALT)
    response = admin_client.post(LIBRARY_ADD, library_form_data(file__kept=forged))
    assert refused_without_a_file(response)


def test_an_expired_token_is_ignored(admin_client, monkeypatch):
    token = kept_token(post_library_image_with_error(admin_client), "file")
    monkeypatch.setattr(uploads, "KEPT_MAX_AGE", uploads.timedelta(seconds=-1))
    response = admin_client.post(LIBRARY_ADD, library_form_data(file__kept=token))
    assert refused_without_a_file(response)


def test_a_newly_chosen_file_wins_over_the_kept_one(
    admin_client, settings, django_capture_on_commit_callbacks
):
    token = kept_token(post_library_image_with_error(admin_client), "file")
    data = library_form_data(file__kept=token, file=image_upload("neu.png", (300, 200), fmt="PNG"))
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(LIBRARY_ADD, data)
    assert response.status_code == 302
    image = LibraryImage.objects.get()
    assert stored_size(image.file) == (300, 200) and image.title == "neu"
    assert kept_files(settings) == []


def test_the_kept_image_can_be_discarded(admin_client, settings):
    token = kept_token(post_library_image_with_error(admin_client), "file")
    data = library_form_data(file__kept=token, file__kept_discard="on")
    response = admin_client.post(LIBRARY_ADD, data)
    assert refused_without_a_file(response)  # no image chosen any more
    assert "__kept" not in response.content.decode()
    assert kept_files(settings) == []


def test_an_invalid_image_is_not_kept(admin_client, settings):
    upload = image_upload("scan.bmp", fmt="BMP")
    response = admin_client.post(LIBRARY_ADD, library_form_data(file=upload, credit=""))
    assert response.context["adminform"].form.errors["file"]
    assert "__kept" not in response.content.decode()
    assert kept_files(settings) == []


def test_the_kept_copy_carries_no_metadata(admin_client, settings):
    from tests.newsroom.test_images import jpeg_with_gps

    post_library_image_with_error(admin_client, upload=jpeg_with_gps())
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
    other = default_storage.save("images/" + "c" * 32 + ".jpg", ContentFile(b"bleibt"))
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
