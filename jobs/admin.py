"""The queue in the admin: what waits, what runs, what failed and why (for administrators;
the tasks' rows are written by the worker only)."""

from django.contrib import admin, messages
from django.db.models import F
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_tasks.base import TaskResultStatus
from django_tasks_db.admin import DBTaskResultAdmin
from django_tasks_db.models import DBTaskResult, get_date_max

from .models import STATUS_LABELS, ScheduledRun, Task, Worker

admin.site.unregister(DBTaskResult)


class StatusFilter(admin.SimpleListFilter):
    title = _("status")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return list(STATUS_LABELS.items())

    def queryset(self, request, queryset):
        return queryset.filter(status=self.value()) if self.value() else queryset


@admin.register(Task)
class TaskAdmin(DBTaskResultAdmin):
    list_display = ("task_name", "status_label", "attempts", "next_attempt", "enqueued_at",
                    "finished_at", "last_error")  # fmt: skip
    list_filter = (StatusFilter, "queue_name")
    search_fields = ("task_path",)
    ordering = [F("finished_at").desc(nulls_first=True), "-enqueued_at"]
    actions = ["retry_now"]

    @admin.display(description=_("status"), ordering="status")
    def status_label(self, obj):
        return STATUS_LABELS.get(obj.status, obj.status)

    @admin.display(description=_("attempts"))
    def attempts(self, obj):
        return len(obj.worker_ids)

    @admin.display(description=_("next attempt"))
    def next_attempt(self, obj):
        if obj.status != TaskResultStatus.READY or obj.run_after == get_date_max():
            return self.get_empty_value_display()
        return obj.run_after

    @admin.display(description=_("last error"))
    def last_error(self, obj):
        if not obj.traceback:
            return self.get_empty_value_display()
        return format_html("<code>{}</code>", obj.traceback.strip().splitlines()[-1][:200])

    def has_change_permission(self, request, obj=None):
        # The action below changes rows; the form stays read-only (fields are readonly).
        return request.user.is_superuser

    @admin.action(description=_("Run the selected failed tasks again now"))
    def retry_now(self, request, queryset):
        count = queryset.filter(status=TaskResultStatus.FAILED).update(
            status=TaskResultStatus.READY, run_after=timezone.now(), finished_at=None
        )
        self.message_user(
            request,
            ngettext("%(count)d task is queued again.", "%(count)d tasks are queued again.",
                     count) % {"count": count},
            messages.SUCCESS,
        )  # fmt: skip


@admin.register(Worker)
class WorkerAdmin(admin.ModelAdmin):
    list_display = ("worker_id", "host", "pid", "started_at", "seen_at")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ScheduledRun)
class ScheduledRunAdmin(admin.ModelAdmin):
    list_display = ("job", "slot", "task_id", "created_at")
    list_filter = ("job",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
