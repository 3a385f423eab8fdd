from django.contrib import admin

from .models import ArticleReads


@admin.register(ArticleReads)
class ArticleReadsAdmin(admin.ModelAdmin):
    """The counts behind "Meistgelesen", to look at; they are written by readers only."""

    list_display = ["article", "day", "count"]
    list_select_related = ["article"]
    date_hierarchy = "day"
    search_fields = ["article__title"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
