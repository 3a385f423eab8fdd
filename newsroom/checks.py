from django.conf import settings
from django.core.checks import Warning, register


@register("newsroom", deploy=True)
def check_site_url(app_configs, **kwargs):
    """E-mails (job ad confirmations, moderation notices) need the site's absolute address."""
    if settings.ADS_SITE_URL.startswith(("https://", "http://")):
        return []
    return [
        Warning(
            "SITE_URL is not set: links in e-mails to employers and ad staff would not work.",
            hint="Set SITE_URL to the public address, e.g. https://lindenau-nachrichten.de",
            id="newsroom.W001",
        )
    ]
