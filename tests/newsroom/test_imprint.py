"""The Impressum (§ 5 DDG, § 18 (2) MStV): fields of the site settings, required in the
admin, warned about while empty, shown at /impressum/ and linked from every page."""

import importlib

import pytest
from django.apps import apps
from django.urls import reverse

from newsroom.models import Page, SiteSettings

pytestmark = pytest.mark.django_db

COMPLETE = {
    "publisher_name": "Lindenauer Medien GmbH",
    "publisher_representative": "Geschäftsführerin: Dorothea Brinkhaus",
    "publisher_address": "Marktplatz 3\n12345 Lindenau",
    "contact_email": "redaktion@example.org",
    "contact_phone": "+49 123 456789",
    "register_court": "Amtsgericht Lindenau",
    "register_number": "HRB 12345",
    "vat_id": "DE123456789",
    "responsible_name": "Miriam Adler",
    "responsible_address": "Marktplatz 3\n12345 Lindenau",
    "imprint_text": "<p>Streitschlichtung: wir nehmen nicht teil.</p>",
}
MANDATORY_LABELS = [
    "Anbieter (Verlag oder Person)",
    "Anschrift des Anbieters",
    "E-Mail-Adresse",
    "Telefon",
    "Verantwortlich für den Inhalt",
    "Anschrift der verantwortlichen Person",
]


def form_data(**changes):
    # The brand colour's <input type="color"> always sends a colour.
    data = {"site_name": "Lindenauer Nachrichten", "town": "Lindenau", "brand_color": "#0b4f8a"}
    data = {**data, **COMPLETE, **changes}
    return {k: v for k, v in data.items() if v is not None}


def text(response):
    return response.content.decode()


def test_the_admin_form_requires_the_mandatory_fields_and_names_them(admin_client):
    url = reverse("admin:newsroom_sitesettings_add")
    blanks = dict.fromkeys(SiteSettings.IMPRINT_REQUIRED, "")
    response = admin_client.post(url, form_data(**blanks))
    assert response.status_code == 200  # the form again, nothing saved
    assert not SiteSettings.objects.exists()
    errors = response.context["adminform"].form.errors
    assert set(errors) == set(SiteSettings.IMPRINT_REQUIRED)
    html = text(response)
    for label in MANDATORY_LABELS:
        assert f"Bitte füllen Sie „{label}“ aus: Das Impressum muss es nennen" in html


def test_a_register_entry_needs_court_and_number_and_formats_are_checked(admin_client):
    url = reverse("admin:newsroom_sitesettings_add")
    response = admin_client.post(
        url, form_data(register_number="", contact_phone="ruf an", vat_id="DE 123")
    )
    errors = response.context["adminform"].form.errors
    assert "Gericht und die Nummer" in errors["register_number"][0]
    assert "Telefonnummer" in errors["contact_phone"][0]
    assert "ohne Leerzeichen" in errors["vat_id"][0]


def test_the_complete_form_saves(admin_client):
    response = admin_client.post(reverse("admin:newsroom_sitesettings_add"), form_data())
    assert response.status_code == 302
    assert SiteSettings.load().imprint_missing == []


def test_the_admin_warns_while_the_impressum_is_incomplete(admin_client):
    index = reverse("admin:index")
    # An empty install: no settings row yet.
    html = text(admin_client.get(index))
    assert "Das Impressum ist unvollständig" in html
    assert reverse("admin:newsroom_sitesettings_add") in html

    SiteSettings(**form_data(contact_phone="")).save()
    html = text(admin_client.get(index))
    assert "gesetzlich vorgeschrieben sind noch: Telefon." in html
    change = reverse("admin:newsroom_sitesettings_change", args=[1])
    assert f'href="{change}"' in html
    assert "gesetzlich vorgeschrieben sind noch: Telefon." in text(admin_client.get(change))

    settings = SiteSettings.objects.get()
    settings.contact_phone = "0123 456789"
    settings.save()
    assert "Impressum ist unvollständig" not in text(admin_client.get(index))
    assert "Impressum ist unvollständig" not in text(admin_client.get(change))


