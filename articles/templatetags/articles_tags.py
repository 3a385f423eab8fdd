from django import template

from articles.models import Article, main_categories

register = template.Library()


@register.inclusion_tag("widgets/category_nav.html", takes_context=True)
def category_nav(context) -> dict:
    """The main categories, from the cache; the current section is marked."""
    current = context.get("category") or getattr(context.get("article"), "category", None)
    return {
        "categories": main_categories(),
        "current_root": current.root_slug if current else None,
    }


@register.inclusion_tag("widgets/latest_articles.html")
def latest_articles(count: int = 4, exclude=None) -> dict:
    """The newest articles with excerpts, without the one being read (one query)."""
    articles = Article.objects.published().select_related("category").order_by("-published_at")
    if exclude is not None:
        articles = articles.exclude(pk=exclude.pk)
    return {"articles": articles[:count]}
