import json

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from newsroom.images import rendition_name, rendition_widths
from newsroom.models import Page

register = template.Library()


@register.inclusion_tag("widgets/footer_pages.html")
def footer_pages() -> dict:
    """Links to Impressum, Datenschutz, Kontakt ..."""
    pages = Page.objects.published().filter(in_footer=True)
    return {"pages": [(p.title, p.get_absolute_url()) for p in pages]}


@register.filter
def isodatetime(value) -> str:
    """A datetime for `<time datetime>`: Berlin time, whole seconds (HTML allows at most ms)."""
    if not value:
        return ""
    return timezone.localtime(value).replace(microsecond=0).isoformat()


@register.filter
def srcset(image, width) -> str:
    """`srcset` for an image stored by CleanImageField: its smaller copies and itself."""
    if not image:
        return ""
    url = image.url
    entries = [f"{rendition_name(url, w)} {w}w" for w in rendition_widths(image.name, width)]
    return ", ".join([*entries, f"{url} {width}w"])


@register.filter
def ld_json(data: dict) -> str:
    """Structured data for search engines, escaped like json_script (no "</script>" breakout)."""
    payload = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False).translate(
        {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}
    )
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(payload))
