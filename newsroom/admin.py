from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import Page, SiteSettings


class GermanSlugMixin:
    """Prefill slugs with umlauts spelled out, as newsroom.text.slugify_de does (for every
    admin with prepopulated slug fields)."""

    class Media:
        # Listing urlify.js first makes Django merge our wrapper in after it.
        js = ["admin/js/urlify.js", "admin/js/german_urlify.js"]


@admin.register(SiteSettings)
class SiteSettingsAdmin(admin.ModelAdmin):
    fieldsets = [
        (None, {"fields": ["site_name", "town", "tagline"]}),
        (
            _("Promo box under articles"),
            {
                "fields": ["promo_title", "promo_text", "promo_link_label", "promo_link_url"],
            },
        ),
    ]

    def has_add_permission(self, request):
        # A single row: add only while there is none.
        return super().has_add_permission(request) and not SiteSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Page)
class PageAdmin(GermanSlugMixin, admin.ModelAdmin):
    list_display = ["title", "slug", "is_published", "in_footer", "position"]
    list_editable = ["is_published", "in_footer", "position"]
    search_fields = ["title", "body"]
    prepopulated_fields = {"slug": ("title",)}
