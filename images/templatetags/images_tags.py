"""`{% picture %}` and friends: every image on a page as WebP with a fallback, in the sizes
the layout needs, with width and height reserved. Addresses are computed, never looked up."""

import re
from html import unescape

from django import template
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from newsroom.templatetags.newsroom_tags import img_attrs

from ..models import Image
from ..renditions import CROPS, WEBP
from ..text import ALT, CAPTION, FIGURE, IMG, SRC, stored_name, text_image_names

register = template.Library()


@register.simple_tag
def picture(image, crop="full", sizes="100vw", alt=None, loading=None, fetchpriority=None,
            css_class=None) -> str:  # fmt: skip
    """A library image in one crop: `<picture>` with a WebP source and a fallback `<img>`.

    `alt` replaces the library's alternative text (a use may describe an image its own way;
    "" marks it as decorative). `loading="lazy"` for images below the fold,
    `fetchpriority="high"` for the one that matters most on the page.
    """
    if not image:
        return ""
    crop = CROPS[crop]
    renditions = image.renditions
    width = renditions.default_width(crop)
    img = format_html(
        '<img src="{}" srcset="{}" sizes="{}"{}>',
        renditions.url(crop, width, renditions.fallback),
        renditions.srcset(crop, renditions.fallback),
        sizes,
        img_attrs(
            alt=image.alt_text if alt is None else alt,
            width=width,
            height=renditions.size(crop, width)[1],
            class_=css_class,
            loading=loading,
            decoding="async" if loading == "lazy" else None,
            fetchpriority=fetchpriority,
        ),
    )
    if not crop.webp:
        return img
    return format_html(
        '<picture><source type="image/webp" srcset="{}" sizes="{}">{}</picture>',
        renditions.srcset(crop, WEBP),
        sizes,
        img,
    )


@register.simple_tag
def largest_rendition(image, crop: str) -> dict:
    """{"url", "width", "height"} of an image's largest rendition in a crop, fallback format
    (for Open Graph and structured data)."""
    url, width, height = image.renditions.largest(CROPS[crop])
    return {"url": url, "width": width, "height": height}


# --- Images inside article text -------------------------------------------------------------

TEXT_SIZES = "(min-width: 60rem) 44rem, 100vw"


def credit_html(image) -> str:
    if not image.credit:
        return ""
    return format_html('<span class="credit">{}: {}</span>', _("Photo"), image.credit)


@register.filter
def with_pictures(html: str) -> str:
    """Article text with its library images as `<picture>`s in every size, lazily loaded,
    each with caption and credit. One query for all images of the text."""
    names = text_image_names(html)
    if not names:
        return mark_safe(html)
    images = Image.objects.by_file_names(names)

    def image_for(img_tag: str):
        src = SRC.search(img_tag)
        return images.get(stored_name(unescape(src[1]))) if src else None

    def own_alt(img_tag: str):
        alt = ALT.search(img_tag)
        return unescape(alt[1]) if alt and alt[1].strip() else None

    def figure(match) -> str:
        inner = match["inner"]
        img = IMG.search(inner)
        image = image_for(img[0]) if img else None
        if image is None:
            return match[0]
        caption = CAPTION.search(inner)
        text = (
            caption["caption"] if caption and caption["caption"].strip() else escape(image.caption)
        )
        figcaption = ""
        if text.strip() or image.credit:
            figcaption = format_html(
                "<figcaption>{} {}</figcaption>", mark_safe(text), credit_html(image)
            )
        return format_html(
            '<figure class="image">{}{}</figure>',
            picture(image, "full", TEXT_SIZES, alt=own_alt(img[0]), loading="lazy"),
            figcaption,
        )

    def bare(match) -> str:
        image = image_for(match[0])
        if image is None:
            return match[0]
        return picture(image, "full", TEXT_SIZES, alt=own_alt(match[0]), loading="lazy")

    html = FIGURE.sub(figure, html)
    # Images outside a figure; those just written are <picture>s with an <img> inside.
    parts = re.split(r"(<picture>.*?</picture>)", html, flags=re.S)
    html = "".join(p if p.startswith("<picture>") else IMG.sub(bare, p) for p in parts)
    return mark_safe(html)
