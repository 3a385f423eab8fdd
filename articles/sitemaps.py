"""Sitemaps whose index and sections cost the same with 1,000 or 1,000,000 articles.

Articles (and tags) are split into sections by id range (`limit` ids each): the index needs
only the highest id, and a section reads at most `limit` rows by primary key. Django's
paginated sitemap would COUNT every article for the index and walk an OFFSET for each later
page. The Google News section lists the articles of the last 48 hours, newest first, through
the index on (status, published_at).
"""

from datetime import timedelta

from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps import views as sitemap_views
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Exists, Max, Min, OuterRef
from django.utils import timezone

from .models import Article, Author, Category, Tag, TaggedArticle

NEWS_TEMPLATE = "articles/sitemap_news.xml"


class OnePagePaginator(Paginator):
    """An id-range section never holds more than `per_page` articles: one page, no COUNT."""

    num_pages = 1

    def __init__(self, items, per_page):
        super().__init__([], per_page)
        self.items = items  # read only for the page itself, not for the index

    def page(self, number):
        number = self.validate_number(number)
        return self._get_page(self.items()[: self.per_page], number, self)


class OnePageSitemap(Sitemap):
    """A section whose `items()` returns at most `limit` rows: one page, no COUNT."""

    @property
    def paginator(self):
        return OnePagePaginator(self.items, self.limit)


class ArticleSitemap(OnePageSitemap):
    changefreq = "daily"
    limit = 2000  # URLs per section: each section page renders at most this many

    def __init__(self, number: int = 0, *, is_newest: bool = True):
        self.number = number
        self.is_newest = is_newest

    def items(self):
        # Read by primary key range only, and the public ones picked here: with a filter on
        # status the database may walk every published article by date instead.
        first = self.number * self.limit
        rows = Article.objects.filter(pk__gte=first, pk__lt=first + self.limit).order_by("pk")
        rows = rows.select_related("category").only(
            "slug", "status", "published_at", "updated_at", "category__path"
        )
        return [article for article in rows if article.is_public]

    def lastmod(self, item):
        return item.updated_at or item.published_at

    def get_latest_lastmod(self):
        # Older sections change rarely and would each cost a read of their rows; the newest
        # one is read (at most `limit` rows by primary key).
        if not self.is_newest:
            return None
        return max((self.lastmod(a) for a in self.items()), default=None)


class CategorySitemap(Sitemap):
    changefreq = "hourly"

    def items(self):
        return Category.objects.all()


class NewsSitemap(OnePageSitemap):
    """Google News: the articles published in the last 48 hours, at most 1,000 (Google's
    limits), newest first; rendered with NEWS_TEMPLATE (publication name, language, date and
    title of each)."""

    limit = 1000
    window = timedelta(hours=48)

    def items(self):
        now = timezone.now()
        rows = Article.objects.filter(
            status=Article.Status.PUBLISHED,
            published_at__gt=now - self.window,
            published_at__lte=now,
        ).order_by("-published_at", "-pk")
        rows = rows.select_related("category").only(
            "title", "slug", "published_at", "updated_at", "category__path"
        )
        return rows[: self.limit]

    def lastmod(self, item):
        return item.updated_at or item.published_at

    def get_latest_lastmod(self):
        return None  # left out of the index: it would read the whole section


class TagSitemap(OnePageSitemap):
    """Tags by id range, each only while a published article carries it (a tag page of no
    public article is a 404): one look-up in the tag's listing index per tag."""

    changefreq = "daily"
    limit = 2000

    def __init__(self, number: int = 0):
        self.number = number

    def items(self):
        first = self.number * self.limit
        public = TaggedArticle.objects.filter(tag=OuterRef("pk"), listed_at__lte=timezone.now())
        rows = Tag.objects.filter(pk__gte=first, pk__lt=first + self.limit).filter(Exists(public))
        return rows.order_by("pk").only("slug")


class AuthorSitemap(Sitemap):
    """Every author's page; a newsroom has dozens, not thousands."""

    changefreq = "daily"

    def items(self):
        return Author.objects.order_by("pk").only("slug")


def _numbers(model, limit: int) -> range:
    """The id-range sections from the lowest id to the highest: none before the first row,
    so a database whose early ids are gone lists no empty ones. Two queries, each reading
    one end of the primary key."""
    if connection.vendor == "sqlite":
        # SQLite reads one end of the index for a lone MIN or MAX (both at once: the table).
        lowest = model.objects.aggregate(lowest=Min("pk"))["lowest"] or 0
        highest = model.objects.aggregate(highest=Max("pk"))["highest"] or 0
    else:
        # PostgreSQL's planner may aggregate a small table's whole index instead.
        ids = model.objects.order_by("pk").values_list("pk", flat=True)
        lowest, highest = ids.first() or 0, ids.last() or 0
    return range(lowest // limit, highest // limit + 1)


def sitemap_sections() -> dict[str, Sitemap]:
    """The sections of the index; the number of article and tag sections follows the ids."""
    numbers = _numbers(Article, ArticleSitemap.limit)
    articles = {f"articles-{n}": ArticleSitemap(n, is_newest=n == numbers[-1]) for n in numbers}
    tags = {f"tags-{n}": TagSitemap(n) for n in _numbers(Tag, TagSitemap.limit)}
    return {
        "news": NewsSitemap(),
        **articles,
        "categories": CategorySitemap(),
        **tags,
        "authors": AuthorSitemap(),
    }


def index(request):
    return sitemap_views.index(request, sitemap_sections(), sitemap_url_name="sitemap-section")


def section(request, section):
    if section == "news":
        return sitemap_views.sitemap(
            request, {"news": NewsSitemap()}, section=section, template_name=NEWS_TEMPLATE
        )
    return sitemap_views.sitemap(request, sitemap_sections(), section=section)
