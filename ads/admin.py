from django.contrib import admin, messages
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import models
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.clickjacking import xframe_options_sameorigin

from .forms import RejectForm
from .models import Banner, JobAd, ads_today
from .services import job_ad_approve, job_ad_reject


def _error_text(error: ValidationError | PermissionDenied) -> str:
    """The errors as one message, each naming its field ("Beschreibung: …")."""
    if not isinstance(error, ValidationError):
        return str(error)
    if not hasattr(error, "error_dict"):
        return " ".join(error.messages)
    parts = []
    for name, errors in error.message_dict.items():
        label = "" if name == NON_FIELD_ERRORS else f"{JobAd._meta.get_field(name).verbose_name}: "
        parts += [f"{capfirst(label)}{message}" for message in errors]
    return " ".join(parts)


class StatisticsMixin:
    """A per-day table of impressions, clicks and click-through rate for one ad."""

    # Addresses typed without a scheme are taken as https (Django 6's default).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def statistics_view(self, request, object_id):
        obj = get_object_or_404(self.model, pk=object_id)
        if not self.has_view_permission(request, obj):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": obj,
            "title": _("Statistics: %(ad)s") % {"ad": obj},
            "rows": obj.stats.per_day(),
            "total": obj.stats.totals(),
        }
        return TemplateResponse(request, "ads/admin/statistics.html", context)

    @admin.display(description=_("statistics"))
    def statistics_link(self, obj):
        if not obj.pk:
            return "–"
        url = reverse(f"admin:ads_{self.model._meta.model_name}_statistics", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Impressions and clicks per day"))


class RunStateFilter(admin.SimpleListFilter):
    title = _("run")
    parameter_name = "run"

    def lookups(self, request, model_admin):
        return [
            ("live", _("running now")),
            ("scheduled", _("not yet started")),
            ("ended", _("ended")),
        ]

    def queryset(self, request, queryset):
        today = ads_today()
        if self.value() == "live":
            return queryset.running()
        if self.value() == "scheduled":
            return queryset.filter(first_day__gt=today)
        if self.value() == "ended":
            return queryset.ended()
        return queryset


@admin.register(JobAd)
class JobAdAdmin(StatisticsMixin, admin.ModelAdmin):
    list_display = [
        "title",
        "employer_name",
        "place",
        "state",
        "first_day",
        "last_day",
        "gender_note",
        "submitted_at",
    ]
    list_display_links = ["title"]
    list_filter = ["status", RunStateFilter, "place"]
    search_fields = ["title", "employer_name", "place", "contact_name", "contact_email"]
    date_hierarchy = "first_day"
    list_per_page = 50
    actions = ["approve_selected", "reject_selected"]
    readonly_fields = [
        "moderation",
        "status",
        "submitted_at",
        "reviewed_at",
        "reviewed_by",
        "rejection_reason",
        "contact_purged_at",
        "statistics_link",
    ]
    fieldsets = [
        (
            _("Moderation"),
            {"fields": ["moderation", "status", "rejection_reason", "statistics_link"]},
        ),
        (
            _("The ad"),
            {
                "fields": [
                    "employer_name",
                    "employer_logo",
                    "title",
                    "place",
                    "teaser",
                    "description",
                ]
            },
        ),
        (_("How to apply"), {"fields": ["apply_url", "apply_email"]}),
        (_("Run"), {"fields": ["first_day", "last_day"]}),
        (
            _("Contact (not published; deleted after the retention period)"),
            {"fields": ["contact_name", "contact_email", "contact_phone", "contact_purged_at"]},
        ),
        (_("History"), {"fields": ["submitted_at", "reviewed_at", "reviewed_by"]}),
    ]

    def get_ordering(self, request):
        return JobAd.objects.moderation_queue_ordering()

    def has_moderate_permission(self, request):
        return request.user.has_perm("ads.moderate_jobad")

    def has_change_permission(self, request, obj=None):
        # An approved ad is public and a rejected one was refused: changing either is a
        # moderation decision, so staff without that permission may only look at it.
        if (
            obj is not None
            and obj.status != JobAd.Status.SUBMITTED
            and not self.has_moderate_permission(request)
        ):
            return False
        return super().has_change_permission(request, obj)

    def get_urls(self):
        opts = self.model._meta
        prefix = f"{opts.app_label}_{opts.model_name}"
        view = self.admin_site.admin_view
        return [
            path("<int:object_id>/moderate/", view(self.moderate_view), name=f"{prefix}_moderate"),
            path("<int:object_id>/preview/", view(self.preview_view), name=f"{prefix}_preview"),
            path(
                "<int:object_id>/statistics/",
                view(self.statistics_view),
                name=f"{prefix}_statistics",
            ),
            *super().get_urls(),
        ]

    @admin.display(description=_("state"), ordering="status")
    def state(self, obj):
        return obj.state_label()

    @admin.display(description=_("gender note"), boolean=True)
    def gender_note(self, obj):
        return obj.has_gender_note

    @admin.display(description=_("moderation"))
    def moderation(self, obj):
        if not obj.pk:
            return _("New ads are saved as submitted and then approved here.")
        links = [(reverse("admin:ads_jobad_preview", args=[obj.pk]), _("Preview"))]
        if obj.status == JobAd.Status.SUBMITTED:
            links.insert(
                0, (reverse("admin:ads_jobad_moderate", args=[obj.pk]), _("Approve or reject"))
            )
        warning = ""
        if not obj.has_gender_note:
            warning = format_html(
                '<p class="errornote">{}</p>',
                _("The job title has no gender note such as “(m/w/d)”."),
            )
        return format_html(
            "{}<p>{} · {}</p>",
            warning,
            obj.state_label(),
            format_html_join(" · ", '<a href="{}">{}</a>', links),
        )

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not obj.has_gender_note:
            messages.warning(
                request,
                _("“%(title)s” has no gender note such as “(m/w/d)”. Please check the job title.")
                % {"title": obj.title},
            )

    def _decide(self, request, ads, decide) -> list[JobAd]:
        """Decide each ad; report each refusal. Returns the ads decided."""
        decided = []
        for ad in ads:
            try:
                decided.append(decide(ad))
            except (ValidationError, PermissionDenied) as error:
                text = _error_text(error)
                # Most refusals name the ad already; the others get its name in front.
                self.message_user(
                    request, text if str(ad) in text else f"{ad}: {text}", messages.ERROR
                )
        return decided

    @admin.action(description=_("Approve selected job ads"), permissions=["moderate"])
    def approve_selected(self, request, queryset):
        approved = self._decide(
            request, queryset, lambda ad: job_ad_approve(ad=ad, by=request.user)
        )
        if done := len(approved):
            self.message_user(
                request,
                ngettext("%(count)d job ad approved.", "%(count)d job ads approved.", done)
                % {"count": done},
                messages.SUCCESS,
            )
        without_note = [ad.title for ad in approved if not ad.has_gender_note]
        if without_note:
            self.message_user(
                request,
                _("No gender note in: %(titles)s") % {"titles": "; ".join(without_note)},
                messages.WARNING,
            )

    @admin.action(description=_("Reject selected job ads …"), permissions=["moderate"])
    def reject_selected(self, request, queryset):
        """An intermediate page asks for the reason, which every employer receives."""
        form = RejectForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            reason = form.cleaned_data["reason"]
            rejected = self._decide(
                request, queryset, lambda ad: job_ad_reject(ad=ad, by=request.user, reason=reason)
            )
            if done := len(rejected):
                self.message_user(
                    request,
                    ngettext("%(count)d job ad rejected.", "%(count)d job ads rejected.", done)
                    % {"count": done},
                    messages.SUCCESS,
                )
            return None
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Reject job ads"),
            "ads": queryset,
            "form": form,
            "action": "reject_selected",
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "ads/admin/reject_confirm.html", context)

    def moderate_view(self, request, object_id):
        ad = get_object_or_404(JobAd, pk=object_id)
        if not self.has_moderate_permission(request):
            raise PermissionDenied
        form = RejectForm(request.POST if "reject" in request.POST else None)
        if request.method == "POST":
            try:
                if "approve" in request.POST:
                    job_ad_approve(ad=ad, by=request.user)
                    self.message_user(
                        request, _("“%(ad)s” approved.") % {"ad": ad}, messages.SUCCESS
                    )
                    return redirect("admin:ads_jobad_changelist")
                if form.is_valid():
                    job_ad_reject(ad=ad, by=request.user, reason=form.cleaned_data["reason"])
                    self.message_user(
                        request, _("“%(ad)s” rejected.") % {"ad": ad}, messages.SUCCESS
                    )
                    return redirect("admin:ads_jobad_changelist")
            except ValidationError as error:
                self.message_user(request, _error_text(error), messages.ERROR)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": ad,
            "title": _("Approve or reject: %(ad)s") % {"ad": ad},
            "form": form,
            "preview_url": reverse("admin:ads_jobad_preview", args=[ad.pk]),
        }
        return TemplateResponse(request, "ads/admin/moderate.html", context)

    @xframe_options_sameorigin  # shown in a frame on the moderation page
    def preview_view(self, request, object_id):
        ad = get_object_or_404(JobAd, pk=object_id)
        if not self.has_view_permission(request, ad):
            raise PermissionDenied
        return TemplateResponse(request, "ads/admin/preview.html", {"ad": ad})


