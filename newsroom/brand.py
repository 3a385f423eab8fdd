"""The portal's brand: logo uploads (SVG cleaned by an allowlist, PNG checked and re-encoded),
colours readable by WCAG AA, and the small stylesheet that carries them to the pages
(`/brand.css`: the public pages allow no inline styles)."""

import math
import re
import uuid
import warnings
from dataclasses import dataclass
from io import BytesIO

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.template.defaultfilters import filesizeformat
from django.utils import formats
from django.utils.translation import gettext_lazy as _
from lxml import etree
from PIL import Image, UnidentifiedImageError

# --- Colours ---------------------------------------------------------------------------

DEFAULT_COLOR = "#0b4f8a"
COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
# The accent is text and link colour on white and on the soft grey of boxes and the top
# bar, and the background of buttons with white text: it must read well on both.
BACKGROUNDS = [("#ffffff", _("white")), ("#f3f5f7", _("the light grey background (#f3f5f7)"))]
MIN_CONTRAST = 4.5  # WCAG 2.1 AA for normal text


def relative_luminance(color: str) -> float:
    """WCAG 2.1 relative luminance of "#rrggbb"."""
    channels = [int(color[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(first: str, second: str) -> float:
    lighter, darker = sorted(map(relative_luminance, (first, second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def validate_color(value: str) -> None:
    """A "#rrggbb" colour readable as text on the page's backgrounds (WCAG AA)."""
    if not COLOR.match(value):
        raise ValidationError(
            _("Please enter a colour as #rrggbb, e.g. #0b4f8a."), code="invalid_color"
        )
    for background, name in BACKGROUNDS:
        ratio = contrast_ratio(value, background)
        if ratio < MIN_CONTRAST:
            raise ValidationError(
                _(
                    "The colour %(color)s reaches a contrast ratio of only %(ratio)s : 1 on "
                    "%(background)s; at least 4.5 : 1 is needed (WCAG AA). Please choose a "
                    "darker colour."
                ),
                code="low_contrast",
                # Rounded down: 4.46 must not read as the 4.5 it misses.
                params={
                    "color": value,
                    "ratio": formats.number_format(math.floor(ratio * 10) / 10, 1),
                    "background": name,
                },
            )


def darker(color: str, factor: float = 0.74) -> str:
    """The hover shade of a colour (#0b4f8a -> #083a66). Darker means more contrast on the
    light backgrounds, so a colour that passed `validate_color` still does."""
    channels = (round(int(color[i : i + 2], 16) * factor) for i in (1, 3, 5))
    return "#" + "".join(f"{c:02x}" for c in channels)


_CLASS_NAME = re.compile(r"^[A-Za-z0-9_-]+$")


def stylesheet(brand_color: str, categories) -> str:
    """The brand's custom properties: `--color-accent(-dark)` for the page, `--color-cat`
    for each main category with a colour (on elements with the class `cat-<root_slug>`).
    Values come from the database, so only what matches the formats is written."""
    accent = brand_color if COLOR.match(brand_color or "") else DEFAULT_COLOR
    rules = [f":root{{--color-accent:{accent};--color-accent-dark:{darker(accent)}}}"]
    rules += [
        f".cat-{category.root_slug}{{--color-cat:{category.color}}}"
        for category in categories
        if COLOR.match(category.color or "") and _CLASS_NAME.match(category.root_slug)
    ]
    return "\n".join(rules) + "\n"


# --- Logo ------------------------------------------------------------------------------

LOGO_MAX_BYTES = 1024 * 1024
LOGO_MAX_SIDE = 4000  # pixels, for PNGs

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
XML_NS = "http://www.w3.org/XML/1998/namespace"

# What a logo may contain: shapes, text, gradients, clipping. Anything else (script,
# foreignObject, style, image, a, animate, ...) is dropped with its content.
SVG_ELEMENTS = {
    "svg", "g", "path", "rect", "circle", "ellipse", "line", "polyline", "polygon", "text",
    "tspan", "title", "desc", "defs", "linearGradient", "radialGradient", "stop", "clipPath",
    "use",
}  # fmt: skip
SHAPES = {"path", "rect", "circle", "ellipse", "line", "polyline", "polygon", "text", "use"}
# Geometry and presentation attributes; no event handlers, no `style` (its declarations
# become attributes, see _declarations), no `class` (there is no stylesheet to match).
PRESENTATION = {
    "fill", "fill-opacity", "fill-rule", "stroke", "stroke-width", "stroke-linecap",
    "stroke-linejoin", "stroke-miterlimit", "stroke-dasharray", "stroke-dashoffset",
    "stroke-opacity", "opacity", "color", "display", "visibility", "overflow", "clip-path",
    "clip-rule", "stop-color", "stop-opacity", "font-family", "font-size", "font-weight",
    "font-style", "font-variant", "font-stretch", "letter-spacing", "word-spacing",
    "text-anchor", "text-decoration", "dominant-baseline", "alignment-baseline",
    "baseline-shift", "writing-mode", "shape-rendering", "text-rendering", "vector-effect",
    "paint-order",
}  # fmt: skip
SVG_ATTRIBUTES = PRESENTATION | {
    "id", "x", "y", "x1", "y1", "x2", "y2", "cx", "cy", "r", "rx", "ry", "fx", "fy", "fr",
    "width", "height", "d", "points", "viewBox", "preserveAspectRatio", "transform",
    "version", "offset", "gradientUnits", "gradientTransform", "spreadMethod",
    "clipPathUnits", "dx", "dy", "rotate", "textLength", "lengthAdjust", "role",
    "aria-label", "aria-hidden", "href", f"{{{XLINK_NS}}}href", f"{{{XML_NS}}}space",
    f"{{{XML_NS}}}lang", "lang",
}  # fmt: skip
# url() may only point into the file itself (a gradient, a clip path): no requests out.
# A backslash could spell "url(" as a CSS escape, so values with one are dropped too.
_UNSAFE_VALUE = re.compile(r"javascript:|data:|url\((?!['\"]?#)|\\")
_LENGTH = re.compile(r"^\s*(\d+(?:\.\d+)?|\.\d+)\s*(?:px)?\s*$")


@dataclass(frozen=True)
class Logo:
    """A checked logo, ready to store."""

    content: bytes
    extension: str
    width: int
    height: int

    def as_file(self) -> ContentFile:
        # A new name for every upload: caches may keep the old file under its own.
        return ContentFile(self.content, name=f"logo-{uuid.uuid4().hex[:12]}.{self.extension}")


def read_logo(file) -> Logo:
    """The clean logo of an upload (SVG or PNG), or a ValidationError saying what is wrong."""
    file.seek(0)
    data = file.read(LOGO_MAX_BYTES + 1)
    file.seek(0)
    if len(data) > LOGO_MAX_BYTES:
        raise ValidationError(
            _("The logo file is too large. The limit is %(limit)s."),
            code="file_too_large",
            params={"limit": filesizeformat(LOGO_MAX_BYTES)},
        )
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return _read_png(data)
    return _read_svg(data)


def validate_logo(file) -> None:
    """Field validator: the upload is a logo `read_logo` accepts."""
    if not getattr(file, "_committed", False):  # a stored logo was checked when uploaded
        read_logo(file)


def _read_png(data: bytes) -> Logo:
    broken = ValidationError(
        _("The PNG file is damaged or incomplete. Please export it again."), code="invalid_png"
    )
    try:
        # Pillow warns above its pixel limit and raises above twice that: both refusals.
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(BytesIO(data)) as image:
                width, height = image.size
                if image.format != "PNG":
                    raise broken
                if width > LOGO_MAX_SIDE or height > LOGO_MAX_SIDE:
                    raise ValidationError(
                        _(
                            "The logo is too large (%(width)s × %(height)s pixels). "
                            "The limit is %(limit)s × %(limit)s pixels."
                        ),
                        code="too_many_pixels",
                        params={"width": width, "height": height, "limit": LOGO_MAX_SIDE},
                    )
                image.verify()
            # verify() leaves the image unusable; decoding it catches truncated data too.
            with Image.open(BytesIO(data)) as image:
                image.load()
                out = BytesIO()
                image.save(out, "PNG", optimize=True)  # without the upload's metadata
    except (
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
    ) as exc:
        raise broken from exc
    return Logo(out.getvalue(), "png", width, height)


def _read_svg(data: bytes) -> Logo:
    not_a_logo = ValidationError(
        _("Please upload the logo as an SVG or PNG file."), code="invalid_logo"
    )
    # No DTD and no entities (no "billion laughs", no reading of local files), no network.
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        remove_comments=True,
        remove_pis=True,
    )
    try:
        root = etree.fromstring(data, parser)
    except (etree.XMLSyntaxError, ValueError) as exc:
        raise not_a_logo from exc
    if root.getroottree().docinfo.doctype:
        raise ValidationError(
            _(
                "The SVG file contains a document type declaration (DOCTYPE), which is not "
                "allowed. Please export it as plain SVG."
            ),
            code="svg_doctype",
        )
    if root.tag != f"{{{SVG_NS}}}svg":
        raise not_a_logo

    clean = etree.Element(root.tag, nsmap={None: SVG_NS, "xlink": XLINK_NS})
    _copy_attributes(root, clean)
    _copy_children(root, clean)
    size = _svg_size(clean)
    if size is None:
        raise ValidationError(
            _(
                "The SVG needs a viewBox or a width and height in pixels, so that its "
                "proportions are known."
            ),
            code="svg_size",
        )
    if not any(etree.QName(element).localname in SHAPES for element in clean.iter()):
        raise ValidationError(_("The SVG file shows nothing."), code="svg_empty")
    content = etree.tostring(clean, xml_declaration=True, encoding="UTF-8")
    return Logo(content, "svg", *size)


def _copy_children(source, target) -> None:
    for child in source:
        # Comments, processing instructions and entity references are not elements.
        if not isinstance(child.tag, str):
            continue
        name = etree.QName(child)
        if name.namespace != SVG_NS or name.localname not in SVG_ELEMENTS:
            continue
        copy = etree.SubElement(target, child.tag)
        _copy_attributes(child, copy)
        if name.localname == "use" and not copy.get("href", copy.get(f"{{{XLINK_NS}}}href")):
            target.remove(copy)  # a reference to another file
            continue
        copy.text, copy.tail = child.text, child.tail
        _copy_children(child, copy)


def _copy_attributes(source, target) -> None:
    attributes = dict(source.attrib)
    attributes.update(_declarations(attributes.pop("style", "")))
    for name, value in attributes.items():
        if name not in SVG_ATTRIBUTES:
            continue
        compact = re.sub(r"[\s\x00-\x1f]", "", value).lower()
        if _UNSAFE_VALUE.search(compact):
            continue
        if name in ("href", f"{{{XLINK_NS}}}href") and not compact.startswith("#"):
            continue
        target.set(name, value)


def _declarations(style: str) -> dict[str, str]:
    """`style="fill:#c00;stroke:none"` as presentation attributes (which it overrides):
    editors such as Inkscape write their colours there."""
    found = {}
    for declaration in style.split(";"):
        name, _colon, value = declaration.partition(":")
        name, value = name.strip().lower(), value.replace("!important", "").strip()
        if name in PRESENTATION and value:
            found[name] = value
    return found


def _svg_size(svg) -> tuple[int, int] | None:
    """The logo's size in CSS pixels, for the page's width and height attributes."""
    parts = re.split(r"[\s,]+", svg.get("viewBox", "").strip())
    if len(parts) == 4:
        try:
            width, height = float(parts[2]), float(parts[3])
        except ValueError:
            width = height = 0
        if width > 0 and height > 0:
            return max(1, round(width)), max(1, round(height))
    width, height = (_LENGTH.match(svg.get(name, "")) for name in ("width", "height"))
    if width and height and float(width[1]) > 0 and float(height[1]) > 0:
        return max(1, round(float(width[1]))), max(1, round(float(height[1])))
    return None
