from django.contrib import admin, messages
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from newsroom.admin import GermanSlugMixin

from .models import Place, Report
from .services import place_make_default

# The admin is outside the public pages' Content-Security-Policy, so inline colour is fine.
OVERDUE_HTML = '<strong style="color:#ba2121">{}</strong>'


def _when(value) -> str:
    return date_format(timezone.localtime(value), "DATETIME_FORMAT") if value else ""


class ReportInline(admin.TabularInline):
    """What the refresh stored last; read-only, the refresh replaces it."""

    model = Report
    extra = 0
    can_delete = False
    fields = ["kind", "provider", "fetched_at", "as_of", "freshness"]
    readonly_fields = fields
    verbose_name_plural = _("stored weather data")

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description=_("shown on the site"))
    def freshness(self, obj):
        if obj.is_fresh():
            return _("yes")
        return format_html(OVERDUE_HTML, _("no – too old, hidden from readers"))


@admin.register(Place)
class PlaceAdmin(GermanSlugMixin, admin.ModelAdmin):
    list_display = ["name", "is_default", "latitude", "longitude", "refresh_status", "live_link"]
    list_filter = ["is_default"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ("name",)}
    readonly_fields = ["refresh_status", "last_attempt_at", "last_error"]
    fieldsets = [
        (None, {"fields": ["name", "slug", "latitude", "longitude", "is_default"]}),
        (
            _("Automatic refresh"),
            {
                "fields": ["refresh_status", "last_attempt_at", "last_error"],
                "description": _(
                    "The weather is fetched every 15–30 minutes by the server "
                    "(manage.py refresh_weather). A new place gets its data at the next run."
                ),
            },
        ),
    ]
    inlines = [ReportInline]
    actions = ["make_default"]

    @admin.display(description=_("last successful refresh"), ordering="last_success_at")
    def refresh_status(self, obj):
        if obj.last_success_at is None:
            return format_html(OVERDUE_HTML, _("never – no weather is shown yet"))
        if obj.is_overdue():
            return format_html(
                OVERDUE_HTML,
                _("%(when)s – overdue, outdated parts are hidden from readers")
                % {"when": _when(obj.last_success_at)},
            )
        return _when(obj.last_success_at)

    @admin.display(description=_("page"))
    def live_link(self, obj):
        if not obj.pk:
            return ""
        return format_html('<a href="{}">{}</a>', obj.get_absolute_url(), _("view"))

    @admin.action(description=_("Make default (shown in the top bar)"))
    def make_default(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, _("Please select exactly one place."), messages.ERROR)
            return
        place = place_make_default(place=queryset.get())
        self.message_user(request, _("%(place)s is now the default place.") % {"place": place.name})

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        initial.setdefault("is_default", not Place.objects.filter(is_default=True).exists())
        return initial

    def changelist_view(self, request, extra_context=None):
        self._warn_about_refresh(request)
        return super().changelist_view(request, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method == "GET":
            self._warn_about_refresh(request, pk=object_id)
        return super().change_view(request, object_id, form_url, extra_context)

    def _warn_about_refresh(self, request, pk=None):
        places = Place.objects.all()
        if pk is None and not places.filter(is_default=True).exists():
            self.message_user(
                request,
                _("No place is the default: the weather in the top bar is hidden."),
                messages.WARNING,
            )
        if pk is not None:
            places = places.filter(pk=pk)
        overdue = [p.name for p in places.overdue()]
        if overdue:
            self.message_user(
                request,
                _(
                    "The weather has not been refreshed in time for: %(places)s. Outdated parts "
                    "are hidden from readers until the next successful refresh; please tell "
                    "the technical team."
                )
                % {"places": ", ".join(overdue)},
                messages.WARNING,
            )
