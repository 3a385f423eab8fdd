"""The public submission form: good input is stored as submitted, bad input saves nothing."""

from datetime import timedelta
from io import BytesIO

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from lxml import html as lxml_html
from PIL import Image

from ads.models import JobAd, SubmissionAttempt, ads_today
from tests.factories import image_upload

pytestmark = pytest.mark.django_db

URL = reverse("ads:job-submit")


def form_data(**overrides):
    data = {
        "employer_name": "Gärtnerei Grünfink",
        "title": "Gärtner (m/w/d)",
        "place": "Lindenau-Nord",
        "teaser": "Draußen arbeiten, Grünes schaffen.",
        "description": "Wir pflegen Parks.\n\nIhre Aufgaben:\n- Rasen mähen\n- Hecken schneiden",
        "apply_url": "https://example.org/karriere",
        "apply_email": "",
        "first_day": ads_today().isoformat(),
        "last_day": (ads_today() + timedelta(days=14)).isoformat(),
        "contact_name": "Jonas Fink",
        "contact_email": "jonas@example.org",
        "contact_phone": "+49 123 456",
        "privacy": "on",
        "website": "",
    }
    return data | overrides


def field_error(response, field: str) -> str:
    """The error text tied to a field via aria-describedby, as a screen reader reads it."""
    tree = lxml_html.fromstring(response.content)
    widget = tree.get_element_by_id(f"id_{field}")
    assert widget.get("aria-invalid") == "true"
    described = widget.get("aria-describedby", "").split()
    assert f"id_{field}_error" in described
    return tree.get_element_by_id(f"id_{field}_error").text_content()


def media_files(settings) -> list:
    root = settings.MEDIA_ROOT
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_form_page_sets_the_csrf_cookie_and_labels_every_field(client):
    response = client.get(URL)
    assert response.status_code == 200
    assert "csrftoken" in response.cookies
    assert "no-store" in response["Cache-Control"]  # no shared cache keeps the token
    tree = lxml_html.fromstring(response.content)
    widgets = tree.xpath("//form[@class='ads-form']//*[self::input or self::textarea]")
    for widget in widgets:
        if widget.get("type") != "hidden":
            assert tree.xpath(f"//label[@for='{widget.get('id')}']"), widget.get("name")
    assert "Datenschutzhinweis" in response.text
    assert "für 24 Stunden einen Prüfwert" in response.text


def test_employer_submits_an_ad(client, moderator, django_capture_on_commit_callbacks):
    logo = image_upload("logo.png", size=(300, 150), fmt="PNG")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(URL, form_data(employer_logo=logo))
    assert response.status_code == 302
    assert response.url == reverse("ads:job-submit-done")
    ad = JobAd.objects.get()
    assert ad.status == JobAd.Status.SUBMITTED
    assert ad.description == (
        "<p>Wir pflegen Parks.</p><p>Ihre Aufgaben:</p>"
        "<ul><li>Rasen mähen</li><li>Hecken schneiden</li></ul>"
    )
    assert (ad.logo_width, ad.logo_height) == (300, 150)
    assert not ad.employer_logo.name.endswith("logo.png")  # re-encoded under a random name
    assert {tuple(m.to) for m in mail.outbox} == {("anzeigen@example.org",), ("jonas@example.org",)}
    assert "Danke" in client.get(response.url).text


def big_file():
    return SimpleUploadedFile(
        "riesig.jpg", b"\xff\xd8\xff" + b"0" * (30 * 1024 * 1024), "image/jpeg"
    )


def text_as_png():
    return SimpleUploadedFile("logo.png", b"Dies ist kein Bild, nur Text.\n" * 20, "image/png")


def decompression_bomb():
    # 20,000 x 20,000 pixels of one colour: a few hundred kilobytes that would unpack to 400 MB.
    out = BytesIO()
    Image.new("1", (20_000, 20_000)).save(out, "PNG")
    return SimpleUploadedFile("bombe.png", out.getvalue(), "image/png")