def test_only_those_who_may_fix_it_are_warned(client, django_user_model):
    from django.contrib.auth.models import Group

    editor = django_user_model.objects.create_user("redakteurin", password="x", is_staff=True)
    editor.groups.set(Group.objects.filter(name="Redaktion"))
    client.force_login(editor)
    assert "Impressum ist unvollständig" not in text(client.get(reverse("admin:index")))


def test_the_impressum_page_shows_the_fields_escaped(client):
    SiteSettings(
        site_name="Lindenauer Nachrichten",
        **{**COMPLETE, "publisher_name": "Müller & Söhne <Verlag>"},
    ).save()
    response = client.get("/impressum/")
    assert response.status_code == 200
    html = text(response)
    body = html.split('<article class="article imprint">')[1].split("</article>")[0]
    assert '<h1 class="article__title">Impressum</h1>' in body
    assert "Müller &amp; Söhne &lt;Verlag&gt;" in body and "<Verlag>" not in body
    assert "Marktplatz 3<br>12345 Lindenau" in body  # the address keeps its lines
    assert "Angaben gemäß § 5 DDG" in body
    assert "Geschäftsführerin: Dorothea Brinkhaus" in body
    assert '<a href="mailto:redaktion@example.org">redaktion@example.org</a>' in body
    assert '<a href="tel:+49123456789">+49 123 456789</a>' in body
    assert "Registergericht: Amtsgericht Lindenau" in body and "HRB 12345" in body
    assert "§ 27a Umsatzsteuergesetz: DE123456789" in body
    assert "Verantwortlich für den Inhalt nach § 18 Abs. 2 MStV" in body
    assert "Miriam Adler<br>" in body
    assert "<p>Streitschlichtung: wir nehmen nicht teil.</p>" in body
    # Cached like every page that shows the site settings: a save makes it fresh.
    assert "all" in response["Cache-Tags"].split()


def test_optional_parts_are_left_out_when_empty(client):
    SiteSettings(**{**COMPLETE, "register_court": "", "register_number": "", "vat_id": ""}).save()
    html = text(client.get("/impressum/"))
    assert "Registergericht" not in html and "Umsatzsteuer" not in html


def test_the_impressum_follows_edits_at_once(client):
    settings = SiteSettings(**COMPLETE)
    settings.save()
    assert "Miriam Adler" in text(client.get("/impressum/"))
    settings.responsible_name = "Jonas Feldkamp"
    settings.save()
    assert "Jonas Feldkamp" in text(client.get("/impressum/"))


def test_every_page_links_the_impressum_and_the_old_address_leads_there(client):
    Page.objects.create(title="Datenschutz", slug="datenschutz", body="<p>Text</p>")
    footer = text(client.get("/")).split('class="site-footer"')[1]
    assert '<a href="/impressum/">Impressum</a>' in footer
    assert footer.index("/impressum/") < footer.index("/seite/datenschutz/")
    response = client.get("/seite/impressum/")
    assert response.status_code == 301 and response["Location"] == "/impressum/"


def test_no_static_page_can_take_the_impressum_s_address():
    from django.core.exceptions import ValidationError

    page = Page(title="Impressum", slug="impressum", body="<p>x</p>")
    with pytest.raises(ValidationError) as error:
        page.full_clean()
    assert "Website-Einstellungen" in str(error.value.message_dict["slug"])


def test_the_migration_moves_an_impressum_page_into_the_settings():
    migration = importlib.import_module("newsroom.migrations.0004_imprint_page_to_settings")
    Page.objects.create(title="Impressum", slug="impressum", body="<p>Alter Text</p>")
    Page.objects.create(title="Kontakt", slug="kontakt", body="<p>Kontakt</p>")
    migration.page_to_settings(apps, None)
    assert SiteSettings.objects.get().imprint_text == "<p>Alter Text</p>"
    assert list(Page.objects.values_list("slug", flat=True)) == ["kontakt"]
    migration.settings_to_page(apps, None)  # and back
    assert Page.objects.get(slug="impressum").body == "<p>Alter Text</p>"
