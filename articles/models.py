from collections import Counter
from datetime import UTC, datetime
from html import unescape

import reversion
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connections, models, transaction
from django.db.models import DEFERRED, Q, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.db.models.lookups import GreaterThan
from django.templatetags.static import static
from django.urls import Resolver404, resolve, reverse
from django.utils import formats, timezone
from django.utils.functional import cached_property
from django.utils.html import strip_tags
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from taggit.managers import TaggableManager
from taggit.models import TagBase, TaggedItemBase

from images.models import Image
from images.renditions import CROPS
from images.text import text_image_names
from newsroom import brand, caching
from newsroom.models import SiteSettings
from newsroom.sanitize import RichTextField
from newsroom.text import slugify_de
from newsroom.validators import validate_single_line

from .search import search_articles

PUBLISHER_LOGO = "img/publisher-logo.png"  # 512 × 512, for search engines
# What search results show of a description (155–160 characters), and Google's limit for a
# NewsArticle's headline in structured data.
DESCRIPTION_LENGTH = 160
HEADLINE_LENGTH = 110
# Related articles look at this many of each tag's newest articles, never at all of them.
RELATED_PER_TAG = 50

# Top-level paths the site uses (or a web server serves) besides categories.
RESERVED_SLUGS = {"admin", "static", "media", "api", "feed", "rss", "sitemap", "robots"}


def is_reserved_top_level_slug(slug: str) -> bool:
    """True when "/<slug>/" belongs to the site itself rather than to a category."""
    if slug in RESERVED_SLUGS:
        return True
    # "/thema/" alone may be free while "/thema/<slug>/" belongs to the tag pages.
    for path in (f"/{slug}/", f"/{slug}/x/"):
        try:
            if resolve(path).view_name != "articles:path":
                return True
        except Resolver404:
            continue
    return False


def cut_at_word(text: str, limit: int) -> str:
    """`text` on one line, cut after the last whole word that fits with "…" within `limit`
    characters (as search results cut; static/admin/js/social_preview.js does the same)."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if text[limit - 1] != " " and " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:–-") + "…"


def category_index(request=None) -> dict[str, "Category"]:
    """Every category by path, in navigation order, from the cache: a town portal has a few
    dozen, and every page needs some of them (navigation, address, breadcrumb)."""
    return caching.cached(
        "categories", [caching.ALL], lambda: {c.path: c for c in Category.objects.all()}, request
    )


def main_categories(request=None) -> list["Category"]:
    """The main categories for the navigation."""
    return [c for c in category_index(request).values() if c.parent_id is None]


class Category(models.Model):
    name = models.CharField(_("name"), max_length=100, validators=[validate_single_line])
    slug = models.SlugField(
        _("slug"),
        max_length=100,
        help_text=_("Part of the address, e.g. “rathaus” in /dorsten/rathaus/."),
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        help_text=_("Empty for a main category shown in the navigation."),
    )
    description = models.TextField(_("description"), blank=True)
    position = models.PositiveSmallIntegerField(
        _("position"), default=0, help_text=_("Lower numbers come first in the navigation.")
    )
    color = models.CharField(
        _("colour"),
        max_length=7,
        blank=True,
        validators=[brand.validate_color],
        help_text=_(
            "Main categories only: marks the category's articles, e.g. a red for Blaulicht, "
            "as #rrggbb. Empty: the brand colour."
        ),
    )
    # Derived from the slugs of the category and its ancestors ("dorsten/rathaus"), so that
    # a URL, a subtree or a main category's section is found with one indexed lookup.
    path = models.CharField(_("path"), max_length=500, unique=True, editable=False)
    root_slug = models.SlugField(max_length=100, editable=False, db_index=True)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        constraints = [
            models.UniqueConstraint(fields=["parent", "slug"], name="category_slug_per_parent"),
            models.UniqueConstraint(
                fields=["slug"], condition=Q(parent__isnull=True), name="category_root_slug"
            ),
        ]

    def __str__(self):
        # "Lindenau › Rathaus": tells apart subcategories of the same name in the admin.
        names, node = [], self
        while node is not None:
            names.append(node.name)
            node = node.parent
        return " › ".join(reversed(names))

    def save(self, *args, **kwargs):
        old_path = self.path
        self.path = self.build_path()
        self.root_slug = self.path.split("/", 1)[0]
        with transaction.atomic():
            super().save(*args, **kwargs)
            if old_path and old_path != self.path:
                # The old address keeps working, and the subtree's paths follow.
                CategoryPathHistory.objects.update_or_create(
                    path=old_path, defaults={"category": self}
                )
                CategoryPathHistory.objects.filter(path=self.path).delete()
                for child in self.children.all():
                    child.save()

    def get_absolute_url(self):
        return reverse("articles:path", kwargs={"path": self.path})

    def build_path(self) -> str:
        return f"{self.parent.path}/{self.slug}" if self.parent_id else self.slug

    def clean(self):
        if self.slug and not self.parent_id and is_reserved_top_level_slug(self.slug):
            raise ValidationError(
                {
                    "slug": _("“%(slug)s” is used by the site itself. Please choose another slug.")
                    % {"slug": self.slug}
                }
            )
        if self.color and self.parent_id:
            raise ValidationError(
                {
                    "color": _(
                        "Only main categories have a colour of their own; a subcategory "
                        "takes its main category's colour."
                    )
                }
            )
        node = self.parent
        while node is not None:
            if self.pk and node.pk == self.pk:
                raise ValidationError({"parent": _("A category cannot be placed inside itself.")})
            node = node.parent
        if self.slug and Article.objects.filter(slug=self.slug).exists():
            raise ValidationError(
                {"slug": _("An article already uses this slug. Please choose another one.")}
            )

    def subtree(self, request=None) -> list["Category"]:
        """This category and all categories below it."""
        prefix = f"{self.path}/"
        index = category_index(request)
        return [c for c in index.values() if c.pk == self.pk or c.path.startswith(prefix)]

    def ancestors(self, request=None) -> list["Category"]:
        """This category's ancestors from the top, itself last."""
        parts = self.path.split("/")
        paths = ["/".join(parts[: i + 1]) for i in range(len(parts))]
        index = category_index(request)
        return [index[p] for p in paths if p in index]


