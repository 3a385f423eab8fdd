from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render

from .models import Article, ArticleSlugHistory, Author, Category, CategoryPathHistory, Tag

PAGE_SIZE = 12


def _visible_articles(request):
    """Readers see published articles; staff may preview drafts and scheduled ones."""
    if request.user.is_authenticated and request.user.is_staff:
        return Article.objects.all()
    return Article.objects.published()


def _paginate(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("seite"))


def home(request):
    articles = Article.objects.published()
    lead = articles.lead_story()
    latest = list(articles.for_listing().exclude(pk=getattr(lead, "pk", None))[:8])
    # The section blocks show what is not already at the top of the page.
    shown = [a.pk for a in latest] + ([lead.pk] if lead else [])
    return render(
        request,
        "articles/home.html",
        {
            "lead": lead,
            "latest": latest,
            "sections": articles.exclude(pk__in=shown).sections(per_section=4),
        },
    )


def path_dispatch(request, path):
    """A category ("/dorsten/rathaus/") or an article ("/dorsten/rathaus/<slug>/")."""
    category = Category.objects.filter(path=path).first()
    if category is not None:
        return category_detail(request, category)
    slug = path.rsplit("/", 1)[-1]
    article = _visible_articles(request).for_detail().filter(slug=slug).first()
    if article is None:
        return redirect(_former_address(request, path, slug), permanent=True)
    if path != article.get_absolute_url().strip("/"):
        # A changed category (or a mistyped one) leads to the article's current address.
        return redirect(article, permanent=True)
    return article_detail(request, article)


def _former_address(request, path, slug):
    """What used to live at `path`: an article under an old slug, or a renamed category."""
    former = ArticleSlugHistory.objects.filter(slug=slug).select_related("article").first()
    if former is not None and (former.article.is_public or request.user.is_staff):
        return former.article
    old_category = CategoryPathHistory.objects.filter(path=path).select_related("category").first()
    if old_category is not None:
        return old_category.category
    raise Http404


def category_detail(request, category):
    page = _paginate(request, Article.objects.published().in_category(category).for_listing())
    return render(
        request,
        "articles/category.html",
        {
            "category": category,
            "subcategories": category.children.all(),
            "breadcrumb": category.ancestors(),
            "page_obj": page,
        },
    )


def article_detail(request, article):
    return render(
        request,
        "articles/article.html",
        {
            "article": article,
            "breadcrumb": article.category.ancestors(),
            "structured_data": article.structured_data(request),
        },
    )


def tag_detail(request, slug):
    tag = get_object_or_404(Tag, slug=slug)
    page = _paginate(request, Article.objects.published().filter(tags=tag).for_listing())
    if not page.paginator.count:
        # Tags are created with drafts; their names must not show before the article does.
        raise Http404
    return render(request, "articles/tag.html", {"tag": tag, "page_obj": page})


def author_detail(request, slug):
    author = get_object_or_404(Author, slug=slug)
    page = _paginate(request, Article.objects.published().filter(authors=author).for_listing())
    return render(request, "articles/author.html", {"author": author, "page_obj": page})


def search(request):
    query = request.GET.get("q", "").strip()[:200]
    page = None
    if query:
        page = _paginate(request, Article.objects.published().search(query).for_listing())
    return render(request, "articles/search.html", {"query": query, "page_obj": page})
