from django import template

from articles.sharing import share_links

register = template.Library()


@register.inclusion_tag("includes/share.html", takes_context=True)
def share(context, article) -> dict:
    """Share links for `article`, plus "Link kopieren" and "Teilen" where the browser can."""
    request = context["request"]
    url = request.build_absolute_uri(article.get_absolute_url())
    title = article.share_title
    return {"url": url, "title": title, "links": share_links(url, title)}
