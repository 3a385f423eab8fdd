"""The image library in the admin: find, upload and describe images, set their focal point,
see where each is used, and choose one for the article editor (`<pk>/auswahl/`)."""

from dataclasses import dataclass, field

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q
from django.http import JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from newsroom.uploads import StorageFailureAdminMixin

from .forms import ImageAdminForm
from .models import Image
from .renditions import CROPS
from .widgets import thumbnail, thumbnail_data

# Where an image can be used: the reverse relation, what it means, the admin page of a
# use and the permission needed to open it, the field naming a use.
USES = [
    ("lead_articles", _("Lead image of"), "admin:articles_article_change", "articles.view_article",
     "title"),
    ("text_articles", _("In the text of"), "admin:articles_article_change", "articles.view_article",
     "title"),
    ("social_articles", _("Social image of"), "admin:articles_article_change",
     "articles.view_article", "title"),
    ("authors", _("Photo of"), "admin:articles_author_change", "articles.view_author", "name"),
]  # fmt: skip
USES_SHOWN = 20  # per kind on the change page; the rest is counted
USES_SHOWN_IN_BULK = 5  # per kind and image on the bulk delete page
IMAGES_SHOWN_IN_BULK = 20


@dataclass
class Use:
    """The uses of one kind: up to the shown number as links, and how many more there are."""

    label: str
    links: list[SafeString] = field(default_factory=list)
    more: int = 0


def image_uses(image: Image, user, limit: int = USES_SHOWN) -> list[Use]:
    """The image's uses, kind by kind (kinds without uses left out): at most 2 queries each."""
    result = []
    for related, label, url_name, permission, name_field in USES:
        uses = getattr(image, related).all()
        rows = list(uses.values_list("pk", name_field)[: limit + 1])
        if not rows:
            continue
        may_open = user.has_perm(permission)
        use = Use(str(label))
        for pk, name in rows[:limit]:
            if may_open:
                url = reverse(url_name, args=[pk])
                use.links.append(format_html('<a href="{}">{}</a>', url, name))
            else:
                use.links.append(format_html("{}", name))
        if len(rows) > limit:
            use.more = uses.count() - limit
        result.append(use)
    return result


def _more_text(more: int) -> str:
    return ngettext("… and %(counter)s more", "… and %(counter)s more", more) % {"counter": more}


def _in_use(queryset):
    """The images of the queryset that something uses (one query)."""
    any_use = Q()
    for related, *_rest in USES:
        relation = Image._meta.get_field(related)
        users = relation.related_model._default_manager.filter(
            **{relation.field.name: OuterRef("pk")}
        )
        any_use |= Exists(users)
    return queryset.filter(any_use)


class MissingCreditFilter(admin.SimpleListFilter):
    title = _("photo credit")
    parameter_name = "bildnachweis"

    def lookups(self, request, model_admin):
        return [("fehlt", _("missing")), ("vorhanden", _("present"))]

    def queryset(self, request, queryset):
        if self.value() == "fehlt":
            return queryset.missing_credit()
        if self.value() == "vorhanden":
            return queryset.exclude(credit="")
        return queryset


