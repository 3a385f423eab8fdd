import json

import reversion.models
from django import forms
from django.contrib import admin, messages
from django.contrib.admin.models import LogEntry
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from taggit.models import Tag as TaggitTag

from images.widgets import ImageChooserAdminMixin, thumbnail
from newsroom.admin import EstimatedCountPaginator, GermanSlugMixin

from . import workflow
from .autosave import AutosaveAdminMixin
from .comments import CommentsAdminMixin
from .forms import ArticleAdminForm
from .models import Article, Author, Category, PendingChange, Tag
from .planning import PlanningAdminMixin
from .presence import PresenceAdminMixin
from .revisions import RevisionsAdminMixin, diff

# Articles use their own tag model (German slugs); taggit's generic one would only confuse.
admin.site.unregister(TaggitTag)


@admin.register(Category)
class CategoryAdmin(GermanSlugMixin, admin.ModelAdmin):
    list_display = ["__str__", "slug", "position", "color"]
    list_select_related = ["parent__parent"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ("name",)}
    autocomplete_fields = ["parent"]
    ordering = ["path"]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "color":
            # Not <input type="color">: that always sends a colour, and this one may be empty.
            kwargs["widget"] = forms.TextInput(attrs={"placeholder": "#b3261e", "size": 8})
        return super().formfield_for_dbfield(db_field, request, **kwargs)


@admin.register(Author)
class AuthorAdmin(ImageChooserAdminMixin, GermanSlugMixin, admin.ModelAdmin):
    list_display = ["name", "role", "thumbnail", "user"]
    list_select_related = ["user", "photo"]
    image_fields = ["photo"]
    search_fields = ["name", "role"]
    prepopulated_fields = {"slug": ("name",)}
    raw_id_fields = ["user"]

    @admin.display(description=_("photo"))
    def thumbnail(self, obj):
        return thumbnail(obj.photo, 48, crop="square")


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    readonly_fields = ["slug"]


class MineFilter(admin.SimpleListFilter):
    title = _("written by")
    parameter_name = "von"

    def lookups(self, request, model_admin):
        return [("mir", _("me"))]

    def queryset(self, request, queryset):
        if self.value() == "mir":
            return queryset.filter(created_by=request.user)
        return queryset


