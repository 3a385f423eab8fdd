from django.contrib import admin

from newsroom.admin import ReadOnlyAdminMixin

from .models import ArticleReads


@admin.register(ArticleReads)
class ArticleReadsAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The counts behind "Meistgelesen", to look at; they are written by readers only."""

    list_display = ["article", "day", "count"]
    list_select_related = ["article"]
    date_hierarchy = "day"
    search_fields = ["article__title"]