@pytest.mark.parametrize(
    ("make_file", "message"),
    [
        (big_file, "zu groß"),
        (text_as_png, "kein gültiges Bild"),
        (decompression_bomb, "zu viele Pixel"),
    ],
    ids=["30-MB", "text-named-png", "decompression-bomb"],
)
def test_bad_logos_are_refused_with_a_clear_message(client, settings, make_file, message):
    response = client.post(URL, form_data(employer_logo=make_file()))
    assert response.status_code == 400
    assert message in field_error(response, "employer_logo")
    assert not JobAd.objects.exists()
    assert media_files(settings) == []
    assert not SubmissionAttempt.objects.exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("employer_name", "<script>alert(1)</script>", "ohne HTML"),
        ("title", 'Koch <img src=x onerror="alert(1)">', "ohne HTML"),
        ("description", "Hallo <script>alert(1)</script>", "ohne HTML"),
        ("teaser", "<b>fett</b>", "ohne HTML"),
        ("apply_url", "javascript:alert(1)", "http:// oder https://"),
        ("apply_url", "ftp://example.org/stellen", "http:// oder https://"),
        ("apply_email", "keine-adresse", "E-Mail"),
        ("employer_name", "", "erforderlich"),
        ("title", "", "erforderlich"),
        ("contact_email", "", "erforderlich"),
        ("first_day", "", "erforderlich"),
        ("privacy", "", "Datenschutzhinweis"),
        ("title", "A" * 151, "höchstens 150 Zeichen"),
        ("teaser", "A" * 301, "höchstens 300 Zeichen"),
        ("description", "A" * 5001, "höchstens 5000 Zeichen"),
        ("contact_phone", "0800-SPAM", "Telefonnummer"),
        ("first_day", (ads_today() - timedelta(days=1)).isoformat(), "Vergangenheit"),
        ("last_day", (ads_today() - timedelta(days=30)).isoformat(), "vor dem ersten Tag"),
        ("last_day", (ads_today() + timedelta(days=200)).isoformat(), "höchstens 90 Tage"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(client, field, value, message):
    response = client.post(URL, form_data(**{field: value}))
    assert response.status_code == 400
    assert message in field_error(response, field)
    assert "Bitte prüfen Sie Ihre Angaben" in response.text
    assert not JobAd.objects.exists()
    assert not mail.outbox


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("employer_name", "Müller & Söhne GmbH\r\nBcc: alle@example.org"),
        ("title", "Koch (m/w/d)\nab sofort"),
        ("place", "Lindenau\tNord"),
        ("contact_name", "Jonas\u2028Fink"),
    ],
)
def test_one_line_fields_refuse_line_breaks_and_keep_the_text(client, field, value):
    """They end up in e-mail subjects and headings; the employer sees what to fix."""
    response = client.post(URL, form_data(**{field: value}))
    assert response.status_code == 400
    assert "Bitte ohne Zeilenumbrüche oder Steuerzeichen." in field_error(response, field)
    kept = lxml_html.fromstring(response.content).get_element_by_id(f"id_{field}").get("value")
    assert kept.split() == value.split()
    assert not JobAd.objects.exists()
    assert not mail.outbox


def test_an_ad_needs_a_way_to_apply(client):
    response = client.post(URL, form_data(apply_url="", apply_email=""))
    assert response.status_code == 400
    assert "Link zur Bewerbung oder eine E-Mail-Adresse" in field_error(response, "apply_url")
    assert not JobAd.objects.exists()


def test_the_entries_are_kept_after_an_error(client):
    response = client.post(URL, form_data(title=""))
    tree = lxml_html.fromstring(response.content)
    assert tree.get_element_by_id("id_employer_name").get("value") == "Gärtnerei Grünfink"


def test_the_honeypot_quietly_stores_nothing(client):
    response = client.post(URL, form_data(website="https://spam.example"))
    assert response.status_code == 302
    assert not JobAd.objects.exists()
    assert not mail.outbox
