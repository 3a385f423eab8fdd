"""The brand in the site settings: a logo that is cleaned and sized, colours that stay
readable (WCAG AA), and /brand.css that carries them to every page."""

import os
from io import BytesIO

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from lxml import etree
from lxml import html as lxml_html
from PIL import Image
from playwright.sync_api import Page, expect

from articles.models import Category
from newsroom import brand
from newsroom.models import SiteSettings
from tests.browser import admin_login
from tests.factories import CategoryFactory

pytestmark = pytest.mark.django_db

IMPRINT = {
    "publisher_name": "Lindenauer Medien GmbH",
    "publisher_address": "Marktplatz 3\n12345 Lindenau",
    "contact_email": "redaktion@example.org",
    "contact_phone": "+49 123 456789",
    "responsible_name": "Miriam Adler",
    "responsible_address": "Marktplatz 3\n12345 Lindenau",
}
SETTINGS_URL = reverse("admin:newsroom_sitesettings_change", args=[1])
SVG = "{http://www.w3.org/2000/svg}"

LOGO_WITH_TRICKS = b"""<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"
     viewBox="0 0 240 60" onload="alert('onload')">
  <script>alert("script")</script>
  <foreignObject width="240" height="60">
    <p xmlns="http://www.w3.org/1999/xhtml">Hallo</p>
  </foreignObject>
  <rect width="240" height="60" rx="12" fill="#0b4f8a" onclick="alert('click')"/>
  <circle cx="30" cy="30" r="18" fill="url(https://tracker.example/pixel)"/>
  <use xlink:href="https://tracker.example/sprite.svg#logo"/>
  <a href="javascript:alert('link')"><text x="0" y="0">Klick</text></a>
  <text x="60" y="38" fill="#fff" font-family="sans-serif">Lindenau</text>
</svg>"""


@pytest.fixture
def site():
    return SiteSettings.objects.create(site_name="Lindenauer Nachrichten", **IMPRINT)


def save_settings(client, **changes):
    """The site settings' admin form, sent as the browser sends it."""
    data = {"site_name": "Lindenauer Nachrichten", "brand_color": "#0b4f8a", **IMPRINT}
    return client.post(SETTINGS_URL, {**data, **changes})


def png(size, name="logo.png"):
    out = BytesIO()
    Image.new("RGBA", size, (11, 79, 138, 255)).save(out, "PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


def brand_link(client) -> str:
    """The address of the brand stylesheet the home page links to."""
    tree = lxml_html.fromstring(client.get("/").content)
    (href,) = [h for h in tree.xpath("//link[@rel='stylesheet']/@href") if "/brand.css" in h]
    return href


# --- Logo ------------------------------------------------------------------------------


def test_an_svg_logo_is_stored_without_scripts_and_outside_references(admin_client, site):
    upload = SimpleUploadedFile("logo.svg", LOGO_WITH_TRICKS, content_type="image/svg+xml")
    assert save_settings(admin_client, logo=upload).status_code == 302

    site.refresh_from_db()
    assert site.logo.name.startswith("brand/") and site.logo.name.endswith(".svg")
    assert (site.logo_width, site.logo_height) == (240, 60)
    with site.logo.open("rb") as stored:
        content = stored.read()
    root = etree.fromstring(content)  # still a well-formed SVG
    tags = {element.tag.replace(SVG, "") for element in root.iter()}
    assert {"svg", "rect", "circle", "text"} <= tags
    assert not tags & {"script", "foreignObject", "a", "use", "p"}
    text = content.decode()
    for removed in ("alert", "onload", "onclick", "tracker.example", "javascript"):
        assert removed not in text
    assert root.find(f"{SVG}text").text == "Lindenau"
    assert root.find(f"{SVG}rect").get("fill") == "#0b4f8a"


NOT_A_LOGO = "Bitte das Logo als SVG- oder PNG-Datei hochladen."
BROKEN_PNG = "Die PNG-Datei ist beschädigt oder unvollständig. Bitte noch einmal exportieren."


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("logo.svg", b"Das ist kein Logo.", NOT_A_LOGO),
        ("logo.svg", b"<html><body>Logo</body></html>", NOT_A_LOGO),
        ("logo.png", b"GIF89a kein PNG", NOT_A_LOGO),
        ("logo.png", png((320, 80)).read()[:60], BROKEN_PNG),
    ],
    ids=["text as svg", "html as svg", "text as png", "cut-off png"],
)
def test_a_file_that_is_no_logo_is_refused(admin_client, site, name, content, message):
    upload = SimpleUploadedFile(name, content)
    response = save_settings(admin_client, logo=upload, site_name="Neuer Name")
    assert response.status_code == 200
    assert message in response.content.decode()
    site.refresh_from_db()
    assert not site.logo and site.site_name == "Lindenauer Nachrichten"


