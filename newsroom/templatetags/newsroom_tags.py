import json

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from newsroom.images import side_rendition_name, side_rendition_widths
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


def img_attrs(**attrs) -> SafeString:
    """` name="value"` for each attribute that is set (True: the bare name). `alt` is always
    written out: empty, it marks a decorative image."""
    parts = []
    for name, value in attrs.items():
        if (value is None or value is False or value == "") and name != "alt":
            continue
        name = name.rstrip("_").replace("_", "-")
        parts.append(
            format_html(" {}", name)
            if value is True
            else format_html(' {}="{}"', name, "" if value is None else value)
        )
    return mark_safe("".join(parts))


@register.simple_tag
def side_picture(file, width, height, display_width, alt="", loading=None, css_class=None):
    """An image with copies stored beside it (employer logos): shown `display_width` wide."""
    if not file:
        return ""
    display_width = int(display_width)
    display_height = max(1, round(display_width * (height or 1) / (width or 1)))
    url, name = file.url, file.name
    widths = side_rendition_widths(file.field.renditions, name, width)
    fallback = ", ".join(
        [*(f"{side_rendition_name(url, w)} {w}w" for w in widths), f"{url} {width}w"]
    )
    img = format_html(
        '<img src="{}" srcset="{}" sizes="{}px"{}>',
        url,
        fallback,
        display_width,
        img_attrs(alt=alt, width=display_width, height=display_height, class_=css_class,
                   loading=loading),
    )  # fmt: skip
    if not widths:
        return img
    webp = ", ".join(f"{side_rendition_name(url, w, 'webp')} {w}w" for w in widths)
    return format_html(
        '<picture><source type="image/webp" srcset="{}" sizes="{}px">{}</picture>',
        webp,
        display_width,
        img,
    )


@register.filter
def ld_json(data: dict) -> str:
    """Structured data for search engines, escaped like json_script (no "</script>" breakout)."""
    payload = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False).translate(
        {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}
    )
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(payload))
