"""The articles' sections of the sitemap index (newsroom.sitemaps): the same cost with 1,000
or 1,000,000 articles.

Articles (and tags) are split into sections by id range (`limit` ids each): the index needs
only the highest id, and a section reads at most `limit` rows by primary key. Django's
paginated sitemap would COUNT every article for the index and walk an OFFSET for each later
page. The Google News section lists the articles of the last 48 hours, newest first, through
the index on (status, published_at). A section without a public article (the news after 48
quiet hours, every section of a new site, an id range of drafts) is left out of the index.
"""

from datetime import timedelta

from django.db import connection
from django.db.models import Exists, Max, Min, OuterRef
from django.utils import timezone

from newsroom.caching import LIST
from newsroom.sitemaps import OnePageSection, Section, Sections

from .invalidation import SITEMAP
from .models import Article, Author, Category, Tag, TaggedArticle, online_at

NEWS_TEMPLATE = "articles/sitemap_news.xml"


class ArticleSitemap(OnePageSection):
    changefreq = "daily"
    limit = 2000  # URLs per section: each section page renders at most this many
    cache_tags = (LIST, SITEMAP)

    def __init__(self, number: int = 0, *, is_newest: bool = True):
        self.number = number
        self.is_newest = is_newest

    def _range(self):
        first = self.number * self.limit
        return Article.objects.filter(pk__gte=first, pk__lt=first + self.limit).order_by("pk")

    def items(self):
        # Read by primary key range only, and the public ones picked here: with a filter on
        # status the database may walk every published article by date instead.
        rows = self._range().select_related("category")
        rows = rows.only(
            "slug", "status", "published_at", "expires_at", "updated_at", "category__path"
        )
        return [article for article in rows if article.is_public]

    def probe(self):
        # As in items(): the range by primary key, then its public rows. The LIMIT keeps the
        # range a subquery of its own, which the database reads first.
        rows = self._range().values("status", "published_at", "expires_at")[: self.limit]
        sql, params = rows.query.sql_with_params()
        now = Article._meta.get_field("published_at").get_db_prep_value(timezone.now(), connection)
        public = (
            "r.status = %s AND r.published_at <= %s AND (r.expires_at IS NULL OR r.expires_at > %s)"
        )
        return f"SELECT 1 FROM ({sql}) r WHERE {public}", [
            *params,
            Article.Status.PUBLISHED,
            now,
            now,
        ]

    def lastmod(self, item):
        return item.updated_at or item.published_at

    def get_latest_lastmod(self):
        # Older sections change rarely and would each cost a read of their rows; the newest
        # one is read (at most `limit` rows by primary key).
        if not self.is_newest:
            return None
        return max((self.lastmod(a) for a in self.items()), default=None)


class CategorySitemap(Section):
    changefreq = "hourly"
    cache_tags = (LIST, SITEMAP)

    def items(self):
        return Category.objects.all()

    def probe(self):
        return Category.objects.all()


class NewsSitemap(OnePageSection):
    """Google News: the articles published in the last 48 hours, at most 1,000 (Google's
    limits), newest first; rendered with NEWS_TEMPLATE (publication name, language, date and
    title of each). Named in robots.txt too."""

    limit = 1000
    window = timedelta(hours=48)
    cache_tags = (LIST, SITEMAP)
    template_name = NEWS_TEMPLATE
    in_robots = True

    def _recent(self):
        now = timezone.now()
        return Article.objects.filter(
            online_at(now),
            status=Article.Status.PUBLISHED,
            published_at__gt=now - self.window,
            published_at__lte=now,
        )

    def items(self):
        rows = self._recent().order_by("-published_at", "-pk").select_related("category")
        rows = rows.only("title", "slug", "published_at", "updated_at", "category__path")
        return rows[: self.limit]

    def probe(self):
        return self._recent()

    def lastmod(self, item):
        return item.updated_at or item.published_at

    def get_latest_lastmod(self):
        return None  # left out of the index: it would read the whole section


class TagSitemap(OnePageSection):
    """Tags by id range, each only while a public article carries it (a tag page of no
    public article is a 404): one look-up in the tag's listing index per tag (and its
    articles by primary key, for their "offline from")."""

    changefreq = "daily"
    limit = 2000
    cache_tags = (LIST, SITEMAP)

    def __init__(self, number: int = 0):
        self.number = number

    def items(self):
        first = self.number * self.limit
        now = timezone.now()
        public = TaggedArticle.objects.filter(
            online_at(now, "content_object__expires_at"), tag=OuterRef("pk"), listed_at__lte=now
        )
        rows = Tag.objects.filter(pk__gte=first, pk__lt=first + self.limit).filter(Exists(public))
        return rows.order_by("pk").only("slug")

    def probe(self):
        return self.items()


class AuthorSitemap(Section):
    """Every author's page; a newsroom has dozens, not thousands."""

    changefreq = "daily"
    cache_tags = (LIST, SITEMAP)

    def items(self):
        return Author.objects.order_by("pk").only("slug")

    def probe(self):
        return Author.objects.all()


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


def sitemap_sections() -> Sections:
    """The articles' sections: the number of article and tag sections follows the ids."""
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
