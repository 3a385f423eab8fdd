"""The home page's structured data for search engines: the site with its search (WebSite)
and its publisher (NewsMediaOrganization) from the Impressum in the site settings. Reads
nothing from the database while the app cache holds the settings."""

import re

from django import template
from django.templatetags.static import static
from django.urls import reverse
from django.utils.safestring import SafeString

from .newsroom_tags import ld_json

register = template.Library()

# The portal's default logo, as in the articles' NewsArticle publisher (PUBLISHER_LOGO).
DEFAULT_LOGO, DEFAULT_LOGO_SIZE = "img/publisher-logo.png", 512
LOGO_MIN_SIZE = 112  # Google's minimum, each way
POSTCODE_TOWN = re.compile(r"^(\d{5})\s+(\S.*)$")


def postal_address(text: str) -> dict | None:
    """The Impressum's address (street and number, postcode and town, one per line) as a
    PostalAddress; a last line that is no German postcode and town stays in the street."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines:
        return None
    address = {"@type": "PostalAddress", "addressCountry": "DE"}  # an Impressum under § 5 DDG
    town = POSTCODE_TOWN.match(lines[-1]) if len(lines) > 1 else None
    if town:
        address["postalCode"], address["addressLocality"] = town.groups()
        lines = lines[:-1]
    address["streetAddress"] = ", ".join(lines)
    return address


def logo(request, site) -> dict:
    """The uploaded logo if Google can use it, else the portal's default."""
    if site.logo and min(site.logo_width or 0, site.logo_height or 0) >= LOGO_MIN_SIZE:
        url, width, height = site.logo.url, site.logo_width, site.logo_height
    else:
        url, width, height = static(DEFAULT_LOGO), DEFAULT_LOGO_SIZE, DEFAULT_LOGO_SIZE
    return {
        "@type": "ImageObject",
        "url": request.build_absolute_uri(url),
        "width": width,
        "height": height,
    }


@register.simple_tag(takes_context=True)
def site_structured_data(context) -> SafeString:
    request, site = context["request"], context["site"]
    home = request.build_absolute_uri(reverse("articles:home"))
    search = request.build_absolute_uri(reverse("articles:search"))
    website = {
        "@context": "https://schema.org",
        "@type": "WebSite",
        "name": site.site_name,
        "url": home,
        "potentialAction": {
            "@type": "SearchAction",
            "target": {"@type": "EntryPoint", "urlTemplate": f"{search}?q={{search_term_string}}"},
            "query-input": "required name=search_term_string",
        },
    }
    known = {
        "legalName": site.publisher_name,
        "description": site.tagline,
        "address": postal_address(site.publisher_address),
        "email": site.contact_email,
        "telephone": site.contact_phone,
        "vatID": site.vat_id,
        "publishingPrinciples": site.publishing_principles_url,
    }
    organization = {
        "@context": "https://schema.org",
        "@type": "NewsMediaOrganization",
        "name": site.site_name,
        "url": home,
        "logo": logo(request, site),
        # Only what the settings say: Google reports empty values as errors.
        **{name: value for name, value in known.items() if value},
    }
    return ld_json(website) + ld_json(organization)
