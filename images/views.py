import logging
import re

from django.conf import settings
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_safe

from . import renditions
from .models import Image

logger = logging.getLogger(__name__)
_NAME = re.compile(r"^(?P<crop>[a-z]+)-(?P<width>[1-9][0-9]{0,4})\.(?P<ext>webp|jpg|png)$")


@require_safe
def rendition(request, pk: int, key: str, name: str):
    """A rendition not stored yet (an image from before the library, a new crop): made now,
    once. Stored files are served by the web server and never reach this view; only the
    crops and widths the image really has can be made, so requests cannot fill the disk."""
    match = _NAME.match(name)
    if not match:
        raise Http404
    image = get_object_or_404(Image, pk=pk)
    crop, width, ext = match["crop"], int(match["width"]), match["ext"]
    if key != image.rendition_key or not image.renditions.is_valid(crop, width, ext):
        raise Http404
    item = (renditions.CROPS[crop], width, ext)
    try:
        image.renditions.generate([item])
        # In object storage (MEDIA_STORAGE=s3) this reads it back from the bucket: made by
        # this request or, a moment earlier, by another server's.
        stored = default_storage.open(image.renditions.name(*item), "rb")
    except OSError as exc:  # the original is missing or unreadable (e.g. restored without media)
        logger.warning("No rendition of image %s: %s", image.pk, exc)
        raise Http404 from exc
    response = FileResponse(stored, content_type=renditions.CONTENT_TYPES[ext])
    # The address changes with the file and the focal point: it may be kept for good.
    response["Cache-Control"] = f"public, max-age={settings.RENDITION_MAX_AGE}, immutable"
    return response
