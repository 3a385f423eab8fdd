"""No error loses an employer's or a moderator's text: a logo file gone from the disk, a
full disk and a stale security token each end in a German message, the text kept."""

import os

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from lxml import html as lxml_html
from PIL import Image

from ads.models import JobAd
from newsroom.images import reencode_image
from tests.ads.factories import JobAdFactory
from tests.ads.test_admin import change_data
from tests.ads.test_submit_form import URL, form_data
from tests.articles.test_lost_text import (
    FULL,
    NOT_LOST,
    media_disk,
    media_files,
    resend_form,
)
from tests.factories import image_upload
from tests.quality import html_errors

pytestmark = pytest.mark.django_db


@pytest.fixture
def full_disk(settings, monkeypatch):
    return media_disk(settings, monkeypatch)


def noisy_logo():
    """A logo that does not compress to nothing, so a write can stop midway."""
    upload = image_upload("logo.png", size=(400, 200), fmt="PNG")
    image = Image.effect_noise((400, 200), 80).convert("RGB")
    image.save(upload.file, "PNG")
    upload.file.truncate()
    upload.size = upload.file.tell()
    upload.file.seek(0)
    return upload


def test_a_job_ad_whose_logo_file_is_missing_can_still_be_corrected(moderator_client):
    ad = JobAdFactory(employer_logo=image_upload("logo.png", size=(300, 150), fmt="PNG"))
    os.remove(ad.employer_logo.path)
    url = reverse("admin:ads_jobad_change", args=[ad.pk])
    response = moderator_client.post(url, change_data(ad, place="Lindenau-Ost"))
    assert response.status_code == 302
    ad.refresh_from_db()
    assert ad.place == "Lindenau-Ost"
    assert (ad.logo_width, ad.logo_height) == (300, 150)  # the known size, kept


@pytest.mark.parametrize("stops_at", ["logo", "smaller-copies"])
def test_a_full_disk_shows_the_job_ad_form_again_with_everything_typed(
    client,
    settings,
    full_disk,
    stops_at,
):
    logo = noisy_logo()
    # Room for nothing whole, or for the logo but not its 96 and 192 px copies.
    full_disk.room = 1000 if stops_at == "logo" else reencode_image(logo).size + 500
    logo.seek(0)
    data = form_data(employer_logo=logo, title="Gärtnerin (m/w/d)")
    response = client.post(URL, data)

    assert response.status_code == 503
    html = response.content.decode()
    assert FULL in html and NOT_LOST in html
    tree = lxml_html.fromstring(html)
    assert tree.get_element_by_id("id_title").get("value") == "Gärtnerin (m/w/d)"
    assert (
        tree.get_element_by_id("id_description")
        .text_content()
        .strip()
        .startswith("Wir pflegen Parks.")
    )
    assert not JobAd.objects.exists()
    assert mail.outbox == []
    assert media_files(settings) == []  # neither a truncated logo nor a whole one


def test_a_job_ad_sent_with_a_stale_token_is_offered_for_sending_again():
    client = Client(enforce_csrf_checks=True)
    client.get(URL)  # the form page set the cookie; the token in the page is outdated
    data = form_data(title="Gärtnerin (m/w/d)", csrfmiddlewaretoken="x" * 64)
    response = client.post(URL, data, headers={"Origin": "http://testserver"})

    assert response.status_code == 403
    html = response.content.decode()
    assert "Das Formular konnte nicht gesendet werden" in html and NOT_LOST in html
    assert "no-store" in response["Cache-Control"]
    assert not JobAd.objects.exists()
    action, fields = resend_form(response)
    assert action == URL and fields["title"] == ["Gärtnerin (m/w/d)"]

    sent = {name: values[0] for name, values in fields.items()}
    again = client.post(action, sent, headers={"Origin": "http://testserver"})
    assert again.status_code == 302
    assert JobAd.objects.get().title == "Gärtnerin (m/w/d)"


def test_the_refusal_page_is_valid_html(tmp_path):
    client = Client(enforce_csrf_checks=True)
    client.get(URL)
    data = form_data(description='Zeile eins\n\nZeile <zwei> & "drei"', csrfmiddlewaretoken="")
    response = client.post(URL, data, headers={"Origin": "http://testserver"})
    assert response.status_code == 403
    assert html_errors({"refused": response.content}, tmp_path) == []