def test_a_png_logo_with_too_many_pixels_is_refused(admin_client, site):
    response = save_settings(admin_client, logo=png((4001, 20)))
    assert response.status_code == 200
    assert "Das Logo ist zu groß (4001 × 20 Pixel)" in response.content.decode()
    site.refresh_from_db()
    assert not site.logo


def test_a_logo_file_over_one_megabyte_is_refused(admin_client, site):
    padding = b"<!--" + b"x" * (1024 * 1024) + b"-->"
    upload = SimpleUploadedFile(
        "logo.svg", LOGO_WITH_TRICKS.replace(b"<rect", padding + b"<rect", 1)
    )
    response = save_settings(admin_client, logo=upload)
    assert response.status_code == 200
    assert "Die Logo-Datei ist zu groß." in response.content.decode()
    site.refresh_from_db()
    assert not site.logo


def test_a_png_logo_is_stored_with_its_size(admin_client, site):
    assert save_settings(admin_client, logo=png((320, 80))).status_code == 302
    site.refresh_from_db()
    assert site.logo.name.endswith(".png")
    assert (site.logo_width, site.logo_height) == (320, 80)
    with site.logo.open("rb") as stored, Image.open(stored) as image:
        assert (image.format, image.size) == ("PNG", (320, 80))
    # The admin shows the logo it now has.
    assert site.logo.url in admin_client.get(SETTINGS_URL).content.decode()


# --- Colours ---------------------------------------------------------------------------


def test_a_brand_colour_too_light_to_read_is_refused(admin_client, site):
    response = save_settings(admin_client, brand_color="#ffcc00")
    assert response.status_code == 200
    assert (
        "Die Farbe #ffcc00 erreicht auf Weiß nur ein Kontrastverhältnis von 1,5 : 1; "
        "nötig sind mindestens 4,5 : 1 (WCAG AA). Bitte eine dunklere Farbe wählen."
    ) in response.content.decode()
    assert SiteSettings.objects.get().brand_color == "#0b4f8a"

    assert save_settings(admin_client, brand_color="#1d4e89").status_code == 302
    assert SiteSettings.objects.get().brand_color == "#1d4e89"


def test_a_colour_readable_on_white_but_not_on_the_grey_boxes_is_refused():
    with translation.override("de"):
        with pytest.raises(ValidationError) as refused:
            brand.validate_color("#767676")
        message = refused.value.messages[0]
    assert "auf dem hellgrauen Hintergrund (#f3f5f7) nur ein Kontrastverhältnis von 4,1" in message


def test_only_main_categories_have_a_colour(admin_client):
    add = reverse("admin:articles_category_add")
    data = {"name": "Blaulicht", "slug": "blaulicht", "position": 0, "color": "#b3261e"}
    assert admin_client.post(add, data).status_code == 302
    blaulicht = Category.objects.get(slug="blaulicht")
    assert blaulicht.color == "#b3261e"

    sub = {"name": "Polizei", "slug": "polizei", "position": 0, "parent": blaulicht.pk}
    response = admin_client.post(add, {**sub, "color": "#0b4f8a"})
    assert response.status_code == 200
    assert "eine Unterrubrik übernimmt die Farbe ihrer Hauptrubrik" in response.content.decode()
    assert not Category.objects.filter(slug="polizei").exists()
    assert admin_client.post(add, sub).status_code == 302


# --- /brand.css ------------------------------------------------------------------------


