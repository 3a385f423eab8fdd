from django.contrib import admin
from django.contrib.admin import actions
from django.contrib.contenttypes.models import ContentType
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from newsroom.admin import EstimatedCountPaginator, ReadOnlyAdminMixin

from .models import Action, AuditEntry
from .services import audit_entry_create, bulk_deleting


@admin.action(permissions=["delete"], description=actions.delete_selected.short_description)
def delete_selected(modeladmin, request, queryset):
    """Django's bulk delete, recording each object deleted: Django's own log of several
    objects is one bulk insert, which the audit log's signal receiver does not see."""
    doomed = []
    if request.POST.get("post"):  # confirmed; Django's deletion reuses the rows read here
        doomed = [
            (ContentType.objects.get_for_model(o, for_concrete_model=False), str(o.pk), str(o))
            for o in queryset
        ]
    token = bulk_deleting.set(True)
    try:
        response = actions.delete_selected(modeladmin, request, queryset)
    finally:
        bulk_deleting.reset(token)
    if response is None:  # deleted; otherwise the confirmation page or the refusal
        for content_type, object_id, object_repr in doomed:
            audit_entry_create(
                action=Action.DELETE,
                actor=request.user,
                content_type=content_type,
                object_id=object_id,
                object_repr=object_repr,
            )
    return response


admin.site.add_action(delete_selected, "delete_selected")


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """For administrators (superusers) only, and read-only for them too: entries are
    written by the actions they record and removed by `manage.py purge_audit_log`."""

    list_display = [
        "created_at",
        "action",
        "actor_name",
        "object_type",
        "object_repr",
        "ip_address",
        "short_detail",
    ]
    list_filter = ["action", "created_at"]
    search_fields = ["object_repr", "actor_name"]
    list_select_related = ["content_type"]
    sortable_by = ["created_at"]  # sorting by another column would sort the whole table
    # A million rows: no date_hierarchy (its year and month links read every entry's date;
    # the date filter offers today/7 days/month/year instead), no full count beside a
    # filtered list, and the unfiltered count from PostgreSQL's statistics.
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    list_per_page = 100
    fields = [
        "created_at",
        "action",
        "actor",
        "actor_name",
        "content_type",
        "object_id",
        "object_repr",
        "ip_address",
        "detail",
    ]

    @admin.display(description=_("object type"))
    def object_type(self, obj):
        return obj.content_type.name if obj.content_type else "–"

    @admin.display(description=_("details"))
    def short_detail(self, obj):
        return Truncator(obj.detail).chars(120)

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser
