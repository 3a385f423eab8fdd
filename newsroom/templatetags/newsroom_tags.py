from django import template
from django.core.cache import cache
from django.utils import timezone

from newsroom.models import Page

register = template.Library()

FOOTER_PAGES_CACHE_KEY = "newsroom:footer-pages"


@register.inclusion_tag("widgets/footer_pages.html")
def footer_pages() -> dict:
    """Links to Impressum, Datenschutz, Kontakt ...; cached, cleared when a page is saved."""
    pages = cache.get(FOOTER_PAGES_CACHE_KEY)
    if pages is None:
        pages = [
            (p.title, p.get_absolute_url()) for p in Page.objects.published().filter(in_footer=True)
        ]
        cache.set(FOOTER_PAGES_CACHE_KEY, pages)
    return {"pages": pages}


@register.filter
def isodatetime(value) -> str:
    """A datetime for `<time datetime>`: Berlin time, whole seconds (HTML allows at most ms)."""
    if not value:
        return ""
    return timezone.localtime(value).replace(microsecond=0).isoformat()
