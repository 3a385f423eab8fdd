from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import connection
from django.utils import formats, timezone
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from taggit.models import Tag as TaggitTag

from .models import Article, Author, Category, Tag

# Articles use their own tag model (German slugs); taggit's generic one would only confuse.
admin.site.unregister(TaggitTag)


class GermanSlugMixin:
    """Prefill slugs with umlauts spelled out, as newsroom.text.slugify_de does."""

    class Media:
        # Listing urlify.js first makes Django merge our wrapper in after it.
        js = ["admin/js/urlify.js", "admin/js/german_urlify.js"]


@admin.register(Category)
class CategoryAdmin(GermanSlugMixin, admin.ModelAdmin):
    list_display = ["__str__", "slug", "position"]
    list_select_related = ["parent__parent"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ("name",)}
    autocomplete_fields = ["parent"]
    ordering = ["path"]


@admin.register(Author)
class AuthorAdmin(GermanSlugMixin, admin.ModelAdmin):
    list_display = ["name", "role", "thumbnail", "user"]
    list_select_related = ["user"]
    search_fields = ["name", "role"]
    prepopulated_fields = {"slug": ("name",)}
    raw_id_fields = ["user"]

    @admin.display(description=_("photo"))
    def thumbnail(self, obj):
        if not obj.photo:
            return "–"
        return format_html('<img src="{}" alt="" width="48" loading="lazy">', obj.photo.url)


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    readonly_fields = ["slug"]


class ArticleAdminForm(forms.ModelForm):
    """Refuses to overwrite a version someone else saved while this form was open."""

    loaded_version = forms.CharField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Article
        fields = "__all__"  # noqa: DJ007 -- the admin's fieldsets choose what is shown

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["loaded_version"].initial = self.instance.modified_at.isoformat()

    def clean_tags(self):
        # The database column is limited; a longer tag would otherwise fail when saving.
        tags = self.cleaned_data["tags"]
        limit = Tag._meta.get_field("name").max_length
        for tag in tags:
            if len(tag) > limit:
                raise ValidationError(
                    _("A tag may have at most %(limit)s characters: “%(tag)s”."),
                    code="tag_too_long",
                    params={"limit": limit, "tag": Truncator(tag).chars(40)},
                )
        return tags

    def clean(self):
        cleaned = super().clean()
        if not self.instance.pk:
            return cleaned
        stored = Article.objects.filter(pk=self.instance.pk).values_list("modified_at", flat=True)
        current = stored.first()
        if current and cleaned.get("loaded_version") != current.isoformat():
            # Nothing is lost: the form comes back with this journalist's text, and saving
            # once more (now knowingly) overwrites the other version.
            self.data = self.data.copy()
            self.data["loaded_version"] = current.isoformat()
            raise ValidationError(
                _("Someone else saved this article at %(time)s while you were editing it. "
                  "Your text is still in the form. Open the article in a new tab to compare; "
                  "saving again replaces the other version with yours."),
                code="edit_conflict",
                params={"time": formats.time_format(timezone.localtime(current), "H:i:s")},
            )  # fmt: skip
        return cleaned


class EstimatedCountPaginator(Paginator):
    """The unfiltered list on PostgreSQL takes the table statistics' row estimate instead of
    counting every article (the total only sizes the page links); filtered lists count."""

    @cached_property
    def count(self):
        query = self.object_list.query
        if connection.vendor == "postgresql" and not query.where:
            with connection.cursor() as cursor:
                table = self.object_list.model._meta.db_table
                cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [table])
                estimate = int(cursor.fetchone()[0])
            if estimate > 10_000:  # small tables count exactly (and may lack statistics)
                return estimate
        return super().count


@admin.register(Article)
class ArticleAdmin(GermanSlugMixin, admin.ModelAdmin):
    form = ArticleAdminForm
    list_display = [
        "title",
        "thumbnail",
        "status",
        "category",
        "author_list",
        "tag_list",
        "published_at",
        "is_lead_story",
        "live_link",
    ]
    # With 100,000 articles: no date_hierarchy (its year links read every article's date;
    # the "publication date" filter offers today/7 days/month/year instead), no full count
    # next to filtered results, and search in the short fields only (bodies are long; the
    # public search finds words in them through its index).
    list_filter = ["status", "is_lead_story", "category", "authors", "published_at"]
    search_fields = ["title", "kicker", "lead"]
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    prepopulated_fields = {"slug": ("title",)}
    autocomplete_fields = ["category", "authors"]
    list_select_related = ["category"]
    readonly_fields = ["updated_at", "created_at", "modified_at", "created_by"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "kicker", "lead", "body", "loaded_version"]}),
        (_("Classification"), {"fields": ["category", "tags", "authors"]}),
        (
            _("Lead image"),
            {
                "fields": [
                    "lead_image",
                    "lead_image_alt",
                    "lead_image_caption",
                    "lead_image_credit",
                ]
            },
        ),
        (_("Publication"), {"fields": ["status", "published_at", "is_lead_story"]}),
        (
            _("History"),
            {
                "classes": ["collapse"],
                "fields": ["updated_at", "created_at", "modified_at", "created_by"],
            },
        ),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("tags", "authors")

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    @admin.display(description=_("image"))
    def thumbnail(self, obj):
        if not obj.lead_image:
            return "–"
        return format_html('<img src="{}" alt="" width="64" loading="lazy">', obj.lead_image.url)

    @admin.display(description=_("authors"))
    def author_list(self, obj):
        return ", ".join(a.name for a in obj.authors.all())

    @admin.display(description=_("tags"))
    def tag_list(self, obj):
        return ", ".join(sorted(t.name for t in obj.tags.all()))

    @admin.display(description=_("on the site"))
    def live_link(self, obj):
        if not obj.is_public:
            return "–"
        return format_html(
            '<a href="{}" target="_blank" rel="noopener">{}</a>', obj.get_absolute_url(), _("View")
        )
