from django.contrib import admin
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from articles.admin import ArticleAdmin
from newsroom.admin import ReadOnlyAdminMixin

from .models import ImportedItem


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
