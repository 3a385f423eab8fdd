from django.contrib.admin.widgets import ForeignKeyRawIdWidget
from django.utils.html import format_html

from .renditions import CROPS


def thumbnail(image, width: int, crop: str = "wide") -> str:
    """A small picture of a library image for admin lists ("–" without one)."""
    if image is None:
        return "–"
    crop = CROPS[crop]
    renditions = image.renditions
    stored = renditions.widths(crop)[0]
    height = round(width * renditions.size(crop, stored)[1] / stored)
    url = renditions.url(crop, stored, renditions.fallback)
    return format_html(
        '<img src="{}" alt="" width="{}" height="{}" loading="lazy">', url, width, height
    )


class ImageChooserWidget(ForeignKeyRawIdWidget):
    """Choose a library image: the magnifier opens the library (thumbnails, search, "add
    image" to upload a new one); the chosen image is shown as a thumbnail beside its title."""

    template_name = "admin/images/widgets/image_chooser.html"

    def label_and_url_for_value(self, value):
        self._chosen = self.rel.model._default_manager.using(self.db).filter(pk=value).first()
        return super().label_and_url_for_value(value)

    def get_context(self, name, value, attrs):
        self._chosen = None
        context = super().get_context(name, value, attrs)
        image = self._chosen
        if image is not None:
            crop = CROPS["wide"]
            width = image.renditions.widths(crop)[0]
            context["thumbnail"] = {
                "url": image.renditions.url(crop, width, image.renditions.fallback),
                "width": min(width, 160),
                "height": round(min(width, 160) * 9 / 16),
                "credit": image.credit,
            }
        return context


class ImageChooserAdminMixin:
    """For ModelAdmins with foreign keys to library images, named in `image_fields`."""

    image_fields: list[str] = []

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name in self.image_fields:
            kwargs["widget"] = ImageChooserWidget(db_field.remote_field, self.admin_site)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
