from functools import partial

from django.conf import settings
from django.core.paginator import Paginator
from django.core.validators import slug_re
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render

from newsroom import caching
from newsroom.caching import ALL, LIST, add_cache_tags, cache_tags

from .invalidation import HOME, MISSING, SEARCH, listed_tags, page_tag
from .models import (
    Article,
    ArticleSlugHistory,
    Author,
    CategoryPathHistory,
    Tag,
    category_index,
)
from .pagination import PAGE_SIZE, paginate
from .search import RESULT_LIMIT, clean_query, ranked_ids, snippet


def _may_preview(request) -> bool:
    """Readers see published articles; the newsroom may preview drafts and scheduled ones
    (ad staff may not: they have no right to read articles in the admin either)."""
    return request.user.is_authenticated and request.user.has_perm("articles.view_article")


def _paginate(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("seite"))


def _home_articles() -> dict:
    articles = Article.objects.published()
    lead = articles.lead_story()
    latest = list(articles.for_listing().exclude(pk=getattr(lead, "pk", None))[:8])
    # The section blocks show what is not already at the top of the page.
    shown = [a.pk for a in latest] + ([lead.pk] if lead else [])
    return {
        "lead": lead,
        "latest": latest,
        "sections": articles.exclude(pk__in=shown).sections(per_section=4),
    }


@cache_tags(LIST, HOME)
def home(request):
    # The selection changes only with the articles or the categories: kept in the app cache.
    context = caching.cached("home", [LIST, ALL], _home_articles, request)
    shown = [context["lead"], *context["latest"]]
    shown += [article for _, articles in context["sections"] for article in articles]
    add_cache_tags(request, *listed_tags(shown))
    return render(request, "articles/home.html", context)


def path_dispatch(request, path):
    """A category ("/dorsten/rathaus/") or an article ("/dorsten/rathaus/<slug>/")."""
    category = category_index(request).get(path)
    if category is not None:
        return category_detail(request, category)
    slug = path.rsplit("/", 1)[-1]
    article = _article_at(request, slug)
    if article is None:
        # Not (or no longer) here: until an article takes the address. `list`: a scheduled
        # one going live ends this answer by time.
        add_cache_tags(request, LIST, MISSING)
        return redirect(_former_address(request, path, slug), permanent=True)
    # The category from the cached index rather than a join (the images are joined: the
    # page's head and top show them when the article's own parts are not cached).
    for category in category_index(request).values():
        if category.pk == article.category_id:
            article.category = category
    if path != article.get_absolute_url().strip("/"):
        # A changed category (or a mistyped one) leads to the article's current address.
        add_cache_tags(request, MISSING)
        return redirect(article, permanent=True)
    return article_detail(request, article)


SLUG_MAX_LENGTH = Article._meta.get_field("slug").max_length


def _article_at(request, slug):
    """The article with `slug` that this request may see, or None.

    For readers from the app cache, under `list`: a published article stops being public
    only by a change, which ends that version (see caching.RECEIVERS). The query itself is
    quick; Django building it is not (0.5 ms, a fifth of an uncached article page)."""
    if not slug_re.match(slug) or len(slug) > SLUG_MAX_LENGTH:
        # No article has it, and as a cache key it would be refused with a warning (spaces,
        # over 250 characters): scanners probing odd addresses cost neither.
        return None
    articles = Article.objects.select_related("lead_image", "social_image")
    if _may_preview(request):
        return articles.filter(slug=slug).first()
    return caching.cached(
        f"article-at-{slug}",
        [LIST],
        lambda: articles.published().filter(slug=slug).first(),
        request,
        timeout=settings.HTTP_CACHE_FRAGMENT_TIMEOUT,
    )


def _former_address(request, path, slug):
    """What used to live at `path`: an article under an old slug, or a renamed category."""
    former = ArticleSlugHistory.objects.filter(slug=slug).select_related("article").first()
    if former is not None and (former.article.is_public or _may_preview(request)):
        return former.article
    old_category = CategoryPathHistory.objects.filter(path=path).select_related("category").first()
    if old_category is not None:
        return old_category.category
    raise Http404


def category_detail(request, category):
    subtree = category.subtree(request)
    page = paginate(
        request,
        partial(Article.objects.newest_ids_in, subtree),
        Article.objects.in_order,
    )
    add_cache_tags(request, LIST, f"section-{category.pk}", *listed_tags(page.object_list))
    return render(
        request,
        "articles/category.html",
        {
            "category": category,
            "subcategories": [c for c in subtree if c.parent_id == category.pk],
            "breadcrumb": category.ancestors(request),
            "page_obj": page,
        },
    )


def article_detail(request, article):
    # Its own page; the boxes add the articles they list. Never kept past "offline from".
    add_cache_tags(request, page_tag(article.pk), until=article.expires_at)
    return render(
        request,
        "articles/article.html",
        {
            "article": article,
            "breadcrumb": article.category.ancestors(request),
            # Its own parts (head, text, byline, tags) are kept in the app cache under the
            # article's version and `all`; absolute addresses in them name the host.
            "parts_key": ":".join(
                [
                    caching.object_version(f"article-{article.pk}"),
                    caching.version_key(request, ALL),
                    str(article.is_public),
                    request.scheme,
                    request.get_host(),
                ]
            ),
            # Computed only when the head is not in the cache.
            "structured_data": partial(article.structured_data, request),
        },
    )


@cache_tags(LIST)
def tag_detail(request, slug):
    tag = get_object_or_404(Tag, slug=slug)
    page = paginate(
        request,
        partial(Article.objects.newest_ids_tagged, tag),
        Article.objects.in_order,
    )
    add_cache_tags(request, f"tag-{tag.pk}", *listed_tags(page.object_list))
    if not page.object_list and not page.is_cursor_page:
        # Tags are created with drafts; their names must not show before the article does.
        raise Http404
    return render(request, "articles/tag.html", {"tag": tag, "page_obj": page})


@cache_tags(LIST)
def author_detail(request, slug):
    author = get_object_or_404(Author.objects.select_related("photo"), slug=slug)
    # Bounded by this author's own articles, not by the archive: the auto-created join
    # table has no date to walk newest first (a custom one would cost the admin's widget).
    articles = Article.objects.filter(authors=author)
    page = paginate(request, articles.newest_ids, Article.objects.in_order)
    add_cache_tags(request, f"author-{author.pk}", *listed_tags(page.object_list))
    return render(request, "articles/author.html", {"author": author, "page_obj": page})


@cache_tags(LIST, SEARCH)
def search(request):
    # Control characters and lone surrogates would only break the page or the database.
    query = clean_query(request.GET.get("q", ""))[:200]
    page = None
    if query:
        # The bounded matches once, best first (ids and ranks), then the page's articles:
        # a paginator's COUNT would run the search a second time.
        page = _paginate(request, ranked_ids(query))
        page.object_list = Article.objects.in_order(list(page.object_list))
        for article in page.object_list:
            article.snippet = snippet(article, query)
    context = {
        "query": query,
        "page_obj": page,
        # Only the newest matches are searched (search.RESULT_LIMIT); readers are told so.
        "result_limit": RESULT_LIMIT,
        "at_limit": page is not None and page.paginator.count >= RESULT_LIMIT,
    }
    return render(request, "articles/search.html", context)
