from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .models import Redirect


@admin.register(Redirect)
class RedirectAdmin(admin.ModelAdmin):
    list_display = ["old_path", "target_link", "from_wordpress", "created_at"]
    list_filter = ["from_wordpress"]
    search_fields = ["old_path", "new_path", "article__title"]
    autocomplete_fields = ["article"]
    list_select_related = ["article__category"]
    fields = ["old_path", "article", "new_path"]
    show_full_result_count = False

    @admin.display(description=_("leads to"))
    def target_link(self, obj):
        target = obj.target
        if target is None:
            return _("(an article readers cannot see)")
        return format_html('<a href="{}">{}</a>', target, target)
