"""The home page's structured data: WebSite with the site search, NewsMediaOrganization
with name, logo, address and contacts from the Impressum, checked against the properties
Google documents (Organization, site names, SearchAction), at no extra query."""

import json
import re
from urllib.parse import urlsplit

import pytest
from django.contrib.staticfiles import finders
from django.db import connection
from django.test.utils import CaptureQueriesContext
from PIL import Image as PILImage

from newsroom.models import SiteSettings
from tests.factories import ArticleFactory, image_upload

pytestmark = pytest.mark.django_db

# developers.google.com/search/docs/appearance/structured-data/organization
ORGANIZATION = {"name", "alternateName", "url", "logo", "description", "address", "email",
                "telephone", "contactPoint", "sameAs", "legalName", "vatID", "taxID", "duns",
                "iso6523Code", "leiCode", "naics", "globalLocationNumber", "foundingDate",
                "numberOfEmployees"}  # fmt: skip
# schema.org's NewsMediaOrganization adds the newsroom's principles.
NEWS_MEDIA_ORGANIZATION = ORGANIZATION | {"publishingPrinciples"}
POSTAL_ADDRESS = {"streetAddress", "addressLocality", "addressRegion", "postalCode",
                  "addressCountry"}  # fmt: skip
# .../structured-data/site-names and the SearchAction of the former sitelinks search box
WEBSITE = {"name", "alternateName", "url", "potentialAction"}
IMPRINT = {
    "site_name": "Lindenauer Nachrichten",
    "publisher_name": "Lindenauer Medien GmbH",
    "publisher_address": "Marktplatz 3\nHinterhaus\n12345 Lindenau",
    "contact_email": "redaktion@example.org",
    "contact_phone": "0123 456789",
    "vat_id": "DE123456789",
}


def structured_data(client) -> dict[str, dict]:
    html = client.get("/").content.decode()
    scripts = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    return {data["@type"]: data for data in map(json.loads, scripts)}


def properties(data: dict) -> set[str]:
    return {key for key in data if not key.startswith("@")}


def test_home_page_names_the_site_and_its_search(client):
    SiteSettings.objects.create(**IMPRINT)
    ArticleFactory(title="Neues Rathaus eröffnet")
    website = structured_data(client)["WebSite"]
    assert website["@context"] == "https://schema.org"
    assert properties(website) <= WEBSITE
    assert website["name"] == "Lindenauer Nachrichten"
    assert website["url"] == "http://testserver/"
    action = website["potentialAction"]
    assert action["@type"] == "SearchAction"
    assert action["query-input"] == "required name=search_term_string"
    template = action["target"]["urlTemplate"]
    assert action["target"]["@type"] == "EntryPoint"
    assert template == "http://testserver/suche/?q={search_term_string}"
    # The template is the site's search: filled in, it finds the article.
    found = client.get(urlsplit(template.replace("{search_term_string}", "Rathaus")).path,
                       {"q": "Rathaus"})  # fmt: skip
    assert found.status_code == 200 and "Neues Rathaus eröffnet" in found.content.decode()


def test_home_page_describes_the_publisher_from_the_imprint(client):
    principles = "https://lindenau.example/seite/grundsaetze/"
    SiteSettings.objects.create(**IMPRINT, publishing_principles_url=principles)
    organization = structured_data(client)["NewsMediaOrganization"]
    assert organization["@context"] == "https://schema.org"
    assert properties(organization) <= NEWS_MEDIA_ORGANIZATION
    assert organization["name"] == "Lindenauer Nachrichten"
    assert organization["legalName"] == "Lindenauer Medien GmbH"
    assert organization["url"] == "http://testserver/"
    assert organization["address"] == {
        "@type": "PostalAddress",
        "streetAddress": "Marktplatz 3, Hinterhaus",
        "postalCode": "12345",
        "addressLocality": "Lindenau",
        "addressCountry": "DE",
    }
    assert properties(organization["address"]) <= POSTAL_ADDRESS
    assert organization["email"] == "redaktion@example.org"
    assert organization["telephone"] == "0123 456789"
    assert organization["vatID"] == "DE123456789"
    assert organization["publishingPrinciples"] == principles


def test_the_logo_is_the_site_logo_when_google_can_use_it(client):
    """Google wants at least 112 × 112 pixels; a smaller logo leaves the portal's default."""
    site = SiteSettings(**IMPRINT, logo=image_upload("logo.png", size=(240, 160), fmt="PNG"))
    site.save()
    logo = structured_data(client)["NewsMediaOrganization"]["logo"]
    assert logo == {"@type": "ImageObject", "url": f"http://testserver{site.logo.url}",
                    "width": 240, "height": 160}  # fmt: skip
    SiteSettings.objects.all().delete()
    SiteSettings(**IMPRINT, logo=image_upload("logo.png", size=(320, 80), fmt="PNG")).save()
    logo = structured_data(client)["NewsMediaOrganization"]["logo"]
    assert logo["url"] == "http://testserver/static/img/publisher-logo.png"
    assert (logo["width"], logo["height"]) == (512, 512)
    with PILImage.open(finders.find("img/publisher-logo.png")) as default:
        assert default.size == (512, 512)


def test_a_new_site_says_only_what_it_knows(client):
    """No Impressum yet: no empty address, e-mail or principles (Google reports empty
    values as errors)."""
    organization = structured_data(client)["NewsMediaOrganization"]
    assert set(properties(organization)) == {"name", "url", "logo"}
    assert organization["name"] == "Newsroom"


def test_an_address_on_one_line_is_kept_whole(client):
    SiteSettings.objects.create(publisher_address="Marktplatz 3, 12345 Lindenau")
    address = structured_data(client)["NewsMediaOrganization"]["address"]
    assert address == {"@type": "PostalAddress", "streetAddress": "Marktplatz 3, 12345 Lindenau",
                       "addressCountry": "DE"}  # fmt: skip


def test_the_data_follows_the_settings(client):
    SiteSettings.objects.create(**IMPRINT)
    assert "publishingPrinciples" not in structured_data(client)["NewsMediaOrganization"]
    site = SiteSettings.objects.get()
    site.publishing_principles_url = "https://lindenau.example/grundsaetze/"
    site.save()
    assert "publishingPrinciples" in structured_data(client)["NewsMediaOrganization"]
    site.publishing_principles_url = ""
    site.save()
    assert "publishingPrinciples" not in structured_data(client)["NewsMediaOrganization"]
    site.site_name = "Lindenau </script> & Umland"
    site.save()
    html = client.get("/").content.decode()
    assert "</script> &" not in html  # escaped inside the script
    assert structured_data(client)["WebSite"]["name"] == "Lindenau </script> & Umland"


def test_the_home_page_costs_no_query_for_it(client):
    """The site settings are kept in the app cache: a warm home page runs the same queries
    with the data as without."""

    def home_queries():
        client.get("/")
        with CaptureQueriesContext(connection) as ctx:
            client.get("/")
        return len(ctx)

    ArticleFactory()
    without = home_queries()
    SiteSettings.objects.create(**IMPRINT, publishing_principles_url="https://l.example/g/")
    assert home_queries() == without
