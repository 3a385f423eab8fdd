"""Renditions: the sizes and crops of a library image that pages show.

Each is made once from the original (on upload, on first request, or by
`manage.py renditions`) and stored under ``renditions/<pk>/<key>/<crop>-<width>.<ext>``.
The key changes with the file and the focal point, so browsers and proxies may keep a
rendition forever, and templates compute every address without touching the database
or the disk. Each crop comes as WebP for current browsers and JPEG (PNG for originals
that may be transparent) for the rest; search engines and social networks get the
fallback format.
"""

import logging
import os
from dataclasses import dataclass
from io import BytesIO

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image as PILImage
from PIL import ImageOps

logger = logging.getLogger(__name__)

DIRECTORY = "renditions"
WEBP = "webp"
CONTENT_TYPES = {"webp": "image/webp", "jpg": "image/jpeg", "png": "image/png"}


@dataclass(frozen=True)
class Crop:
    name: str
    ratio: tuple[int, int] | None  # None keeps the original's proportions
    widths: tuple[int, ...]
    webp: bool = True  # False: only for crawlers (structured data, Open Graph)


CROPS = {
    crop.name: crop
    for crop in (
        # Lead image on the article page and images in the text: phones to wide screens.
        Crop("full", None, (320, 480, 800, 1200, 1600)),
        # Teaser cards, and the 16:9 image of the structured data.
        Crop("wide", (16, 9), (320, 480, 800, 1200)),
        # 4:3 and 1:1 at 1200 px for Google's NewsArticle; small squares for author photos.
        Crop("standard", (4, 3), (1200,), webp=False),
        Crop("square", (1, 1), (96, 192, 384, 1200)),
        # Open Graph: 1200 × 630.
        Crop("og", (40, 21), (1200,), webp=False),
    )
}


