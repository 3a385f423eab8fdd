from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Warning, register

# Addresses that only mean something on the machine itself.
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "0.0.0.0"}


@register("newsroom", deploy=True)
def check_site_url(app_configs, **kwargs):
    """E-mails (job ad confirmations, moderation notices) need the site's absolute address."""
    url = settings.SITE_URL
    if url.startswith(("https://", "http://")) and urlsplit(url).hostname not in LOCAL_HOSTS:
        return []
    return [
        Warning(
            "SITE_URL is not set to the public address: links in e-mails to employers and "
            "ad staff would not work.",
            hint="Set SITE_URL to the public address, e.g. https://lindenau-nachrichten.de",
            id="newsroom.W001",
        )
    ]


@register("newsroom", deploy=True)
def check_sender_address(app_configs, **kwargs):
    """Without DEFAULT_FROM_EMAIL, mails would come from redaktion@localhost: refused or
    filed as spam, and unanswerable."""
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].rstrip(">").lower()
    if "." in domain and domain not in LOCAL_HOSTS:
        return []
    return [
        Warning(
            f"DEFAULT_FROM_EMAIL is {settings.DEFAULT_FROM_EMAIL!r}: e-mails would come from "
            "an address nobody can answer.",
            hint="Set DEFAULT_FROM_EMAIL, e.g. redaktion@lindenau-nachrichten.de",
            id="newsroom.W002",
        )
    ]