@admin.register(Image)
class ImageAdmin(StorageFailureAdminMixin, admin.ModelAdmin):
    form = ImageAdminForm
    change_form_template = "admin/images/image/change_form.html"
    list_display = ["thumbnail", "title", "credit_column", "size", "created_at"]
    # The thumbnail chooses too, in the editor's chooser popup.
    list_display_links = ["thumbnail", "title"]
    list_filter = [MissingCreditFilter, "created_at"]
    search_fields = ["title", "credit", "alt_text", "caption", "tags__name"]
    list_per_page = 40
    # The archive is large: no second count of the whole table next to filtered results.
    show_full_result_count = False
    fieldsets = [
        (None, {"fields": ["file", "title", "alt_text", "caption", "credit", "tags"]}),
        (
            _("Focal point"),
            {
                "fields": [("focal_x", "focal_y")],
                "description": _(
                    "The most important point of the image, in percent from the left and from "
                    "the top: every crop keeps it in view."
                ),
            },
        ),
    ]
    details_fieldset = (
        _("Details"),
        {"classes": ["collapse"], "fields": ["size", "uploaded_by", "created_at", "updated_at"]},
    )

    class Media:
        css = {"all": ["admin/css/image_library.css"]}

    # --- the list -----------------------------------------------------------------------

    @admin.display(description=_("preview"))
    def thumbnail(self, obj):
        return thumbnail(obj, 96, "square", alt=obj.alt_text, css_class="image-thumbnail")

    @admin.display(description=_("photo credit"), ordering="credit")
    def credit_column(self, obj):
        if obj.credit:
            return obj.credit
        return format_html(
            '– <span class="image-credit-missing">{}</span>', gettext("photo credit missing")
        )

    @admin.display(description=_("size"), ordering="width")
    def size(self, obj):
        return f"{obj.width} × {obj.height} px"

    # --- the form -----------------------------------------------------------------------

    def get_fieldsets(self, request, obj=None):
        fieldsets = list(super().get_fieldsets(request, obj))
        if obj is not None:
            # Before the focal point, which the preview under the form belongs to.
            fieldsets.insert(1, self.details_fieldset)
        return fieldsets

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            fields += [f for f in self.details_fieldset[1]["fields"] if f not in fields]
            # Article texts point at the file's address: another photo is another image.
            fields.append("file")
        return fields

    def save_model(self, request, obj, form, change):
        if not change:
            obj.uploaded_by = request.user
        super().save_model(request, obj, form, change)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        form = context["adminform"].form
        context["focal_preview"] = self._focal_preview(obj, form)
        if obj is not None and obj.pk:
            context["image_uses"] = image_uses(obj, request.user)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def _focal_preview(self, obj, form) -> dict:
        """The picture the focal point is chosen on: the stored image, an upload kept from
        the last submit, or (set by the script) the file just chosen."""
        if obj is not None and obj.pk and obj.file:
            renditions = obj.renditions
            crop = CROPS["full"]
            width = renditions.default_width(crop)
            height = renditions.size(crop, width)[1]
            url = renditions.url(crop, width, renditions.fallback)
            return {"url": url, "width": width, "height": height}
        kept = form.kept_upload("file") if hasattr(form, "kept_upload") else None
        return {"url": kept.url if kept else "", "width": None, "height": None}

    # --- deleting -----------------------------------------------------------------------

    def get_deleted_objects(self, objs, request):
        """An image in use is not deleted (the relations protect it): the page names its
        uses, at most a few per kind, instead of Django's list of every protected row."""
        selected = Image.objects.filter(pk__in=[o.pk for o in objs])
        images = list(_in_use(selected)[: IMAGES_SHOWN_IN_BULK + 1])
        if not images:
            return super().get_deleted_objects(objs, request)
        single = len(objs) == 1
        limit = USES_SHOWN if single else USES_SHOWN_IN_BULK
        protected = []
        for image in images[:IMAGES_SHOWN_IN_BULK]:
            lines = []
            for use in image_uses(image, request.user, limit):
                lines += [format_html("{}: {}", use.label, link) for link in use.links]
                if use.more:
                    lines.append(format_html("{}: {}", use.label, _more_text(use.more)))
            if single:
                protected += lines
            else:
                protected += [format_html("„{}“", image.title), lines]
        if len(images) > IMAGES_SHOWN_IN_BULK:
            protected.append(gettext("… and more images"))
        if single:
            message = gettext(
                "The image “%(title)s” is still in use and cannot be deleted. Remove it from "
                "the articles and author profiles listed below first."
            ) % {"title": images[0].title}
        else:
            message = gettext(
                "Some of the selected images are still in use and cannot be deleted. Remove "
                "them from the articles and author profiles listed below first, or select "
                "only unused images."
            )
        self.message_user(request, message, messages.ERROR)
        return [], {}, set(), protected

    # --- the editor's chooser -----------------------------------------------------------

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<int:pk>/auswahl/",
                self.admin_site.admin_view(self.choose_view),
                name="{}_{}_choose".format(*info),
            ),
            *super().get_urls(),
        ]

    def choose_view(self, request, pk):
        """What the article editor inserts for a chosen image, and what an image field shows
        of it at once (admin/js/library_chooser.js)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        image = get_object_or_404(Image, pk=pk)
        return JsonResponse(
            {
                "id": image.pk,
                "title": image.title,
                "url": reverse("admin:images_image_change", args=[image.pk]),
                "thumbnail": thumbnail_data(image, 160),
                "src": image.file.url,
                "alt": image.alt_text,
                "caption": image.caption,
                "credit": image.credit,
                "width": image.width,
                "height": image.height,
            }
        )
