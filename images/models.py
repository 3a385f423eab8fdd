"""The image library: every photo is stored once, with its alt text, caption and credit,
and used from there as a lead image, inside article text and as an author photo."""

import hashlib
from pathlib import PurePosixPath

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from taggit.managers import TaggableManager

from newsroom.images import CleanImageField
from newsroom.validators import validate_single_line

from . import renditions


class ImageQuerySet(models.QuerySet):
    def by_file_names(self, names) -> dict[str, "Image"]:
        """Library images for stored file names (as found in article text), one query."""
        return {image.file.name: image for image in self.filter(file__in=set(names))}

    def missing_credit(self):
        return self.filter(credit="")


class Image(models.Model):
    title = models.CharField(
        _("title"),
        max_length=200,
        validators=[validate_single_line],
        help_text=_("For finding the image in the library."),
    )
    file = CleanImageField(
        _("image file"),
        upload_to="images/%Y/%m/",
        width_field="width",
        height_field="height",
        max_length=200,
        unique=True,
    )
    width = models.PositiveIntegerField(_("width"), editable=False)
    height = models.PositiveIntegerField(_("height"), editable=False)
    alt_text = models.CharField(
        _("alternative text"),
        max_length=250,
        validators=[validate_single_line],
        help_text=_(
            "Describes the image for readers who cannot see it. "
            "A use (an article, the text) may describe it differently."
        ),
    )
    caption = models.CharField(
        _("caption"),
        max_length=300,
        blank=True,
        validators=[validate_single_line],
        help_text=_("A use may replace it."),
    )
    credit = models.CharField(
        _("photo credit"),
        max_length=120,
        validators=[validate_single_line],
        help_text=_("Shown as “Foto: …” wherever the image appears."),
    )
    focal_x = models.PositiveSmallIntegerField(
        _("focal point, horizontal (%)"),
        default=50,
        validators=[MaxValueValidator(100)],
        help_text=_("Crops keep this point in view. Click the preview to set it."),
    )
    focal_y = models.PositiveSmallIntegerField(
        _("focal point, vertical (%)"), default=50, validators=[MaxValueValidator(100)]
    )
    tags = TaggableManager(_("keywords"), blank=True, help_text=_("Separated by commas."))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    objects = ImageQuerySet.as_manager()

    class Meta:
        verbose_name = _("image")
        verbose_name_plural = _("images")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(focal_x__lte=100, focal_y__lte=100),
                name="image_focal_point_in_image",
                violation_error_message=_("The focal point must lie within the image (0–100 %)."),
            ),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        if not self.title and self.file:
            self.title = PurePosixPath(self.file.name).stem[:200]
        super().save(*args, **kwargs)

    @property
    def rendition_key(self) -> str:
        """Changes with the file and the focal point, so a browser or proxy never keeps an
        outdated crop: renditions live under renditions/<pk>/<key>/."""
        seed = f"{self.file.name}:{self.focal_x}:{self.focal_y}"
        return hashlib.sha256(seed.encode()).hexdigest()[:10]

    @property
    def renditions(self) -> "renditions.Renditions":
        return renditions.Renditions(self)