@admin.register(Article)
class ArticleAdmin(
    ImageChooserAdminMixin,
    AutosaveAdminMixin,
    PresenceAdminMixin,
    CommentsAdminMixin,
    RevisionsAdminMixin,
    PlanningAdminMixin,
    GermanSlugMixin,
    admin.ModelAdmin,
):
    form = ArticleAdminForm
    list_display = [
        "title",
        "thumbnail",
        "status_column",
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
    list_filter = [
        "status",
        MineFilter,
        "is_lead_story",
        "category",
        "authors",
        "published_at",
    ]
    search_fields = ["title", "kicker", "lead"]
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    prepopulated_fields = {"slug": ("title",)}
    autocomplete_fields = ["category", "authors"]
    list_select_related = ["category", "lead_image"]
    image_fields = ["lead_image", "social_image"]
    readonly_fields = ["updated_at", "created_at", "modified_at", "created_by"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "title",
                    "slug",
                    "kicker",
                    "lead",
                    "body",
                    "loaded_version",
                    "loaded_values",
                ]
            },
        ),
        (_("Classification"), {"fields": ["category", "tags", "authors"]}),
        (
            _("Lead image"),
            {
                "fields": [
                    "lead_image",
                    "lead_image_alt",
                    "lead_image_caption",
                ]
            },
        ),
        (
            _("Publication"),
            {
                "fields": [
                    "status",
                    "status_comment",
                    "published_at",
                    "keep_published_at",
                    "expires_at",
                    "is_lead_story",
                ]
            },
        ),
        (
            _("Search and social media"),
            {
                "fields": [
                    "seo_title",
                    "meta_description",
                    "social_title",
                    "social_text",
                    "social_image",
                ]
            },
        ),
        (_("Correction"), {"fields": ["correction_note"]}),
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

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        author = Author.objects.filter(user=request.user).first()
        if author is not None and "authors" not in initial:
            initial["authors"] = [author.pk]  # one's own byline, prefilled
        return initial

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        form.request = request  # the workflow's rules depend on who is saving
        return form

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and workflow.needs_approval(request.user, obj):
            # Published: whether and when it is live is the editor on duty's decision.
            fields += list(workflow.WORKFLOW_FIELDS)
        return fields

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method != "POST":
            return super().changeform_view(request, object_id, form_url, extra_context)
        if object_id:
            self._keep_state_before_first_version(request, object_id)
        # Every save is a version (django-reversion): the article with its tags and authors.
        with reversion.create_revision():
            reversion.set_user(request.user)
            return super().changeform_view(request, object_id, form_url, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        article = self.get_object(request, object_id)
        if article is not None:
            extra_context = {
                **(extra_context or {}),
                "status_changes": article.status_changes.select_related("user")[:50],
                "pending_changes": article.pending_changes.select_related("created_by").filter(
                    Q(state=PendingChange.State.PENDING) | Q(created_by=request.user)
                )[:20],
                "needs_approval": workflow.needs_approval(request.user, article),
            }
        return super().change_view(request, object_id, form_url, extra_context)

    def _keep_state_before_first_version(self, request, object_id):
        """Articles written before versions existed (or by scripts) get their stored state
        kept as a version first, so the first change in the admin can be compared."""
        article = self.get_object(request, object_id)
        if article is None or reversion.models.Version.objects.get_for_object(article).exists():
            return
        with reversion.create_revision():
            reversion.add_to_revision(article)
            reversion.set_comment(gettext("State before the first change in the admin"))

    def save_model(self, request, obj, form, change):
        if change and workflow.needs_approval(request.user, obj):
            # The article (the form's unsaved instance) stays as it is; save_related, the
            # change message and the response look at `obj.pending_change`.
            obj.pending_change = workflow.save_changes(
                request.user,
                obj,
                self._changed_content(obj, form),
                form.cleaned_data.get("status_comment", ""),
            )
            return
        old_status = obj._stored.get("status") if change else Article.Status.DRAFT
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
        workflow.record_transition(
            obj, old_status, request.user, form.cleaned_data.get("status_comment", "")
        )
        if "_continue" not in request.POST:  # else the form, shown again, says it
            self._warn_if_lead_image_missing(request, obj)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if request.method == "GET" and obj is not None:
            self._warn_if_lead_image_missing(request, obj)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def _warn_if_lead_image_missing(self, request, article):
        """A lead image whose file is gone (e.g. restored without media) shows readers no
        picture; the article itself saves as usual."""
        image = article.lead_image
        try:
            if image is None or image.file.storage.exists(image.file.name):
                return
        except OSError:  # the storage (a bucket) cannot be asked now: no warning either way
            return
        message = _(
            "The file of the lead image “%(title)s” is missing on the server, so readers see "
            "no lead image. Upload the photo again in the image library, or choose another one."
        )
        self.message_user(request, message % {"title": image.title}, messages.WARNING)

    def save_related(self, request, form, formsets, change):
        if getattr(form.instance, "pending_change", None) is None:
            super().save_related(request, form, formsets, change)

    def _changed_content(self, obj, form) -> dict:
        """The content values (articles.workflow) of the fields this form changed."""
        changes = {}
        for name in form.changed_data:
            if name not in workflow.CONTENT_FIELDS:
                continue
            if name in workflow.IMAGE_FIELDS:
                changes[name] = getattr(obj, f"{name}_id")
            elif name == "tags":
                changes[name] = sorted(form.cleaned_data["tags"])
            elif name == "authors":
                changes[name] = sorted(a.pk for a in form.cleaned_data["authors"])
            elif name == "category":
                changes[name] = obj.category_id
            else:
                changes[name] = getattr(obj, name)
        return changes

    def construct_change_message(self, request, form, formsets, add=False):
        # Django keeps English field labels ("Subtitle") and shows them untranslated; the
        # German labels of the form say what changed.
        if getattr(form.instance, "pending_change", None) is not None:
            return gettext("Change submitted for approval")
        if add:
            return [{"added": {}}]
        fields = [
            str(form.fields[name].label)
            for name in form.changed_data
            if name not in ArticleAdminForm.MERGE_EXCLUDED
        ]
        return [{"changed": {"fields": fields}}] if fields else []

    def log_change(self, request, obj, message):
        if isinstance(message, list):  # the version's comment reads like the history's
            reversion.set_comment(LogEntry(change_message=json.dumps(message)).get_change_message())
        return super().log_change(request, obj, message)

    def response_change(self, request, obj):
        if getattr(obj, "pending_change", None) is None:
            return super().response_change(request, obj)
        self.message_user(
            request,
            _("Your change waits for approval by the editor on duty. Readers see the published "
              "version until then."),
            messages.SUCCESS,
        )  # fmt: skip
        return HttpResponseRedirect(request.path)

    @admin.display(description=_("status"), ordering="status")
    def status_column(self, obj):
        return obj.status_label

    @admin.display(description=_("image"))
    def thumbnail(self, obj):
        return thumbnail(obj.lead_image, 64)

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


@admin.register(PendingChange)
class PendingChangeAdmin(admin.ModelAdmin):
    """Corrections to published articles waiting for the editor on duty: each page shows
    the change against the live article, with "approve" and "reject (with a reason)"."""

    list_display = ["article", "created_by", "created_at", "state", "decided_by", "decided_at"]
    list_filter = ["state"]
    list_select_related = ["article", "created_by", "decided_by"]
    search_fields = ["article__title"]
    change_form_template = "admin/articles/pendingchange/decide.html"

    def has_add_permission(self, request):
        return False  # made by saving a published article

    def has_delete_permission(self, request, obj=None):
        return False  # the decisions are the article's history

    def change_view(self, request, object_id, form_url="", extra_context=None):
        pending = self.get_object(request, object_id)
        if pending is None or not self.has_view_or_change_permission(request, pending):
            raise PermissionDenied
        may_decide = workflow.can_publish(request.user) and self.has_change_permission(
            request, pending
        )
        if request.method == "POST":
            if not may_decide:
                raise PermissionDenied
            try:
                if "approve" in request.POST:
                    workflow.approve(pending, request.user)
                    self.message_user(request, _("The correction is live."), messages.SUCCESS)
                else:
                    workflow.reject(pending, request.user, request.POST.get("reason", ""))
                    self.message_user(request, _("The correction was rejected."))
            except ValidationError as error:
                for message in error.messages:
                    self.message_user(request, message, messages.ERROR)
                return HttpResponseRedirect(request.path)
            return HttpResponseRedirect(
                reverse("admin:articles_article_change", args=[pending.article_id])
            )
        article = pending.article
        live = workflow.content_values(article)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": str(pending),
            "pending": pending,
            "article": article,
            "rows": diff(live, {**live, **pending.data}),
            "changed_since": article.modified_at > pending.created_at,
            "may_decide": may_decide and pending.state == PendingChange.State.PENDING,
        }
        return TemplateResponse(request, self.change_form_template, context)
