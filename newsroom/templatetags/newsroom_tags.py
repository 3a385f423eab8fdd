import json
from urllib.parse import urlencode

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator
from django.utils.translation import gettext

from articles.pagination import CURSOR_PARAM
from newsroom import caching
from newsroom.images import side_rendition_name, side_rendition_widths
from newsroom.models import Page

register = template.Library()


def page_url(request, page_obj=None) -> str:
    """This page's absolute address: the path, plus the page of a list beyond the first
    (`?seite=N`, or the cursor of an older page); other parameters are left out."""
    query = {}
    if page_obj is not None:
        if getattr(page_obj, "is_cursor_page", False) and request.GET.get(CURSOR_PARAM):
            query[CURSOR_PARAM] = request.GET[CURSOR_PARAM]
        elif (page_obj.number or 1) > 1:
            query["seite"] = page_obj.number
    url = request.build_absolute_uri(request.path)
    return f"{url}?{urlencode(query)}" if query else url


@register.inclusion_tag("includes/meta.html", takes_context=True)
def page_meta(
    context,
    title="",
    description="",
    type="website",
    image=None,
    image_alt="",
    index=True,
    share_text="",
) -> dict:
    """Description, canonical address, Open Graph and Twitter card for the page's head.

    Pages pass their own title (without the site's name) and description; the site's
    tagline stands in for a missing one. `image`: {"url", "width", "height"} as from
    `largest_rendition`. Pages not to be indexed (`index=False`: search results, errors,
    previews, the 404) say so and get no canonical address and no og:url (a 404 would
    only echo what was asked for). `share_text`: what social networks show under the
    title when it is not the description (an article's own social text).
    Reads nothing from the database.
    """
    request, site = context.get("request"), context.get("site")
    site_name = getattr(site, "site_name", "")
    description = " ".join(str(description).split()) or getattr(site, "tagline", "") or site_name
    description = Truncator(description).chars(160)
    return {
        "site_name": site_name,
        "title": title or site_name,
        "description": description,
        "share_text": " ".join(str(share_text).split()) or description,
        "type": type,
        "url": page_url(request, context.get("page_obj")) if request else "",
        "noindex": not index,
        "image": image and {**image, "url": request.build_absolute_uri(image["url"])},
        "image_alt": image_alt,
    }


@register.simple_tag(takes_context=True)
def breadcrumb_list(context, trail, current_name="", current_url="") -> SafeString:
    """schema.org BreadcrumbList as JSON-LD: the home page, each of `trail` (categories,
    from the top), then the current page when it is not the trail's last."""
    request = context["request"]
    items = [(gettext("Home"), reverse("articles:home"))]
    items += [(c.name, c.get_absolute_url()) for c in trail]
    if current_name:
        items.append((current_name, current_url))
    return ld_json(
        {
            "@context": "https://schema.org",
            "@type": "BreadcrumbList",
            "itemListElement": [
                {
                    "@type": "ListItem",
                    "position": position,
                    "name": name,
                    "item": request.build_absolute_uri(url),
                }
                for position, (name, url) in enumerate(items, 1)
            ],
        }
    )


@register.simple_tag(takes_context=True)
def brand_stylesheet(context) -> SafeString:
    """The link to /brand.css, versioned by `all`: a change to the site settings or the
    categories changes the address, so browsers may keep each version for good."""
    request = context.get("request")
    version = None
    if getattr(request, "without_database", False):
        # The 500 page: a version that is not stored would be renewed from the database.
        try:
            version = caching.stored_version_key(caching.ALL)
        except Exception:  # the cache may be down too (Redis)
            pass
    elif request is not None:
        version = caching.version_key(request, caching.ALL)
    url = reverse("newsroom:brand-css")
    if version:
        url = f"{url}?v={version}"
    return format_html('<link rel="stylesheet" href="{}">', url)


@register.inclusion_tag("widgets/footer_pages.html")
def footer_pages() -> dict:
    """Links to the Impressum (always), Datenschutz, Kontakt ..."""
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
