from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from articles.admin import ArticleAdmin
from jobs.models import Worker
from newsroom.admin import ReadOnlyAdminMixin

from .models import ImportedItem, ImportRun
from .services import import_run_start


class FromWordPressFilter(admin.SimpleListFilter):
    """On the article list: what the import brought over, and what of it still lacks
    something today's publishing requires (a published post stays published regardless)."""

    title = _("WordPress")
    parameter_name = "wordpress"

    def lookups(self, request, model_admin):
        return [
            ("alle", _("from WordPress")),
            ("unvollstaendig", _("from WordPress, incomplete")),
        ]

    def queryset(self, request, queryset):
        items = ImportedItem.objects.filter(kind=ImportedItem.Kind.POST)
        if self.value() == "unvollstaendig":
            items = items.incomplete_articles()
        elif self.value() != "alle":
            return queryset
        return queryset.filter(pk__in=items.values("object_id"))


# The article list is the articles app's; the import adds its filter there, so that the
# articles app need not know about WordPress.
ArticleAdmin.list_filter = [*ArticleAdmin.list_filter, FromWordPressFilter]


@admin.register(ImportedItem)
class ImportedItemAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["__str__", "kind", "site", "object_id", "missing_list", "imported_at"]
    list_filter = ["kind", "site"]
    search_fields = ["guid"]
    show_full_result_count = False

    @admin.display(description=_("missing"))
    def missing_list(self, obj):
        return format_html_join(", ", "{}", ((label,) for label in obj.missing_labels))


class ImportRunForm(forms.ModelForm):
    class Meta:
        model = ImportRun
        fields = ["file", "dry_run"]
        widgets = {"file": forms.FileInput(attrs={"accept": ".xml,.gz"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "file" in self.fields:  # the add form's; a run's page shows it read-only
            self.fields["file"].required = True  # blank on the model: emptied after the run


@admin.register(ImportRun)
class ImportRunAdmin(admin.ModelAdmin):
    """Upload an export (add), then watch it run (the read-only change page refreshes
    itself while the run waits or runs). Adding needs `wordpress.add_importrun`:
    administrators have it, no group does (an import writes published articles)."""

    form = ImportRunForm
    list_display = ["__str__", "dry_run", "status_display", "created_at", "finished_at",
                    "created_by"]  # fmt: skip
    list_filter = ["status", "dry_run"]
    list_select_related = ["created_by"]
    search_fields = ["file_name"]
    add_fields = ["file", "dry_run"]
    run_fields = ["file_name", "dry_run", "status_display", "progress_display", "error",
                  "report_display", "created_by", "created_at", "started_at",
                  "finished_at"]  # fmt: skip
    refresh_seconds = 3

    def get_fields(self, request, obj=None):
        if obj is None:
            return self.add_fields
        hidden = set()
        if not self.is_running(obj):
            hidden.add("progress_display")
        if not obj.error:
            hidden.add("error")
        if not obj.report:
            hidden.add("report_display")
        return [name for name in self.run_fields if name not in hidden]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.run_fields

    def has_change_permission(self, request, obj=None):
        return False  # a run is looked at, not edited

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.status == ImportRun.Status.RUNNING:
            return False  # its file is being read
        return super().has_delete_permission(request, obj)

    def delete_queryset(self, request, queryset):
        for run in queryset.exclude(status=ImportRun.Status.RUNNING):
            run.delete()  # with its file

    def save_model(self, request, obj, form, change):
        import_run_start(run=obj, by=request.user)

    def response_add(self, request, obj, post_url_continue=None):
        self.message_user(
            request,
            _("The import is queued. This page shows its progress and, at the end, its report."),
            messages.SUCCESS,
        )
        return redirect(reverse("admin:wordpress_importrun_change", args=[obj.pk]))

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context.update(show_save_and_add_another=False, show_save_and_continue=False)
        if obj is not None and obj.is_active and not self.task_failed(obj):
            context["refresh_seconds"] = self.refresh_seconds
        return super().render_change_form(request, context, add, change, form_url, obj)

    def changelist_view(self, request, extra_context=None):
        extra_context = extra_context or {}
        if ImportRun.objects.active().exists():
            extra_context["refresh_seconds"] = self.refresh_seconds * 2
        return super().changelist_view(request, extra_context)

    # The run as it stands ----------------------------------------------------------------

    @staticmethod
    def task_failed(run) -> bool:
        """The queue gave up on a run that still looks active: its last attempt's worker
        was killed (a run that fails by itself records that), or its task is long gone."""
        if not run.is_active or not run.task_id:
            return False
        status = DBTaskResult.objects.filter(id=run.task_id).values_list("status", flat=True)
        return status.first() in (TaskResultStatus.FAILED, None)

    def is_running(self, run) -> bool:
        return run.status == ImportRun.Status.RUNNING and not self.task_failed(run)

    @admin.display(description=_("status"), ordering="status")
    def status_display(self, obj):
        if self.task_failed(obj):
            return _("stopped (its worker was ended); nothing was imported")
        label = obj.get_status_display()
        if obj.status == ImportRun.Status.QUEUED:
            if not Worker.objects.alive(settings.TASK_WORKER_TIMEOUT).exists():
                return format_html(
                    "{} – {}",
                    label,
                    _("no worker is running now; the import starts as soon as one runs "
                      "(manage.py worker)."),
                )  # fmt: skip
        return label

    @admin.display(description=_("progress"))
    def progress_display(self, obj):
        return obj.current_progress or _("started, no progress reported yet")

    @admin.display(description=_("report"))
    def report_display(self, obj):
        return format_html(
            '<pre style="white-space: pre-wrap; margin: 0; font-size: inherit">{}</pre>',
            obj.report,
        )
