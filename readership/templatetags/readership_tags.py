from django import template
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from articles.invalidation import listed_tag
from newsroom import caching

from ..models import ArticleReads

register = template.Library()

# Reads change by the second and write nothing that invalidates: the list is kept this
# long (and dropped at once when an article changes, e.g. is unpublished).
MOST_READ_SECONDS = 5 * 60


@register.inclusion_tag("readership/most_read.html", takes_context=True)
def most_read(context, limit: int = 5) -> dict:
    """The "Meistgelesen" box: the most read articles of the last 7 days (hidden while empty)."""
    request = context.get("request")
    items = caching.cached(
        f"most-read-items-{limit}",
        [caching.LIST],
        lambda: _rendered_most_read(limit),
        request,
        timeout=MOST_READ_SECONDS,
    )
    # The box follows its articles' changes (an unpublished one leaves it at once); the
    # reads move it within s-maxage. An empty box ties a page to nothing.
    caching.add_cache_tags(request, *(listed_tag(pk) for pk, _ in items))
    return {"items": [mark_safe(html) for _, html in items]}


def _rendered_most_read(limit: int) -> list[tuple[int, str]]:
    return [
        (article.pk, render_to_string("readership/_most_read_item.html", {"article": article}))
        for article in ArticleReads.objects.most_read(days=7, limit=limit)
    ]


@register.simple_tag
def read_beacon(article) -> str:
    """The script that reports a read of `article` (only for articles readers can see)."""
    if not article.is_public:
        return ""
    return format_html(
        '<script src="{}" data-endpoint="{}" data-article="{}" defer></script>',
        static("readership/reads.js"),
        reverse("readership:read"),
        article.pk,
    )
