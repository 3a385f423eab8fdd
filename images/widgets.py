from django.contrib.admin.widgets import ForeignKeyRawIdWidget
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import format_html
from django.utils.text import Truncator

from .renditions import CROPS


def thumbnail(image, width: int, crop: str = "wide", alt: str = "", css_class: str = "") -> str:
    """A small picture of a library image for the admin, `width` pixels wide ("–" without
    an image): the crop's smallest rendition, its address computed, no query."""
    if image is None:
        return "–"
    picture = thumbnail_data(image, width, crop)
    return format_html(
        '<img{} src="{}" alt="{}" width="{}" height="{}" loading="lazy" decoding="async">',
        format_html(' class="{}"', css_class) if css_class else "",
        picture["src"],
        alt,
        picture["width"],
        picture["height"],
    )


def thumbnail_data(image, width: int, crop: str = "wide") -> dict:
    """The address and size of `thumbnail`'s picture, for scripts (no query)."""
    crop = CROPS[crop]
    renditions = image.renditions
    stored = renditions.widths(crop)[0]
    return {
        "src": renditions.url(crop, stored, renditions.fallback),
        "width": width,
        "height": round(width * renditions.size(crop, stored)[1] / stored),
    }


class ImageChooserWidget(ForeignKeyRawIdWidget):
    """Choose a library image: the magnifier opens the library (thumbnails, search, "add
    image" to upload a new one); the chosen image is shown as a thumbnail beside its title,
    at once after choosing (admin/js/library_chooser.js), not only after saving."""

    template_name = "admin/images/widgets/image_chooser.html"

    class Media:
        js = ["admin/js/library_chooser.js"]

    def label_and_url_for_value(self, value):
        # Django's lookup, once: the chosen image also gives the thumbnail.
        try:
            self._chosen = self.rel.model._default_manager.using(self.db).get(pk=value)
        except (ValueError, ValidationError, self.rel.model.DoesNotExist):
            return "", ""
        info = self.rel.model._meta.app_label, self.rel.model._meta.model_name
        url = reverse("admin:{}_{}_change".format(*info), args=[self._chosen.pk])
        return Truncator(self._chosen).words(14), url

    def get_context(self, name, value, attrs):
        self._chosen = None
        context = super().get_context(name, value, attrs)
        if self._chosen is not None:
            context["thumbnail"] = thumbnail(self._chosen, 160)
            context["credit"] = self._chosen.credit
        return context


class ImageChooserAdminMixin:
    """For ModelAdmins with foreign keys to library images, named in `image_fields`."""

    image_fields: list[str] = []

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name in self.image_fields:
            kwargs["widget"] = ImageChooserWidget(db_field.remote_field, self.admin_site)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