@admin.register(Banner)
class BannerAdmin(StatisticsMixin, admin.ModelAdmin):
    list_display = ["name", "slot", "thumbnail", "state", "first_day", "last_day", "weight"]
    list_filter = ["slot", "is_active", RunStateFilter]
    search_fields = ["name", "alt_text", "target_url"]
    date_hierarchy = "first_day"
    readonly_fields = ["thumbnail", "created_at", "statistics_link"]
    fields = [
        "name",
        "slot",
        "image",
        "phone_image",
        "thumbnail",
        "alt_text",
        "target_url",
        "first_day",
        "last_day",
        "weight",
        "is_active",
        "statistics_link",
        "created_at",
    ]

    def get_urls(self):
        return [
            path(
                "<int:object_id>/statistics/",
                self.admin_site.admin_view(self.statistics_view),
                name="ads_banner_statistics",
            ),
            *super().get_urls(),
        ]

    @admin.display(description=_("preview"))
    def thumbnail(self, obj):
        if not obj.image:
            return "–"
        return format_html(
            '<img src="{}" alt="{}" style="max-width:240px;height:auto">',
            obj.image.url,
            obj.alt_text,
        )

    @admin.display(description=_("state"))
    def state(self, obj):
        if not obj.is_active:
            return _("paused")
        if obj.has_ended():
            return _("ended")
        if obj.is_running():
            return _("live")
        return _("scheduled")
