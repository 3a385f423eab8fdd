"""The import's image files: read from the copied uploads folder or downloaded from the old
site, checked and re-encoded like any upload, stored. No database access here: these run
in a pool of threads."""

import io
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image as PillowImage

from images.models import Image
from newsroom.images import reencode_image

WORKERS = 4
DOWNLOAD_TIMEOUT = 5  # seconds; a dead old host must not stall the import
EXTENSIONS = {"jpg", "jpeg", "jpe", "png", "gif", "webp"}
UPLOADS = "/wp-content/uploads/"


def is_image(name: str) -> bool:
    return name.rpartition(".")[2].lower() in EXTENSIONS


def fetch(attached: str, url: str, uploads: Path | None) -> bytes:
    """The file at `attached` below the uploads folder, else downloaded from `url` (http
    and https only). FileNotFoundError when neither has it; ValidationError when too large."""
    limit = settings.IMAGE_UPLOAD_MAX_BYTES
    data = None
    if uploads and attached:
        path = (uploads / attached).resolve()
        if path.is_relative_to(uploads) and path.is_file():  # no "../" out of the folder
            if path.stat().st_size > limit:
                data = b"x" * (limit + 1)  # refused below, without reading it
            else:
                data = path.read_bytes()
    if data is None:
        if urlsplit(url).scheme not in ("http", "https"):
            raise FileNotFoundError(url)
        try:
            request = urllib.request.Request(url, headers={"User-Agent": "Newsroom-Import"})
            with urllib.request.urlopen(request, timeout=DOWNLOAD_TIMEOUT) as response:
                data = response.read(limit + 1)
        except (OSError, ValueError, urllib.error.URLError) as error:
            raise FileNotFoundError(url) from error
    if len(data) > limit:
        raise ValidationError(
            _("The file is too large. The limit is %(limit)s.") % {"limit": filesizeformat(limit)}
        )
    return data


def store(data: bytes, *, dry_run: bool) -> tuple[str, int, int]:
    """Check and re-encode `data` as an upload is (ValidationError if it is no image within
    the limits) and store it where the library keeps its files: (name, width, height)."""
    clean = reencode_image(io.BytesIO(data))
    width, height = PillowImage.open(io.BytesIO(clean.read())).size
    clean.seek(0)
    name = Image._meta.get_field("file").generate_filename(None, clean.name)
    if dry_run:
        return name, width, height
    return default_storage.save(name, clean), width, height


def uploads_name(src: str) -> str | None:
    """ "https://site/wp-content/uploads/2026/05/x-300x169.jpg" -> "2026/05/x-300x169.jpg"."""
    path = unquote(urlsplit(src).path)
    return path.split(UPLOADS, 1)[1] if UPLOADS in path else None


def original_name(name: str) -> str:
    """The uploaded file a resized copy was made from: "x-300x169.jpg" and WordPress 5.3's
    "x-scaled.jpg" are "x.jpg"."""
    stem, dot, ext = name.rpartition(".")
    stem = stem.removesuffix("-scaled")
    base, _dash, size = stem.rpartition("-")
    if base and size.replace("x", "", 1).isdigit() and "x" in size:
        stem = base
    return f"{stem}{dot}{ext}"
