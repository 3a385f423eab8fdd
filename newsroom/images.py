"""Image uploads: validate that a file is a real image within limits, then re-encode it.

Every image the portal stores (lead images, author photos, editor images, employer logos,
banners) goes through here, so that a decompression bomb or a renamed text file gets a
clear message, and EXIF/GPS metadata and the uploader's file name never reach readers.
"""

import uuid
import warnings
from io import BytesIO

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import models
from django.db.models.fields.files import FieldFile, ImageFileDescriptor
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

ALLOWED_FORMATS = {"JPEG": "jpg", "PNG": "png", "GIF": "gif", "WEBP": "webp"}


def _open_checked(file) -> Image.Image:
    """Open an upload with Pillow, enforcing size, format and pixel limits."""
    max_bytes = settings.IMAGE_UPLOAD_MAX_BYTES
    max_pixels = settings.IMAGE_UPLOAD_MAX_PIXELS
    size = getattr(file, "size", None)
    if size is not None and size > max_bytes:
        raise ValidationError(
            _("The file is too large (%(size)s). The limit is %(limit)s."),
            code="file_too_large",
            params={"size": filesizeformat(size), "limit": filesizeformat(max_bytes)},
        )
    file.seek(0)
    try:
        # Pillow warns above MAX_IMAGE_PIXELS and raises above twice that; both are refusals.
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(file)
            if image.format not in ALLOWED_FORMATS:
                raise ValidationError(
                    _("Unsupported image format. Please upload a JPEG, PNG, GIF or WebP file."),
                    code="invalid_format",
                )
            width, height = image.size
            if width * height > max_pixels:
                raise ValidationError(
                    _(
                        "The image is too large (%(width)s × %(height)s pixels). "
                        "The limit is %(limit)s megapixels."
                    ),
                    code="too_many_pixels",
                    params={"width": width, "height": height, "limit": max_pixels // 1_000_000},
                )
            # GIFs are re-encoded with every frame: a small file with many large frames
            # would keep a worker busy for minutes, so all frames count.
            frames = getattr(image, "n_frames", 1) if image.format == "GIF" else 1
            if frames > 1 and width * height * frames > max_pixels:
                raise ValidationError(
                    _(
                        "The animation is too large (%(frames)s frames of %(width)s × "
                        "%(height)s pixels). The limit is %(limit)s megapixels in all frames."
                    ),
                    code="too_many_pixels",
                    params={
                        "frames": frames,
                        "width": width,
                        "height": height,
                        "limit": max_pixels // 1_000_000,
                    },
                )
            image.load()  # decodes the data: catches truncated and corrupt files
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ValidationError(
            _("The image has too many pixels to be processed safely."), code="too_many_pixels"
        ) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ValidationError(
            _("The file is not a valid image. Please upload a JPEG, PNG, GIF or WebP file."),
            code="invalid_image",
        ) from exc
    finally:
        file.seek(0)
    return image


def validate_image(file) -> None:
    """Field validator: the upload is a real image within the configured limits."""
    if getattr(file, "_committed", False):
        return  # already stored (and checked) earlier
    _open_checked(file)


# Uploads larger than this are scaled down.
MAX_DIMENSION = 2400


def _encode(image: Image.Image, fmt: str) -> bytes:
    out = BytesIO()
    if fmt == "JPEG":
        image.convert("RGB").save(out, "JPEG", quality=82, optimize=True, progressive=True)
    elif fmt == "GIF":
        image.info.pop("comment", None)  # GIF comments are metadata too
        image.save(out, "GIF", save_all=True)  # keeps animations
    elif fmt == "WEBP":
        image.save(out, "WEBP", quality=82)
    else:
        image.save(out, "PNG", optimize=True)
    return out.getvalue()


def reencode_image(file) -> ContentFile:
    """Return a clean copy of an uploaded image: no metadata, a random file name."""
    image = _open_checked(file)
    fmt = image.format
    if fmt != "GIF":
        image = ImageOps.exif_transpose(image)
        image.thumbnail((MAX_DIMENSION, MAX_DIMENSION))
    return ContentFile(_encode(image, fmt), name=f"{uuid.uuid4().hex}.{ALLOWED_FORMATS[fmt]}")


# Small images shown at one size (employer logos) keep their copies beside the original:
# "ads/logos/ab12.png" -> "ads/logos/ab12-96w.png" and "ads/logos/ab12-96w.webp". Library
# images have crops and many sizes: see images.renditions.


def side_rendition_name(name: str, width: int, ext: str | None = None) -> str:
    stem, _dot, original_ext = name.rpartition(".")
    return f"{stem}-{width}w.{ext or original_ext}"


def side_rendition_widths(widths, name: str, width: int | None) -> list[int]:
    """The widths stored beside an image (none for GIFs, none wider than the image)."""
    if not width or name.lower().endswith(".gif"):
        return []
    return [w for w in widths if w < width]


def save_side_renditions(fieldfile, widths) -> None:
    """Store the smaller copies of a freshly saved image next to it, and WebP ones."""
    with fieldfile.storage.open(fieldfile.name) as stored, Image.open(stored) as image:
        image.load()
        fmt = image.format
        for width in side_rendition_widths(widths, fieldfile.name, image.width):
            copy = image.copy()
            copy.thumbnail((width, width * 10), Image.LANCZOS)
            for name, data in (
                (side_rendition_name(fieldfile.name, width), _encode(copy, fmt)),
                (side_rendition_name(fieldfile.name, width, "webp"), _encode(copy, "WEBP")),
            ):
                fieldfile.storage.save(name, ContentFile(data))


class CleanImageFormField(forms.ImageField):
    """Checks uploads with our limits first, so a bomb or a fake image gets a specific message
    instead of Django's generic "not an image"."""

    def to_python(self, data):
        if data not in self.empty_values and hasattr(data, "seek"):
            _open_checked(data)
        return super().to_python(data)


class _StoredImageDescriptor(ImageFileDescriptor):
    """Django reads the image's size from the file whenever the field is assigned, even when
    it is the file the object already holds (every form save assigns it): a file missing on
    disk (a restore without media) made every save of its object fail. The same stored file
    keeps its known size instead."""

    def __set__(self, instance, value):
        field = self.field
        previous = instance.__dict__.get(field.attname)
        same = (
            isinstance(value, str | FieldFile)
            and getattr(value, "_committed", True)
            and str(getattr(value, "name", value)) == str(getattr(previous, "name", previous))
        )
        # From __dict__: during Model.__init__ the size is not set yet (and not to be loaded).
        dimensions = (field.width_field, field.height_field)
        sized = all(instance.__dict__.get(name) for name in dimensions if name)
        if previous is not None and same and sized:
            instance.__dict__[field.attname] = value
        else:
            super().__set__(instance, value)


class CleanImageField(models.ImageField):
    """ImageField that validates uploads and stores a re-encoded copy under a random name,
    with smaller copies at `renditions` widths beside it."""

    default_validators = [validate_image]
    descriptor_class = _StoredImageDescriptor

    def __init__(self, *args, renditions=(), **kwargs):
        self.renditions = tuple(renditions or ())
        super().__init__(*args, **kwargs)

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": CleanImageFormField, **kwargs})

    def pre_save(self, model_instance, add):
        file = getattr(model_instance, self.attname)
        if file and not file._committed:
            clean = reencode_image(file.file)
            file.save(clean.name, clean, save=False)
            if self.renditions:
                save_side_renditions(file, self.renditions)
        return super().pre_save(model_instance, add)