class Renditions:
    """Addresses and files of one library image's renditions."""

    def __init__(self, image):
        self.image = image
        ext = image.file.name.rpartition(".")[2].lower()
        self.fallback = "png" if ext in ("png", "gif") else "jpg"
        self.folder = f"{DIRECTORY}/{image.pk}/{image.rendition_key}"
        # Folder and file names are plain ASCII: one storage call, then concatenation.
        self.base_url = default_storage.url(f"{self.folder}/")

    # --- sizes ------------------------------------------------------------------------

    def max_size(self, crop: Crop) -> tuple[int, int]:
        width, height = self.image.width, self.image.height
        if crop.ratio is None:
            return width, height
        w, h = crop.ratio
        if width * h > height * w:  # wider than the crop: full height
            return max(1, height * w // h), height
        return width, max(1, width * h // w)

    def widths(self, crop: Crop) -> list[int]:
        """The crop's widths smaller than the original (never enlarged), and the original's
        own width when it is below the largest step (a 640 px photo is offered at 640)."""
        largest = self.max_size(crop)[0]
        widths = [w for w in crop.widths if w < largest]
        if largest <= crop.widths[-1]:
            widths.append(largest)
        return widths

    def size(self, crop: Crop, width: int) -> tuple[int, int]:
        full_w, full_h = self.max_size(crop)
        return width, max(1, round(width * full_h / full_w))

    def formats(self, crop: Crop) -> list[str]:
        return [WEBP, self.fallback] if crop.webp else [self.fallback]

    # --- addresses --------------------------------------------------------------------

    def name(self, crop: Crop, width: int, ext: str) -> str:
        return f"{self.folder}/{crop.name}-{width}.{ext}"

    def url(self, crop: Crop, width: int, ext: str) -> str:
        return f"{self.base_url}{crop.name}-{width}.{ext}"

    def srcset(self, crop: Crop, ext: str) -> str:
        return ", ".join(f"{self.url(crop, w, ext)} {w}w" for w in self.widths(crop))

    def default_width(self, crop: Crop, at_most: int = 800) -> int:
        """The width for `src`: what a browser without srcset support gets."""
        widths = self.widths(crop)
        return max([w for w in widths if w <= at_most] or [widths[0]])

    def largest(self, crop: Crop) -> tuple[str, int, int]:
        """The largest rendition in the fallback format: url, width, height."""
        width = self.widths(crop)[-1]
        return (self.url(crop, width, self.fallback), *self.size(crop, width))

    def is_valid(self, crop_name: str, width: int, ext: str) -> bool:
        """Whether a requested file is one of this image's renditions (and nothing else can
        be made to order)."""
        crop = CROPS.get(crop_name)
        return bool(crop and width in self.widths(crop) and ext in self.formats(crop))

    # --- files ------------------------------------------------------------------------

    def all(self):
        for crop in CROPS.values():
            for width in self.widths(crop):
                for ext in self.formats(crop):
                    yield crop, width, ext

    def generate(self, only: list | None = None, *, force: bool = False) -> int:
        """Store the renditions (all, or the (crop, width, ext) listed) that are missing;
        with `force` replace them. Returns the number written."""
        if only is None and not force:
            # One listing instead of a lookup per file (a request each in object storage).
            try:
                files = default_storage.listdir(self.folder)[1]
                present = {f"{self.folder}/{name}" for name in files}
            except FileNotFoundError:
                present = set()
            wanted = [item for item in self.all() if self.name(*item) not in present]
        else:
            wanted = [
                item
                for item in (only if only is not None else self.all())
                if force or not default_storage.exists(self.name(*item))
            ]
        if not wanted:
            return 0
        with default_storage.open(self.image.file.name, "rb") as stored:
            with PILImage.open(stored) as original:
                original.seek(0)  # an animation's first frame
                original = original.convert("RGBA" if self.fallback == "png" else "RGB")
        cropped = {}
        for crop, width, ext in wanted:
            if crop.name not in cropped:
                cropped[crop.name] = self._crop(original, crop)
            picture = cropped[crop.name].resize(self.size(crop, width), PILImage.LANCZOS)
            self._store(self.name(crop, width, ext), _encode(picture, ext))
        return len(wanted)

    def _crop(self, original: PILImage.Image, crop: Crop) -> PILImage.Image:
        size = self.max_size(crop)
        if size == original.size:
            return original
        # The focal point keeps its relative place, so it is always inside the crop.
        centering = (self.image.focal_x / 100, self.image.focal_y / 100)
        return ImageOps.fit(original, size, PILImage.LANCZOS, centering=centering)

    @staticmethod
    def _store(name: str, data: bytes) -> None:
        if default_storage.exists(name):
            default_storage.delete(name)
        stored = default_storage.save(name, ContentFile(data))
        if stored != name:  # a parallel request wrote it first: keep one copy
            default_storage.delete(stored)


def _encode(picture: PILImage.Image, ext: str) -> bytes:
    out = BytesIO()
    if ext == WEBP:
        picture.save(out, "WEBP", quality=80, method=4)
    elif ext == "png":
        picture.save(out, "PNG", optimize=True)
    else:
        picture.convert("RGB").save(out, "JPEG", quality=82, optimize=True, progressive=True)
    return out.getvalue()


def delete_folder(path: str) -> None:
    """Remove a folder of renditions with everything in it (storage API: no rmtree)."""
    try:
        folders, files = default_storage.listdir(path)
    except FileNotFoundError:
        return
    for name in files:
        default_storage.delete(f"{path}/{name}")
    for folder in folders:
        delete_folder(f"{path}/{folder}")
    try:  # local disk: the empty folder too (object storage has no folders, nor paths)
        os.rmdir(default_storage.path(path))
    except (NotImplementedError, OSError):
        pass


def delete_outdated(image) -> None:
    """Remove renditions of the image's earlier file or focal point."""
    base = f"{DIRECTORY}/{image.pk}"
    try:
        folders, _files = default_storage.listdir(base)
    except FileNotFoundError:
        return
    for folder in folders:
        if folder != image.rendition_key:
            delete_folder(f"{base}/{folder}")
