from collections import defaultdict

from django import template
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import formats, timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from ads.models import JOBS
from articles.invalidation import LATEST, listed_tag
from articles.models import Article, category_index, main_categories
from newsroom import caching

register = template.Library()

# "Neueste Artikel" below an article: four, as the reference portal shows.
LATEST_COUNT = 4


@register.simple_tag(takes_context=True)
def current_section(context) -> str:
    """The slug of the main category being read, for the navigation to mark."""
    current = context.get("category") or getattr(context.get("article"), "category", None)
    return current.root_slug if current else ""


@register.inclusion_tag("widgets/category_nav.html", takes_context=True)
def category_nav(context, current_root: str = "") -> dict:
    """The main categories with their subcategories, from the cache; the current section
    is marked. The menu lists every subcategory; the bar on wide screens the main ones."""
    request = context.get("request")
    children = defaultdict(list)
    for category in category_index(request).values():
        children[category.parent_id].append(category)
    return {
        "sections": [(c, children[c.pk]) for c in main_categories(request)],
        "current_root": current_root,
    }


@register.simple_tag(takes_context=True)
def below_article(context, article) -> str:
    """What follows every article: "Meistgelesen", the promo box, "Unsere Empfehlung" and
    "Neueste Artikel", boxes that change with other articles and ads. The page follows what
    they show (an article or job ad shown there that changes or goes bans it) but not what
    arrives: a new article or job ad joins them when the page is made again, within
    s-maxage, as in "Mehr zum Thema". So a publish bans none of the archive's pages."""
    request = context.get("request")
    with caching.arrivals_ignored(request, caching.LIST, LATEST, JOBS):
        return render_to_string(
            "articles/_below_article.html", {"exclude": article.pk}, request=request
        )


@register.inclusion_tag("widgets/latest_articles.html", takes_context=True)
def latest_articles(context, count: int = LATEST_COUNT, exclude: int | None = None) -> dict:
    """The "Neueste Artikel" box: the newest articles with excerpts, without the article
    `exclude` (a pk), from the cache."""
    request = context.get("request")
    shown = [(pk, html) for pk, html in _cached_latest(request) if pk != exclude][:count]
    caching.add_cache_tags(request, caching.LIST, LATEST, *(listed_tag(pk) for pk, _ in shown))
    return {"articles": [mark_safe(html) for _, html in shown]}


def _cached_latest(request) -> list[tuple[int, str]]:
    return caching.cached(
        f"latest-{LATEST_COUNT}", [caching.LIST], lambda: _rendered_latest(LATEST_COUNT), request
    )


def _rendered_latest(count: int) -> list[tuple[int, str]]:
    """The newest articles (one more, for the page that shows one of them) as HTML items."""
    newest = Article.objects.published().for_listing()[: count + 1]
    return [(a.pk, render_to_string("widgets/_latest_item.html", {"article": a})) for a in newest]


@register.inclusion_tag("widgets/related_articles.html", takes_context=True)
def related_articles(context, article, limit: int = 4) -> dict:
    """The "Mehr zum Thema" box: cards of articles sharing tags, then of the same category.
    The page follows the changes of the articles shown; a newer related article joins the
    box when the page is made again (within s-maxage)."""
    request = context.get("request")

    def render() -> list[tuple[int, str]]:
        related = Article.objects.related_to(article, limit=limit)
        return [
            (a.pk, render_to_string("includes/card.html", {"article": a, "variant": "row"}))
            for a in related
        ]

    if not article.is_public:
        cards = render()  # a preview: its tags may change without anything invalidating
    else:
        # One entry per article: kept in the app cache alone (see caching.cached).
        cards = caching.cached(
            f"related-cards-{article.pk}-{limit}",
            [caching.LIST],
            render,
            request,
            timeout=settings.HTTP_CACHE_FRAGMENT_TIMEOUT,
        )
    caching.add_cache_tags(request, *(listed_tag(pk) for pk, _ in cards))
    return {"cards": [mark_safe(html) for _, html in cards]}


@register.filter
def teaser_time(value) -> str:
    """When a teaser's article appeared: the time for today's, the date before that.
    site.js turns today's into "vor 2 Std." in the reader's browser, where the page may
    have come from a cache."""
    if not value:
        return ""
    local = timezone.localtime(value)
    if local.date() == timezone.localdate():
        return gettext("%(time)s o’clock") % {"time": formats.time_format(local, "H:i")}
    return formats.date_format(local, "SHORT_DATE_FORMAT")
