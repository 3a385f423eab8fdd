from django import forms
from django.contrib import admin, messages
from django.core.paginator import Paginator
from django.db import connection
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .models import Page, SiteSettings
from .uploads import StorageFailureAdminMixin


class GermanSlugMixin:
    """Prefill slugs with umlauts spelled out, as newsroom.text.slugify_de does (for every
    admin with prepopulated slug fields)."""

    class Media:
        # Listing urlify.js first makes Django merge our wrapper in after it.
        js = ["admin/js/urlify.js", "admin/js/german_urlify.js"]


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


class ReadOnlyAdminMixin:
    """For records written by the site itself (reads, the audit log): to look at only."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def imprint_warning(settings: SiteSettings) -> str:
    """The admin's warning while mandatory Impressum fields are empty ("" when complete)."""
    missing = settings.imprint_missing
    if not missing:
        return ""
    return gettext(
        "The Impressum is incomplete; the law requires these details: %(fields)s. "
        "Please fill them in the site settings."
    ) % {"fields": ", ".join(missing)}


class SiteSettingsForm(forms.ModelForm):
    """The Impressum's mandatory details are required here (the database allows them
    empty, so that an install works before anyone has filled them)."""

    class Meta:
        model = SiteSettings
        # The admin adds every field of its fieldsets; these are the ones this form is for.
        fields = SiteSettings.IMPRINT_REQUIRED
        widgets = {
            "brand_color": forms.TextInput(attrs={"type": "color"}),
            "logo": forms.ClearableFileInput(attrs={"accept": "image/svg+xml,image/png"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in SiteSettings.IMPRINT_REQUIRED:
            field = self.fields[name]
            field.required = True
            field.error_messages["required"] = format_lazy(
                _("Please fill in “{}”: the Impressum must name it (§ 5 DDG, § 18 MStV)."),
                field.label,
            )

    def clean(self):
        cleaned = super().clean()
        court, number = cleaned.get("register_court"), cleaned.get("register_number")
        if bool(court) != bool(number):
            self.add_error(
                "register_number" if court else "register_court",
                _("A register entry needs both the court and the number."),
            )
        return cleaned


@admin.register(SiteSettings)
class SiteSettingsAdmin(StorageFailureAdminMixin, admin.ModelAdmin):
    form = SiteSettingsForm
    readonly_fields = ["logo_preview"]
    fieldsets = [
        (
            _("Brand"),
            {
                "fields": [
                    "logo_preview",
                    "logo",
                    "site_name",
                    "tagline",
                    "town",
                    "brand_color",
                ],
            },
        ),
        (
            _("Promo box under articles"),
            {
                "fields": ["promo_title", "promo_text", "promo_link_label", "promo_link_url"],
            },
        ),
        (
            _("Impressum (§ 5 DDG, § 18 (2) MStV)"),
            {
                "description": _(
                    "Shown at /impressum/ and linked in every page's footer. "
                    "Fields in bold are required by law."
                ),
                "fields": [
                    "publisher_name",
                    "publisher_representative",
                    "publisher_address",
                    ("contact_email", "contact_phone"),
                    ("register_court", "register_number"),
                    "vat_id",
                    "responsible_name",
                    "responsible_address",
                    "publishing_principles_url",
                    "imprint_text",
                ],
            },
        ),
    ]

    @admin.display(description=_("current logo"))
    def logo_preview(self, obj):
        if not obj.logo:
            return self.get_empty_value_display()
        return format_html('<img src="{}" height="48" alt="">', obj.logo.url)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method == "GET":
            stored = SiteSettings.objects.filter(pk=1).first() or SiteSettings()
            warning = imprint_warning(stored)
            if warning:
                messages.warning(request, warning)
        return super().changeform_view(request, object_id, form_url, extra_context)

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