def test_the_brand_stylesheet_carries_the_colours(client):
    SiteSettings(brand_color="#1d4e89").save()
    blaulicht = CategoryFactory(name="Blaulicht", slug="blaulicht", color="#b3261e")
    CategoryFactory(name="Polizei", slug="polizei", parent=blaulicht)
    CategoryFactory(name="Sport", slug="sport")  # no colour: the brand colour

    response = client.get(brand_link(client))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/css; charset=utf-8"
    css = response.content.decode()
    assert ":root{--color-accent:#1d4e89;--color-accent-dark:#153a65}" in css
    assert ".cat-blaulicht{--color-cat:#b3261e}" in css
    assert "sport" not in css and "polizei" not in css


def test_the_brand_stylesheet_has_the_default_colour_without_settings(client):
    css = client.get("/brand.css").content.decode()
    assert css == ":root{--color-accent:#0b4f8a;--color-accent-dark:#083a66}\n"


def test_the_brand_stylesheet_costs_no_queries_once_cached(client):
    SiteSettings(brand_color="#1d4e89").save()
    CategoryFactory(name="Blaulicht", slug="blaulicht", color="#b3261e")
    client.get("/brand.css")
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/brand.css")
    assert response.status_code == 200 and len(queries) == 0


def test_its_address_changes_with_the_settings_and_each_version_is_kept(client, site):
    first = brand_link(client)
    assert first.startswith("/brand.css?v=")
    response = client.get(first)
    cache_control = response["Cache-Control"]
    assert "immutable" in cache_control and "max-age=31536000" in cache_control

    site.brand_color = "#1d4e89"
    site.save()
    second = brand_link(client)
    assert second != first
    assert "#1d4e89" in client.get(second).content.decode()
    # Without the current version the stylesheet is a reading page like any other.
    unversioned = client.get("/brand.css")
    assert "immutable" not in unversioned["Cache-Control"]
    assert "all" in unversioned["Cache-Tags"].split()


# --- Demo ------------------------------------------------------------------------------


def test_the_demo_has_a_logo_and_colours_and_keeps_them_when_loaded_again():
    def load_demo():
        with open(os.devnull, "w") as devnull:
            call_command("load_demo", stdout=devnull)

    load_demo()
    site = SiteSettings.load()
    logo = site.logo.name
    assert logo.endswith(".svg") and site.logo_width and site.logo_height
    with site.logo.open("rb") as stored:
        assert b"Lindenauer Nachrichten" in stored.read()
    colors = dict(Category.objects.filter(parent=None).values_list("slug", "color"))
    assert colors["blaulicht"] == "#b3261e"
    assert len(set(colors.values())) == len(colors)  # each its own
    for color in [site.brand_color, *colors.values()]:
        brand.validate_color(color)

    load_demo()
    assert SiteSettings.load().logo.name == logo
    assert dict(Category.objects.filter(parent=None).values_list("slug", "color")) == colors


# --- In the browser --------------------------------------------------------------------

PASSWORD = "geheim-und-lang-123"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_brand_colour_set_in_the_admin_colours_the_site(
    live_server, page: Page, django_user_model
):
    django_user_model.objects.create_superuser("chefin", "chefin@example.org", PASSWORD)
    SiteSettings.objects.create(site_name="Lindenauer Nachrichten", **IMPRINT)
    admin_login(page, live_server.url, "chefin", PASSWORD)

    page.goto(live_server.url + SETTINGS_URL)
    colour = page.get_by_label("Markenfarbe")
    colour.fill("#ffcc00")
    page.get_by_role("button", name="Sichern", exact=True).click()
    expect(page.get_by_text("Die Farbe #ffcc00 erreicht auf Weiß nur")).to_be_visible()

    page.get_by_label("Markenfarbe").fill("#1d4e89")
    page.get_by_role("button", name="Sichern", exact=True).click()
    expect(page.locator(".messagelist .success")).to_be_visible()

    page.goto(live_server.url + "/")
    accent = page.evaluate(
        "getComputedStyle(document.documentElement).getPropertyValue('--color-accent')"
    )
    assert accent.strip() == "#1d4e89"
