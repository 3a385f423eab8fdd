from html import unescape

from django.conf import settings
from django.contrib.postgres.search import SearchQuery, SearchVector
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.db.models import DEFERRED, F, Q, Window
from django.db.models.functions import RowNumber
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from taggit.managers import TaggableManager
from taggit.models import TagBase, TaggedItemBase

from newsroom.images import CleanImageField
from newsroom.sanitize import RichTextField, sanitize_html
from newsroom.text import slugify_de

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


NAVIGATION_CACHE_KEY = "articles:main-categories"


def main_categories() -> list["Category"]:
    """The main categories for the navigation, from the cache (shown on every page)."""
    categories = cache.get(NAVIGATION_CACHE_KEY)
    if categories is None:
        categories = list(Category.objects.filter(parent=None))
        cache.set(NAVIGATION_CACHE_KEY, categories)
    return categories


class Category(models.Model):
    name = models.CharField(_("name"), max_length=100)
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
        cache.delete(NAVIGATION_CACHE_KEY)

    def get_absolute_url(self):
        return reverse("articles:path", kwargs={"path": self.path})

    def delete(self, *args, **kwargs):
        result = super().delete(*args, **kwargs)
        cache.delete(NAVIGATION_CACHE_KEY)
        return result

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
        node = self.parent
        while node is not None:
            if self.pk and node.pk == self.pk:
                raise ValidationError({"parent": _("A category cannot be placed inside itself.")})
            node = node.parent
        if self.slug and Article.objects.filter(slug=self.slug).exists():
            raise ValidationError(
                {"slug": _("An article already uses this slug. Please choose another one.")}
            )

    def ancestors(self) -> list["Category"]:
        """This category's ancestors from the top, itself last (one query)."""
        parts = self.path.split("/")
        paths = ["/".join(parts[: i + 1]) for i in range(len(parts))]
        by_path = {c.path: c for c in Category.objects.filter(path__in=paths)}
        return [by_path[p] for p in paths if p in by_path]


class Author(models.Model):
    name = models.CharField(_("name"), max_length=100)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    role = models.CharField(
        _("role"), max_length=100, blank=True, help_text=_("e.g. “Redakteurin” or “Volontär”.")
    )
    bio = models.TextField(_("short bio"), blank=True)
    photo = CleanImageField(
        _("photo"),
        upload_to="authors/",
        blank=True,
        width_field="photo_width",
        height_field="photo_height",
    )
    photo_width = models.PositiveIntegerField(null=True, blank=True, editable=False)
    photo_height = models.PositiveIntegerField(null=True, blank=True, editable=False)
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

    class Meta:
        verbose_name = _("tagged article")
        verbose_name_plural = _("tagged articles")


class ArticleQuerySet(models.QuerySet):
    def published(self):
        """What readers may see: published and not dated in the future."""
        return self.filter(status=Article.Status.PUBLISHED, published_at__lte=timezone.now())

    def for_listing(self):
        return self.select_related("category").order_by("-published_at", "-pk")

    def for_detail(self):
        return self.select_related("category").prefetch_related("authors", "tags")

    def lead_story(self):
        """The home page's lead story: the newest "Aufmacher", else the newest article."""
        ordered = self.select_related("category").order_by("-published_at", "-pk")
        return ordered.filter(is_lead_story=True).first() or ordered.first()

    def sections(self, *, per_section: int = 4) -> list[tuple[Category, list["Article"]]]:
        """The newest articles of each main category with its subcategories, in one query."""
        ranked = self.annotate(
            rank=Window(
                RowNumber(),
                partition_by=F("category__root_slug"),
                order_by=[F("published_at").desc(), F("pk").desc()],
            )
        ).filter(rank__lte=per_section)
        by_root: dict[str, list[Article]] = {}
        for article in ranked.select_related("category").order_by("-published_at", "-pk"):
            by_root.setdefault(article.category.root_slug, []).append(article)
        return [(c, by_root[c.slug]) for c in main_categories() if c.slug in by_root]

    def search(self, query: str):
        """Articles matching the words of `query`; on PostgreSQL with German word forms."""
        if connection.vendor == "postgresql":
            # "Schulen" finds "Schule": stemming with PostgreSQL's German dictionary. HTML tags
            # in the body are tokens the German configuration does not index.
            vector = SearchVector("title", "kicker", "lead", "body", config="german")
            words = SearchQuery(query, config="german", search_type="websearch")
            return self.annotate(search=vector).filter(search=words)
        return self.filter(
            Q(title__icontains=query)
            | Q(kicker__icontains=query)
            | Q(lead__icontains=query)
            | Q(body__icontains=query)
        )

    def in_category(self, category: Category):
        """Articles in `category` or any of its subcategories."""
        return self.filter(Q(category=category) | Q(category__path__startswith=f"{category.path}/"))


