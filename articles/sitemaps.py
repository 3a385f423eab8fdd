"""Sitemaps whose index and sections cost the same with 1,000 or 1,000,000 articles.

Articles are split into sections by id range (`limit` ids each): the index needs only the
highest id, and a section reads at most `limit` rows by primary key. Django's paginated
sitemap would COUNT every article for the index and walk an OFFSET for each later page.
"""

from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps import views as sitemap_views
from django.core.paginator import Paginator
from django.db.models import Max

from .models import Article, Category


class OnePagePaginator(Paginator):
    """An id-range section never holds more than `per_page` articles: one page, no COUNT."""

    num_pages = 1

    def __init__(self, items, per_page):
        super().__init__([], per_page)
        self.items = items  # read only for the page itself, not for the index

    def page(self, number):
        number = self.validate_number(number)
        return self._get_page(self.items()[: self.per_page], number, self)


class ArticleSitemap(Sitemap):
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

    @property
    def paginator(self):
        return OnePagePaginator(self.items, self.limit)

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


def sitemap_sections() -> dict[str, Sitemap]:
    """The sections of the index; the number of article sections follows the highest id."""
    highest = Article.objects.aggregate(highest=Max("pk"))["highest"] or 0  # index end
    last = highest // ArticleSitemap.limit
    sections = {f"articles-{n}": ArticleSitemap(n, is_newest=n == last) for n in range(last + 1)}
    return {**sections, "categories": CategorySitemap()}


def index(request):
    return sitemap_views.index(request, sitemap_sections(), sitemap_url_name="sitemap-section")


def section(request, section):
    return sitemap_views.sitemap(request, sitemap_sections(), section=section)