class Author(models.Model):
    name = models.CharField(_("name"), max_length=100, validators=[validate_single_line])
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    role = models.CharField(
        _("role"),
        max_length=100,
        blank=True,
        validators=[validate_single_line],
        help_text=_("e.g. “Redakteurin” or “Volontär”."),
    )
    bio = models.TextField(_("short bio"), blank=True)
    photo = models.ForeignKey(
        "images.Image",
        verbose_name=_("photo"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="authors",
        help_text=_("From the image library; “+” uploads a new one."),
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="author_profile",
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("author")
        verbose_name_plural = _("authors")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("articles:author", kwargs={"slug": self.slug})


class Tag(TagBase):
    """A keyword; its slug spells umlauts out like article slugs do."""

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["name"]

    def slugify(self, tag, i=None):
        # "🎉" or "!!!" have no letters to keep; an empty slug would break every link to it.
        # Spelled-out umlauts make a slug longer than the name: keep it within the column.
        slug = slugify_de(tag)[:90].strip("-") or "schlagwort"
        return f"{slug}_{i}" if i is not None else slug

    def get_absolute_url(self):
        return reverse("articles:tag", kwargs={"slug": self.slug})


class TaggedArticle(TaggedItemBase):
    content_object = models.ForeignKey("Article", on_delete=models.CASCADE)
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="tagged_articles")
    # The article's publication date while it is published, else empty: a copy, so that a
    # tag page walks this table's index newest first instead of sorting all of the tag's
    # articles. Set in save() (taggit adds tags with get_or_create) and kept in step by
    # Article.save().
    listed_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("tagged article")
        verbose_name_plural = _("tagged articles")
        indexes = [
            models.Index(
                fields=["tag", "listed_at", "content_object"], name="taggedarticle_listing_idx"
            )
        ]

    def save(self, *args, **kwargs):
        self.listed_at = self.content_object.listed_at
        super().save(*args, **kwargs)


def _moment(value) -> str:
    """A date and time as the newsroom writes it: "07.12.2026, 18:00"."""
    return formats.date_format(timezone.localtime(value), "d.m.Y, H:i")


def union_all(parts: list[models.QuerySet]) -> tuple[str, list]:
    """SQL and parameters for the rows of the querysets `parts` (each may be ordered and
    sliced: it runs through its own index), one after another, each row with the number of
    its part as `part`. SQLite allows no LIMIT inside a compound select: each is wrapped."""
    sql, params = [], []
    for i, part in enumerate(parts):
        part_sql, part_params = part.query.sql_with_params()
        sql.append(f"SELECT part{i}.*, {i} AS part FROM ({part_sql}) AS part{i}")
        params.extend(part_params)
    return " UNION ALL ".join(sql), params


# Later than any expiry: an empty "offline from" compares as never.
NEVER = datetime(9999, 12, 31, tzinfo=UTC)


def online_at(moment, path: str = "expires_at") -> GreaterThan:
    """Not taken offline (Article.expires_at, reached through `path`) by `moment`. One
    expression rather than `IS NULL OR >`: no database reads the expiry index instead of
    walking a list's date index, so lists keep their plans and skip the rare expired row."""
    return GreaterThan(Coalesce(path, Value(NEVER, output_field=models.DateTimeField())), moment)


class ArticleQuerySet(models.QuerySet):
    def published(self):
        """What readers may see: published, not dated in the future, not taken offline."""
        now = timezone.now()
        return self.filter(online_at(now), status=Article.Status.PUBLISHED, published_at__lte=now)

    def next_change_after(self, moment):
        """When what readers see next changes by time alone after `moment`: a scheduled
        article goes live or a published one goes offline (None: neither is due). One
        query: the two candidates by primary key, each found by a one-row index walk."""
        published = self.filter(status=Article.Status.PUBLISHED)
        going_live = published.filter(published_at__gt=moment).order_by("published_at")
        going_offline = self._published_by_expiry().filter(expires_at__gt=moment)
        going_offline = going_offline.order_by("expires_at")
        rows = self.filter(
            Q(pk=models.Subquery(going_live.values("pk")[:1]))
            | Q(pk=models.Subquery(going_offline.values("pk")[:1]))
        ).order_by()
        moments = [m for row in rows.values_list("published_at", "expires_at") for m in row]
        moments = [m for m in moments if m is not None and m > moment]
        return min(moments, default=None)

    def going_live_between(self, start, end):
        """Published articles dated in [start, end) (the week view), through the date index."""
        rows = self.filter(status=Article.Status.PUBLISHED, published_at__gte=start)
        return rows.filter(published_at__lt=end).order_by("published_at", "pk")

    def going_offline_between(self, start, end):
        """Published articles whose "offline from" lies in [start, end), through its index."""
        rows = self._published_by_expiry().filter(expires_at__gte=start, expires_at__lt=end)
        return rows.order_by("expires_at", "pk")

    def _published_by_expiry(self):
        """Published articles, for a walk of the expiry index: the status as "none of the
        others" (the check constraint allows no more), which no database answers from the
        status index; with `status = 'published'` SQLite reads every published article by
        that index and sorts them by expiry."""
        others = [s for s in Article.Status if s != Article.Status.PUBLISHED]
        return self.exclude(status__in=others)

    def for_listing(self):
        return self.select_related("category", "lead_image").order_by("-published_at", "-pk")

    def lead_story(self):
        """The home page's lead story: the newest "Aufmacher", else the newest article.

        Two one-row index walks whether or not anything is marked: the marked ones through
        the partial index article_lead_marked_idx, which holds only them. Django writes
        `is_lead_story=True` as the bare column, the same term as the index's condition, so
        SQLite and PostgreSQL both see that the index covers the query; on the index of all
        articles the walk would test every article back to the last one marked."""
        ordered = self.select_related("category", "lead_image").order_by("-published_at", "-pk")
        return ordered.filter(is_lead_story=True).first() or ordered.first()

    def sections(self, *, per_section: int = 4) -> list[tuple[Category, list["Article"]]]:
        """The newest articles of each main category with its subcategories, in three
        queries: the categories, one short index walk per category merged with UNION ALL,
        their lead images."""
        categories = list(category_index().values())
        by_pk = {c.pk: c for c in categories}
        by_root: dict[str, list[Article]] = {}
        articles = self._merged_newest(self, list(by_pk), per_section, limit=None)
        # A raw query joins nothing: the lead images of all rows in one query.
        images = Image.objects.in_bulk({a.lead_image_id for a in articles if a.lead_image_id})
        for article in articles:
            article.lead_image = images.get(article.lead_image_id)
            article.category = by_pk[article.category_id]
            shown = by_root.setdefault(article.category.root_slug, [])
            if len(shown) < per_section:
                shown.append(article)
        roots = [c for c in categories if c.parent_id is None]
        return [(c, by_root[c.slug]) for c in roots if c.slug in by_root]

    # Keyset pagination: lists read (pk, published_at) pairs of published articles newest
    # first, at most `limit`, optionally only those listed after `before` (the last pair of
    # the previous page). An OFFSET would walk every earlier row; a cursor starts where the
    # last page ended. Call these on Article.objects: they filter what is published, with
    # one upper bound on the date (given two on one column, SQLite's index range takes the
    # first, and `published_at <= now` made a page ten years back walk ten years).

    def newest_ids(self, limit: int, before: tuple | None = None) -> list[tuple]:
        rows = self._published_before(before)
        return list(rows.order_by("-published_at", "-pk").values_list("pk", "published_at")[:limit])

    def newest_ids_in(self, categories, limit: int, before: tuple | None = None) -> list[tuple]:
        """newest_ids() over several categories (a subtree). An IN over the categories would
        sort all their articles; instead each category's index is walked for at most `limit`
        rows and the walks are merged."""
        rows = self._published_before(before).only("pk", "published_at")
        merged = self._merged_newest(rows, [c.pk for c in categories], limit, limit=limit)
        return [(a.pk, a.published_at) for a in merged]

    def newest_ids_tagged(self, tag, limit: int, before: tuple | None = None) -> list[tuple]:
        """newest_ids() for a tag, from TaggedArticle's copy of the date and its index, so a
        tag on half of the archive costs what one on ten articles costs."""
        rows, bound = TaggedArticle.objects.filter(tag=tag), timezone.now()
        if before:
            pk, published_at = before
            bound = min(bound, published_at)
            rows = rows.exclude(listed_at=published_at, content_object_id__gte=pk)
        rows = rows.filter(listed_at__lte=bound).order_by("-listed_at", "-content_object_id")
        return list(rows.values_list("content_object_id", "listed_at")[:limit])

    def _published_before(self, before: tuple | None):
        now = timezone.now()
        rows, bound = self.filter(online_at(now), status=Article.Status.PUBLISHED), now
        if before:
            pk, published_at = before
            bound = min(bound, published_at)
            rows = rows.exclude(published_at=published_at, pk__gte=pk)  # ties on the date
        return rows.filter(published_at__lte=bound)

    def in_order(self, ids: list[tuple]) -> list["Article"]:
        """The public articles of `ids` (from newest_ids*) with their category, in that order.
        Looked up by primary key alone and checked here: with a filter on status in the
        query, SQLite may walk the date index from today back to these articles instead."""
        by_pk = self.select_related("category", "lead_image").order_by()
        by_pk = by_pk.in_bulk([pk for pk, _date in ids])
        return [by_pk[pk] for pk, _date in ids if pk in by_pk and by_pk[pk].is_public]

    def _merged_newest(self, rows, category_ids, per_part: int, *, limit: int | None):
        """The newest `per_part` of `rows` in each category of `category_ids`, each through
        the category's own index, merged newest first. An IN over the categories would sort
        all their articles. PostgreSQL: one LATERAL subquery run per category (planned once:
        a UNION ALL of a dozen parts took 4 ms to plan); elsewhere a UNION ALL of the parts
        (SQLite allows no LIMIT inside a compound select, so each is wrapped; at most ~500
        parts, its compound limit)."""
        if not category_ids:
            return []
        newest = ["-published_at", "-pk"]
        if connections[rows.db].vendor == "postgresql":
            part = rows.filter(category_id=RawSQL("sections.id", ())).order_by(*newest)
            part_sql, params = part[:per_part].query.sql_with_params()
            query = (
                "SELECT merged.* FROM unnest(%s::integer[]) AS sections(id) "
                f"CROSS JOIN LATERAL ({part_sql}) AS merged"
            )
            params = [category_ids, *params]
        else:
            parts = [rows.filter(category_id=pk).order_by(*newest) for pk in category_ids]
            union, params = union_all([part[:per_part] for part in parts])
            query = f"SELECT * FROM ({union}) AS merged"
        query += " ORDER BY merged.published_at DESC, merged.id DESC"
        if limit is not None:
            query += " LIMIT %s"
            params.append(limit)
        return list(self.model.objects.raw(query, params))

    def search(self, query: str):
        """Published articles containing every word of `query`, through a full-text index
        (on PostgreSQL with German word forms); at most the newest search.RESULT_LIMIT."""
        return search_articles(self, query)

    def in_category(self, category: Category):
        """Articles in `category` or any of its subcategories (for small sets; lists page
        through newest_ids_in(category.subtree()))."""
        return self.filter(Q(category=category) | Q(category__path__startswith=f"{category.path}/"))

    def related_to(self, article: "Article", limit: int = 4) -> list["Article"]:
        """Published articles to read after `article` (never itself): those sharing the most
        of its tags first, the newer first among equals, filled up with the newest of its
        category. Three queries whatever the number of tags: its tags (none when prefetched),
        one UNION ALL of short index walks (per tag the newest RELATED_PER_TAG rows of
        TaggedArticle's (tag, listed_at) index, so "most shared" is counted among those; the
        category's newest), the chosen articles."""
        now = timezone.now()
        parts = [
            TaggedArticle.objects.filter(tag_id=tag.pk, listed_at__lte=now)
            .exclude(content_object_id=article.pk)
            .order_by("-listed_at", "-content_object_id")
            .values_list("content_object_id", "listed_at")[:RELATED_PER_TAG]
            for tag in article.tags.all()
        ]
        # Enough of the category's newest to fill up whatever the tags did not.
        parts.append(
            Article.objects.filter(category_id=article.category_id, published_at__lte=now)
            .filter(online_at(now), status=Article.Status.PUBLISHED)
            .exclude(pk=article.pk)
            .order_by("-published_at", "-pk")
            .values_list("pk", "published_at")[: 2 * limit]
        )
        union, params = union_all(parts)
        with connections[self.db].cursor() as cursor:
            cursor.execute(union, params)
            rows = cursor.fetchall()
        shared, dates, newest_in_category = Counter(), {}, []
        for pk, date, part in rows:
            if part == len(parts) - 1:  # the category's
                newest_in_category.append((date, pk))
            else:
                shared[pk] += 1
                dates[pk] = date
        chosen = sorted(shared, key=lambda pk: (shared[pk], dates[pk], pk), reverse=True)[:limit]
        for _date, pk in sorted(newest_in_category, reverse=True):
            if len(chosen) >= limit:
                break
            if pk not in chosen:
                chosen.append(pk)
        return self.in_order([(pk, None) for pk in chosen])


class Article(models.Model):
    class Status(models.TextChoices):
        # Entwurf → In Prüfung → Veröffentlicht (a future date: "Geplant"); Zurückgezogen
        # takes a published article off the site. Only "published" is ever shown to readers.
        DRAFT = "draft", _("Draft")
        REVIEW = "review", _("In review")
        PUBLISHED = "published", _("Published")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    # Fields whose change after publication counts as an update shown to readers.
    TEXT_FIELDS = ("title", "kicker", "lead", "body", "correction_note")

    title = models.CharField(_("headline"), max_length=200, validators=[validate_single_line])
    slug = models.SlugField(
        _("slug"),
        max_length=200,
        unique=True,
        help_text=_("Part of the address. Changing it later keeps the old address working."),
    )
    kicker = models.CharField(
        _("subtitle"),
        max_length=250,
        blank=True,
        validators=[validate_single_line],
        help_text=_("Optional line under the headline."),
    )
    lead = models.TextField(
        _("teaser"),
        blank=True,
        help_text=_(
            "Two or three sentences for lists and search engines. "
            "Without it, the start of the text is used."
        ),
    )
    body = RichTextField(_("text"), config_name="article", blank=True)
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="articles"
    )
    tags = TaggableManager(_("tags"), through=TaggedArticle, blank=True)
    authors = models.ManyToManyField(
        Author, verbose_name=_("authors"), related_name="articles", blank=True
    )
    lead_image = models.ForeignKey(
        "images.Image",
        verbose_name=_("lead image"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="lead_articles",
        help_text=_("From the image library; “+” uploads a new one."),
    )
    lead_image_alt = models.CharField(
        _("alternative text"),
        max_length=250,
        blank=True,
        validators=[validate_single_line],
        help_text=_("Only if this article needs other words than the library's."),
    )
    lead_image_caption = models.CharField(
        _("caption"),
        max_length=300,
        blank=True,
        validators=[validate_single_line],
        help_text=_("Only if this article needs other words than the library's."),
    )
    # Library images used inside the text (kept on save): the library shows where an image
    # is used and refuses to delete it.
    text_images = models.ManyToManyField(
        "images.Image",
        through="ArticleTextImage",
        related_name="text_articles",
        blank=True,
        editable=False,
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=Status.choices,
        default=Status.DRAFT,
        help_text=_("Readers see only published articles whose publication date has come."),
    )
    published_at = models.DateTimeField(
        _("publication date"),
        default=timezone.now,
        db_index=True,
        help_text=_("A date in the future schedules the article."),
    )
    is_lead_story = models.BooleanField(
        _("Aufmacher"),
        default=False,
        help_text=_("Lead story on the home page. The newest one marked wins."),
    )
    correction_note = models.CharField(
        _("correction note"),
        max_length=500,
        blank=True,
        validators=[validate_single_line],
        help_text=_(
            "For a correction of a published article: shown to readers after "
            "“Korrektur vom” and the date. Leave empty for other updates."
        ),
    )
    expires_at = models.DateTimeField(
        _("offline from"),
        null=True,
        blank=True,
        db_index=True,
        help_text=_(
            "Optional: from this moment readers no longer see the article (a job offer, an "
            "event notice, an embargo). Empty: it stays online."
        ),
    )
    # Search and social fields: each optional, falling back to the headline, the teaser and
    # the lead image (Article.search_title and friends).
    seo_title = models.CharField(
        _("SEO title"),
        max_length=60,
        blank=True,
        validators=[validate_single_line],
        help_text=_("The headline in Google's results, up to 60 characters. Empty: the headline."),
    )
    meta_description = models.CharField(
        _("meta description"),
        max_length=160,
        blank=True,
        validators=[validate_single_line],
        help_text=_("The text under it in Google's results, up to 160 characters. Empty: the "
                    "teaser."),
    )  # fmt: skip
    social_title = models.CharField(
        _("social headline"),
        max_length=200,
        blank=True,
        validators=[validate_single_line],
        help_text=_("The headline on WhatsApp and Facebook. Empty: the headline."),
    )
    social_text = models.CharField(
        _("social text"),
        max_length=300,
        blank=True,
        validators=[validate_single_line],
        help_text=_("The text on WhatsApp and Facebook. Empty: the meta description or teaser."),
    )
    social_image = models.ForeignKey(
        "images.Image",
        verbose_name=_("social image"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="social_articles",
        help_text=_("Shown cropped to 1200 × 630 on WhatsApp and Facebook. Empty: the lead "
                    "image."),
    )  # fmt: skip
    updated_at = models.DateTimeField(
        _("updated"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("Set when the text changes after publication."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    modified_at = models.DateTimeField(_("last saved"), auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-pk"]
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        # Every reading list walks one of these newest first and stops after what it shows:
        # all published articles, one category's, and the Aufmacher lookup. The trailing id
        # matches the lists' tie-breaker, so no list sorts. The Aufmacher index is partial:
        # it holds only the marked articles (see ArticleQuerySet.lead_story).
        indexes = [
            models.Index(fields=["status", "published_at", "id"], name="article_published_idx"),
            models.Index(
                fields=["category", "status", "published_at", "id"], name="article_category_idx"
            ),
            models.Index(
                fields=["status", "published_at", "id"],
                condition=Q(is_lead_story=True),
                name="article_lead_marked_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["draft", "review", "published", "withdrawn"]),
                name="article_status_valid",
            )
        ]
        permissions = [
            (
                "publish_article",
                _("Can publish, schedule and withdraw articles and approve corrections"),
            ),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        stored = getattr(self, "_stored", None) or {}
        # Compare what will be stored, not raw input; the field owns its allowlist.
        self.body = self._meta.get_field("body").sanitize(self.body)
        if self._was_public() and any(
            stored.get(f) not in (None, DEFERRED) and stored[f] != getattr(self, f)
            for f in self.TEXT_FIELDS
        ):
            self.updated_at = timezone.now()
        if self.updated_at and self.updated_at <= self.published_at:
            self.updated_at = None  # republished with a later date: older updates are moot
        if not self.slug:
            # The admin fills it from the headline; a script or an import may not.
            self.slug = self._free_slug()
        with transaction.atomic():
            super().save(*args, **kwargs)
            if stored and (stored.get("status"), stored.get("published_at")) != (
                self.status,
                self.published_at,
            ):
                self.tagged_articles().update(listed_at=self.listed_at)
            old_slug = stored.get("slug")
            if old_slug and old_slug != self.slug:
                # Old addresses keep working: the article view redirects old slugs.
                ArticleSlugHistory.objects.update_or_create(
                    slug=old_slug, defaults={"article": self}
                )
                ArticleSlugHistory.objects.filter(slug=self.slug).delete()
            if stored.get("body", DEFERRED) != self.body:
                self.sync_text_images()
        self._stored = {f.attname: getattr(self, f.attname) for f in self._meta.concrete_fields}

    def get_absolute_url(self):
        return reverse("articles:path", kwargs={"path": f"{self.category.path}/{self.slug}"})

    def _free_slug(self) -> str:
        """A slug from the headline that no other article or category uses ("-2", "-3" …)."""
        base = slugify_de(self.title)[:190].strip("-") or "artikel"
        taken = set(
            Article.objects.filter(slug__startswith=base)
            .exclude(pk=self.pk)
            .values_list("slug", flat=True)
        ) | set(Category.objects.filter(slug__startswith=base).values_list("slug", flat=True))
        slug, number = base, 1
        while slug in taken:
            number += 1
            slug = f"{base}-{number}"
        return slug

    def sync_text_images(self) -> None:
        """Record which library images the text shows (for "where used" and delete
        protection)."""
        wanted = set(
            Image.objects.filter(file__in=text_image_names(self.body)).values_list("pk", flat=True)
        )
        current = set(self.text_images.values_list("pk", flat=True))
        if wanted - current:
            self.text_images.add(*(wanted - current))
        if current - wanted:
            self.text_images.remove(*(current - wanted))

    @property
    def lead_image_alt_text(self) -> str:
        """The lead image's alternative text: this article's own words, or the library's."""
        if not self.lead_image:
            return ""
        return self.lead_image_alt.strip() or self.lead_image.alt_text

    @property
    def lead_image_caption_text(self) -> str:
        if not self.lead_image:
            return ""
        return self.lead_image_caption.strip() or self.lead_image.caption

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        # Remember what was stored, to tell real changes from plain saves.
        instance._stored = dict(zip(field_names, values, strict=True))
        return instance

    @property
    def listed_at(self):
        """The date lists sort by while published (copied to TaggedArticle), else None."""
        return self.published_at if self.status == self.Status.PUBLISHED else None

    def tagged_articles(self):
        return TaggedArticle.objects.filter(content_object=self)

    @property
    def is_public(self) -> bool:
        return (
            self.status == self.Status.PUBLISHED
            and self.published_at <= timezone.now()
            and not self.is_expired
        )

    @property
    def is_scheduled(self) -> bool:
        return self.status == self.Status.PUBLISHED and self.published_at > timezone.now()

    @property
    def is_expired(self) -> bool:
        """Taken offline by its "offline from" moment (no job runs: readers' queries and
        this check compare it with the time)."""
        return self.expires_at is not None and self.expires_at <= timezone.now()

    @property
    def status_label(self) -> str:
        """The status as the newsroom says it: a published article with a future date is
        "Geplant (ab 26.11.2026, 06:00)"; it goes live at that moment by itself, and goes
        offline at its "offline from" moment: "Offline seit 07.12.2026, 18:00"."""
        if self.status != self.Status.PUBLISHED:
            return self.get_status_display()
        end = _moment(self.expires_at) if self.expires_at else None
        if self.is_expired:
            return _("Offline since %(moment)s") % {"moment": end}
        if self.is_scheduled:
            start = _moment(self.published_at)
            if end:
                return _("Scheduled (from %(moment)s, offline from %(end)s)") % {
                    "moment": start,
                    "end": end,
                }
            return _("Scheduled (from %(moment)s)") % {"moment": start}
        if end:
            return _("Published (offline from %(moment)s)") % {"moment": end}
        return self.get_status_display()

    def structured_data(self, request) -> dict:
        """schema.org NewsArticle for search engines."""
        data = {
            "@context": "https://schema.org",
            "@type": "NewsArticle",
            "headline": cut_at_word(self.title, HEADLINE_LENGTH),
            "description": self.search_description,
            "datePublished": timezone.localtime(self.published_at).isoformat(),
            "dateModified": timezone.localtime(self.updated_at or self.published_at).isoformat(),
            "author": [
                {
                    "@type": "Person",
                    "name": a.name,
                    "url": request.build_absolute_uri(a.get_absolute_url()),
                }
                for a in self.author_list
            ],  # fmt: skip
            "mainEntityOfPage": request.build_absolute_uri(self.get_absolute_url()),
            "publisher": {
                "@type": "Organization",
                "name": SiteSettings.load(request).site_name,
                "logo": {
                    "@type": "ImageObject",
                    "url": request.build_absolute_uri(static(PUBLISHER_LOGO)),
                    "width": 512,
                    "height": 512,
                },
            },
        }
        image = self.lead_image or self.social_image
        if image:
            # Google News asks for 16:9, 4:3 and 1:1, each at least 1200 px wide.
            renditions = image.renditions
            data["image"] = [
                request.build_absolute_uri(renditions.largest(CROPS[crop])[0])
                for crop in ("wide", "standard", "square")
            ]
        return data

    @cached_property
    def author_list(self) -> list["Author"]:
        """The byline, read once for the page and its structured data."""
        return list(self.authors.all())

    @property
    def excerpt(self) -> str:
        return self.lead or Truncator(unescape(strip_tags(self.body))).words(30)

    # Search and social media: each optional field falls back here, and only here, to the
    # article's own headline, teaser and lead image (page head, structured data, share links).

    @property
    def search_title(self) -> str:
        return self.seo_title.strip() or self.title

    @property
    def search_description(self) -> str:
        return self.meta_description.strip() or cut_at_word(self.excerpt, DESCRIPTION_LENGTH)

    @property
    def share_title(self) -> str:
        return self.social_title.strip() or self.title

    @property
    def share_text(self) -> str:
        return self.social_text.strip() or self.search_description

    @property
    def share_image(self):
        """The library image shown when the article is shared (cropped 1200 × 630)."""
        return self.social_image or self.lead_image

    @property
    def share_image_alt(self) -> str:
        if self.social_image_id:
            return self.social_image.alt_text
        return self.lead_image_alt_text

    def clean(self):
        errors = {}
        if self.slug:
            if Category.objects.filter(slug=self.slug).exists():
                errors["slug"] = _("A category already uses this slug. Please choose another one.")
        if errors:
            raise ValidationError(errors)

    def _was_public(self) -> bool:
        stored = getattr(self, "_stored", None)
        return bool(
            stored
            and stored.get("status") == self.Status.PUBLISHED
            and stored.get("published_at") is not None
            and stored["published_at"] <= timezone.now()
        )


class ArticleComment(models.Model):
    """One message of the conversation on an article between Redaktion and the editor on
    duty (a reply to a submission comment, a question back): kept with its history."""

    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="comments", verbose_name=_("article")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    text = models.TextField(_("comment"))
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        indexes = [models.Index(fields=["article", "created_at"], name="articlecomment_idx")]

    def __str__(self):
        return Truncator(self.text).chars(60)


class EditingPresence(models.Model):
    """Who has an article's form open: refreshed while the form is open, so that a
    colleague opening it learns who else is writing before any conflict happens."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    opened_at = models.DateTimeField()  # since when, as the notice says
    seen_at = models.DateTimeField()

    class Meta:
        verbose_name = _("editing presence")
        verbose_name_plural = _("editing presences")
        constraints = [
            models.UniqueConstraint(fields=["article", "user"], name="presence_per_user")
        ]

    def __str__(self):
        return f"{self.user} @ {self.article_id}"


class ArticleTextImage(models.Model):
    """A library image shown inside an article's text."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE)
    image = models.ForeignKey("images.Image", on_delete=models.PROTECT)

    class Meta:
        verbose_name = _("image in the text")
        verbose_name_plural = _("images in the text")
        constraints = [
            models.UniqueConstraint(fields=["article", "image"], name="article_text_image_once")
        ]

    def __str__(self):
        return str(self.image)


class ArticleSlugHistory(models.Model):
    """An article's former slug, so that old links redirect to the current address."""

    slug = models.SlugField(max_length=200, unique=True)
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="old_slugs")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("former slug")
        verbose_name_plural = _("former slugs")

    def __str__(self):
        return self.slug


class CategoryPathHistory(models.Model):
    """A category's former path, so that old links to the section redirect to it."""

    path = models.CharField(max_length=500, unique=True)
    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="old_paths")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("former category path")
        verbose_name_plural = _("former category paths")

    def __str__(self):
        return self.path


class StatusChange(models.Model):
    """One step of an article's workflow: who moved it from which status to which, when."""

    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="status_changes", verbose_name=_("article")
    )
    from_status = models.CharField(_("from"), max_length=10, choices=Article.Status.choices)
    to_status = models.CharField(_("to"), max_length=10, choices=Article.Status.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")

    def __str__(self):
        return f"{self.get_from_status_display()} → {self.get_to_status_display()}"


class PendingChangeQuerySet(models.QuerySet):
    def waiting(self):
        return self.filter(state=PendingChange.State.PENDING)


class PendingChange(models.Model):
    """A change to a published article by someone who may not publish: readers keep seeing
    the live article until someone who may publish approves it (or rejects it)."""

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting for approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="pending_changes", verbose_name=_("article")
    )
    # Only the fields the author changed, as {field name: value} (tags as names, authors
    # and the category as ids, the lead image as its stored file name): approving applies
    # these and keeps whatever else changed on the live article in the meantime.
    data = models.JSONField(_("changes"), encoder=DjangoJSONEncoder)
    comment = models.TextField(_("comment"), blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.PENDING
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("submitted on"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided on"), null=True, blank=True)
    reason = models.TextField(
        _("reason"), blank=True, help_text=_("Why the change was rejected; the author sees it.")
    )

    objects = PendingChangeQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("correction awaiting approval")
        verbose_name_plural = _("corrections awaiting approval")
        indexes = [models.Index(fields=["state", "created_at"], name="pendingchange_state_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=["pending", "approved", "rejected"]),
                name="pendingchange_state_valid",
            )
        ]

    def __str__(self):
        return _("Change to “%(article)s”") % {"article": self.article}


class Autosave(models.Model):
    """The headline and text of an article form as last typed, saved in the background so
    that a crashed browser loses nothing. One per user and article (or new article)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    article = models.ForeignKey(
        Article, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    data = models.JSONField(encoder=DjangoJSONEncoder)
    saved_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("autosave")
        verbose_name_plural = _("autosaves")
        constraints = [
            models.UniqueConstraint(fields=["user", "article"], name="autosave_per_article"),
            models.UniqueConstraint(
                fields=["user"], condition=Q(article__isnull=True), name="autosave_per_new_article"
            ),
        ]

    def __str__(self):
        return str(self.saved_at)


# Revisions (django-reversion): every save in the admin keeps a version of the article with
# its tags (through the tag links, with the tags' names) and authors (ids in the version).
reversion.register(Tag)
reversion.register(TaggedArticle, follow=["tag"])
reversion.register(
    Article, follow=["taggedarticle_set"], exclude=["modified_at", "created_at", "created_by"]
)