class Article(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    # Fields whose change after publication counts as an update shown to readers.
    TEXT_FIELDS = ("title", "kicker", "lead", "body")

    title = models.CharField(_("headline"), max_length=200)
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
    lead_image = CleanImageField(
        _("lead image"),
        upload_to="articles/%Y/%m/",
        blank=True,
        width_field="lead_image_width",
        height_field="lead_image_height",
    )
    lead_image_width = models.PositiveIntegerField(null=True, blank=True, editable=False)
    lead_image_height = models.PositiveIntegerField(null=True, blank=True, editable=False)
    lead_image_alt = models.CharField(
        _("alternative text"),
        max_length=250,
        blank=True,
        help_text=_("Describes the image for readers who cannot see it. Required with an image."),
    )
    lead_image_caption = models.CharField(_("caption"), max_length=300, blank=True)
    lead_image_credit = models.CharField(
        _("photo credit"),
        max_length=120,
        blank=True,
        help_text=_("Shown as “Foto: …”."),
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
        indexes = [models.Index(fields=["status", "published_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["draft", "published"]), name="article_status_valid"
            )
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        stored = getattr(self, "_stored", None) or {}
        self.body = sanitize_html(self.body)  # compare what will be stored, not raw input
        if self._was_public() and any(
            stored.get(f) not in (None, DEFERRED) and stored[f] != getattr(self, f)
            for f in self.TEXT_FIELDS
        ):
            self.updated_at = timezone.now()
        if self.updated_at and self.updated_at <= self.published_at:
            self.updated_at = None  # republished with a later date: older updates are moot
        with transaction.atomic():
            super().save(*args, **kwargs)
            old_slug = stored.get("slug")
            if old_slug and old_slug != self.slug:
                # Old addresses keep working: the article view redirects old slugs.
                ArticleSlugHistory.objects.update_or_create(
                    slug=old_slug, defaults={"article": self}
                )
                ArticleSlugHistory.objects.filter(slug=self.slug).delete()
        self._stored = {f.attname: getattr(self, f.attname) for f in self._meta.concrete_fields}

    def get_absolute_url(self):
        return reverse("articles:path", kwargs={"path": f"{self.category.path}/{self.slug}"})

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        # Remember what was stored, to tell real changes from plain saves.
        instance._stored = dict(zip(field_names, values, strict=True))
        return instance

    @property
    def is_public(self) -> bool:
        return self.status == self.Status.PUBLISHED and self.published_at <= timezone.now()

    def structured_data(self, request) -> dict:
        """schema.org NewsArticle for search engines."""
        data = {
            "@context": "https://schema.org",
            "@type": "NewsArticle",
            "headline": self.title,
            "description": self.excerpt,
            "datePublished": timezone.localtime(self.published_at).isoformat(),
            "dateModified": timezone.localtime(self.updated_at or self.published_at).isoformat(),
            "author": [
                {
                    "@type": "Person",
                    "name": a.name,
                    "url": request.build_absolute_uri(a.get_absolute_url()),
                }
                for a in self.authors.all()
            ],  # fmt: skip
            "mainEntityOfPage": request.build_absolute_uri(self.get_absolute_url()),
        }
        if self.lead_image:
            data["image"] = [request.build_absolute_uri(self.lead_image.url)]
        return data

    @property
    def excerpt(self) -> str:
        return self.lead or Truncator(unescape(strip_tags(self.body))).words(30)

    def clean(self):
        errors = {}
        if self.lead_image and not self.lead_image_alt.strip():
            errors["lead_image_alt"] = _("Please describe the image for readers who cannot see it.")
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
