"""A streaming reader for WordPress export files (WXR: RSS 2.0 with WordPress namespaces).

Exports of large sites run to gigabytes, so the file is never held in memory: `read()` walks
it with `defusedxml.ElementTree.iterparse` ("start" and "end" events) and turns each finished
top-level element of the channel (`wp:author`, `wp:category`, `wp:tag`, `wp:term`, `item`)
into a small dataclass. The element is then cleared and removed from the channel, so memory
stays flat however many items follow. The site itself (`Channel`) comes first, as soon as
the first author, term or item starts.

Namespaces are matched by kind, not by their literal URI: WXR 1.0, 1.1 and 1.2 (over http
or https) read the same, whatever prefixes the file uses.

Refusals are `WXRError`s with a translatable message and, where known, line and column:
broken XML (also a truncated file), a file that is not a WXR export (root not `<rss>`, no
`<channel>`, no valid `<wp:wxr_version>`), any DOCTYPE (so no entity is ever expanded:
XXE and "billion laughs" files are refused, never resolved), a `.gz` file that is not
gzip, and an item without a valid `<wp:post_id>`. Some of them can only be seen late in the
file; a caller that must not write anything from a refused file iterates it once first.
"""

import gzip
import re
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from functools import lru_cache
from os import PathLike
from pathlib import Path
from typing import IO, Any
from xml.etree.ElementTree import Element, TreeBuilder
from xml.parsers import expat

import phpserialize
from defusedxml import DefusedXmlException, DTDForbidden
from defusedxml.ElementTree import DefusedXMLParser, ParseError, iterparse
from django.utils.translation import gettext

WP, EXCERPT, CONTENT, DC = "wp", "excerpt", "content", "dc"  # namespace kinds
_NAMESPACES = [
    (re.compile(r"https?://wordpress\.org/export/1\.\d+/"), WP),
    (re.compile(r"https?://wordpress\.org/export/1\.\d+/excerpt/"), EXCERPT),
    (re.compile(r"https?://purl\.org/rss/1\.0/modules/content/"), CONTENT),
    (re.compile(r"https?://purl\.org/dc/elements/1\.1/"), DC),
]
_TERMS = {(WP, "category"), (WP, "tag"), (WP, "term")}
_ENTRIES = _TERMS | {(WP, "author"), ("", "item")}  # the Channel is emitted before these
_SITE = {("", "title"), ("", "link"), ("", "language")} | {
    (WP, local) for local in ("base_site_url", "base_blog_url", "wxr_version")
}
_GZIP_MAGIC = b"\x1f\x8b"


class WXRError(Exception):
    """The file is refused whole. .line and .column (1-based, may be None) locate the
    problem; str(error) is the (translated) message."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None):
        super().__init__(message)
        self.line = line
        self.column = column


@dataclass
class Channel:
    title: str
    link: str
    base_site_url: str
    base_blog_url: str
    wxr_version: str
    language: str


@dataclass
class Author:
    id: int | None
    login: str
    email: str
    display_name: str
    first_name: str
    last_name: str
    description: str


@dataclass
class Term:
    id: int | None
    taxonomy: str  # "category", "post_tag" or another taxonomy (e.g. "nav_menu")
    slug: str
    name: str
    parent_slug: str
    description: str


@dataclass
class Item:
    post_id: int
    post_type: str
    status: str
    title: str
    link: str
    guid: str
    creator: str  # dc:creator, the author's login
    content: str
    excerpt: str
    post_name: str
    post_parent: int
    menu_order: int
    password: str
    is_sticky: bool
    date_gmt: datetime | None  # aware, UTC
    date_local: datetime | None  # naive: the site's local time
    modified_gmt: datetime | None
    modified_local: datetime | None
    categories: list[tuple[str, str]]  # (nicename, name)
    tags: list[tuple[str, str]]  # (nicename, name)
    meta: dict[str, str]
    attachment_url: str
    comment_count: int


@lru_cache(maxsize=512)
def _name(tag: str) -> tuple[str, str]:
    """'{uri}local' -> (namespace kind, local name); kind "" without namespace, "?" for
    namespaces that are not WordPress', RSS content or Dublin Core."""
    if not tag.startswith("{"):
        return "", tag
    uri, local = tag[1:].split("}", 1)
    return next((kind for pattern, kind in _NAMESPACES if pattern.fullmatch(uri)), "?"), local


def _int(text: str | None) -> int | None:
    text = (text or "").strip()
    return int(text) if re.fullmatch(r"[+-]?\d{1,18}", text) else None


def _date(text: str, tz: tzinfo | None = None) -> datetime | None:
    """'YYYY-MM-DD HH:MM:SS'; '0000-00-00 00:00:00', empty or malformed give None."""
    try:
        return datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=tz)
    except ValueError:
        return None


def _fields(elem: Element, strip: bool = True) -> dict[str, str]:
    """The texts of the wp: children of `elem` by local name (authors, terms, postmeta)."""
    fields = {}
    for child in elem:
        kind, local = _name(child.tag)
        if kind == WP:
            fields[local] = (child.text or "").strip() if strip else child.text or ""
    return fields


class _Builder(TreeBuilder):
    """Notes where the elements of the top three levels start: expat knows the position only
    while it reports the start tag, iterparse hands the element over later."""

    def __init__(self) -> None:
        super().__init__()
        self.expat: Any = None  # set once the parser exists
        self.depth = 0
        self.positions: dict[Element, tuple[int, int]] = {}  # popped at the element's end

    def start(self, tag: str, attrs: dict[str, str]) -> Element:
        elem = super().start(tag, attrs)
        self.depth += 1
        if self.depth <= 3:
            expat_parser = self.expat
            position = expat_parser.CurrentLineNumber, expat_parser.CurrentColumnNumber + 1
            self.positions[elem] = position
        return elem

    def end(self, tag: str) -> Element:
        self.depth -= 1
        return super().end(tag)


def read(source: str | PathLike | IO[bytes]) -> Iterator[Channel | Author | Term | Item]:
    """source: a path (str/Path; '.gz' files are opened with gzip) or a binary file object
    (gzip data is also recognised by its first two bytes)."""
    reader = _Reader()
    try:
        with _open(source) as stream:
            yield from reader.events(stream)
    except ParseError as error:
        line, column = error.position[0], error.position[1] + 1
        reason = expat.ErrorString(error.code) if getattr(error, "code", None) else error
        message = gettext(
            "The file is not valid XML (line %(line)s, column %(column)s): %(reason)s"
        )
        values = {"line": line, "column": column, "reason": reason}
        raise WXRError(message % values, line, column) from error
    except DefusedXmlException as error:  # with forbid_dtd, always at the DOCTYPE
        line = reader.parser.parser.CurrentLineNumber
        column = reader.parser.parser.CurrentColumnNumber + 1
        name = (error.name or "") if isinstance(error, DTDForbidden) else "rss"
        message = gettext(
            "The file contains a document type declaration (DTD) or entity declarations "
            "(line %(line)s, column %(column)s). WordPress exports never do; the file is "
            "refused for security reasons."
        )
        if name.lower() != "rss":  # e.g. <!DOCTYPE html>
            message = gettext("The file is not a WordPress export (WXR) but a “%(name)s” document.")
        values = {"line": line, "column": column, "name": name}
        raise WXRError(message % values, line, column) from error
    except (gzip.BadGzipFile, EOFError, zlib.error) as error:
        message = gettext("The file is not a valid gzip archive: %(reason)s")
        raise WXRError(message % {"reason": error}) from error


@contextmanager
def _open(source: str | PathLike | IO[bytes]) -> Iterator[IO[bytes]]:
    if isinstance(source, str | PathLike):
        with open(source, "rb") as raw:
            if Path(source).suffix.lower() == ".gz" or raw.peek(2)[:2] == _GZIP_MAGIC:
                with gzip.GzipFile(fileobj=raw, mode="rb") as unpacked:
                    yield unpacked
            else:
                yield raw
        return
    head = b""
    if hasattr(source, "peek"):
        head = source.peek(2)[:2]
    elif source.seekable():
        position = source.tell()
        head = source.read(2)
        source.seek(position)
    if head == _GZIP_MAGIC:
        with gzip.GzipFile(fileobj=source, mode="rb") as unpacked:  # leaves `source` open
            yield unpacked
    else:
        yield source


class _Reader:
    def __init__(self) -> None:
        self.builder = _Builder()
        self.parser = DefusedXMLParser(target=self.builder, forbid_dtd=True)
        self.builder.expat = self.parser.parser
        self.channel: Element | None = None
        self.site = dict.fromkeys(Channel.__dataclass_fields__, "")
        self.site_emitted = False
        self.terms_seen: set[tuple[str, str]] = set()

    def events(self, stream: IO[bytes]) -> Iterator[Channel | Author | Term | Item]:
        stack: list[Element] = []  # the open elements, root first
        for event, elem in iterparse(stream, events=("start", "end"), parser=self.parser):
            if event == "start":
                stack.append(elem)
                yield from self.started(elem, stack)
                continue
            stack.pop()
            depth = len(stack) + 1
            position = self.builder.positions.pop(elem, (None, None))
            if depth == 3 and stack[-1] is self.channel:
                yield from self.ended(elem, position)
            elif depth == 2 and elem is self.channel:
                yield from self.emit_site()  # an export without authors, terms and items
            elif depth == 1 and self.channel is None:
                raise WXRError(
                    gettext("The file is not a WordPress export (WXR): it has no <channel>.")
                )
            if depth in (2, 3):  # done with it: memory stays flat
                elem.clear()
                stack[-1].remove(elem)

    def started(self, elem: Element, stack: list[Element]) -> Iterator[Channel]:
        name, depth = _name(elem.tag), len(stack)
        if depth == 1 and name != ("", "rss"):
            line, column = self.builder.positions.get(elem, (None, None))
            message = gettext(
                "The file is not a WordPress export (WXR): its root element is <%(tag)s>, "
                "not <rss>."
            )
            raise WXRError(message % {"tag": name[1]}, line, column)
        if depth == 2 and name == ("", "channel") and self.channel is None:
            self.channel = elem
        if depth == 3 and name in _ENTRIES and stack[-2] is self.channel:
            yield from self.emit_site()

    def emit_site(self) -> Iterator[Channel]:
        if self.site_emitted:
            return
        if not re.fullmatch(r"\d+\.\d+", self.site["wxr_version"]):
            raise WXRError(
                gettext(
                    "The file is not a WordPress export (WXR): <wp:wxr_version> is missing "
                    "or invalid."
                )
            )
        self.site_emitted = True
        yield Channel(**self.site)

    def ended(self, elem: Element, position: tuple) -> Iterator[Author | Term | Item]:
        name = _name(elem.tag)
        if name in _SITE:
            self.site[name[1]] = (elem.text or "").strip()
        elif name == (WP, "author"):
            f = _fields(elem)
            yield Author(
                id=_int(f.get("author_id")),
                login=f.get("author_login", ""),
                email=f.get("author_email", ""),
                display_name=f.get("author_display_name", ""),
                first_name=f.get("author_first_name", ""),
                last_name=f.get("author_last_name", ""),
                description=f.get("author_description", ""),
            )
        elif name in _TERMS:
            term = _term(name[1], _fields(elem))
            if term.slug and (term.taxonomy, term.slug) not in self.terms_seen:
                self.terms_seen.add((term.taxonomy, term.slug))
                yield term
        elif name == ("", "item"):
            yield _item(elem, position)


def _term(local: str, f: dict[str, str]) -> Term:
    """<wp:category>, <wp:tag> or <wp:term>. Newer exports repeat every category and tag as
    a <wp:term>: the reader emits only the first of each (taxonomy, slug)."""
    taxonomy, slug, name, parent = {
        "category": ("category", "category_nicename", "cat_name", "category_parent"),
        "tag": ("post_tag", "tag_slug", "tag_name", ""),
    }.get(local, (f.get("term_taxonomy", ""), "term_slug", "term_name", "term_parent"))
    return Term(
        id=_int(f.get("term_id")),
        taxonomy=taxonomy,
        slug=f.get(slug, ""),
        name=f.get(name, ""),
        parent_slug=f.get(parent, ""),
        description=f.get(f"{local}_description", ""),
    )


def _item(elem: Element, position: tuple) -> Item:
    texts: dict[tuple[str, str], str] = {}
    categories: list[tuple[str, str]] = []
    tags: list[tuple[str, str]] = []
    meta: dict[str, str] = {}
    comments = 0
    for child in elem:
        name = _name(child.tag)
        if name == ("", "category"):
            domain, nicename = child.get("domain", ""), child.get("nicename", "").strip()
            pair = (nicename, (child.text or "").strip())
            if nicename and domain == "category":
                categories.append(pair)
            elif nicename and domain in ("post_tag", "tag"):  # "tag": WXR 1.0
                tags.append(pair)
        elif name == (WP, "postmeta"):
            f = _fields(child, strip=False)
            if key := f.get("meta_key", "").strip():
                meta[key] = f.get("meta_value", "")
        elif name == (WP, "comment"):
            comments += 1
        else:
            texts[name] = child.text or ""

    def text(kind: str, local: str) -> str:  # short fields: stripped
        return texts.get((kind, local), "").strip()

    post_id = _int(text(WP, "post_id"))
    if post_id is None:
        line, column = position
        message = gettext("The item at line %(line)s, column %(column)s has no valid <wp:post_id>.")
        raise WXRError(message % {"line": line, "column": column}, line, column)
    return Item(
        post_id=post_id,
        post_type=text(WP, "post_type"),
        status=text(WP, "status"),
        title=text("", "title"),
        link=text("", "link"),
        guid=text("", "guid"),
        creator=text(DC, "creator"),
        content=texts.get((CONTENT, "encoded"), ""),
        excerpt=texts.get((EXCERPT, "encoded"), ""),
        post_name=text(WP, "post_name"),
        post_parent=_int(text(WP, "post_parent")) or 0,
        menu_order=_int(text(WP, "menu_order")) or 0,
        password=texts.get((WP, "post_password"), ""),
        is_sticky=text(WP, "is_sticky") == "1",
        date_gmt=_date(text(WP, "post_date_gmt"), UTC),
        date_local=_date(text(WP, "post_date")),
        modified_gmt=_date(text(WP, "post_modified_gmt"), UTC),
        modified_local=_date(text(WP, "post_modified")),
        categories=categories,
        tags=tags,
        meta=meta,
        attachment_url=text(WP, "attachment_url"),
        comment_count=comments,
    )


def attachment_metadata(item: Item) -> dict[str, Any]:
    """The PHP-serialized `_wp_attachment_metadata` of an attachment: size, file, the names
    of the resized copies and the image's credit, copyright, caption and title. Broken or
    missing data gives the same keys with empty values, never an exception."""
    result: dict[str, Any] = dict.fromkeys(("width", "height"))
    result |= dict.fromkeys(("file", "credit", "copyright", "caption", "title"), "")
    result["sizes"] = []
    try:
        raw = item.meta.get("_wp_attachment_metadata", "").encode()
        data = phpserialize.loads(raw, decode_strings=True)
    except Exception:  # ValueError and worse on garbage
        return result
    if not isinstance(data, dict):
        return result
    for key in ("width", "height"):
        value = data.get(key)
        result[key] = _int(str(value)) if isinstance(value, int | str) else None
    result["file"] = _str(data.get("file"))
    sizes = data.get("sizes")
    if isinstance(sizes, dict):
        copies = [size.get("file") for size in sizes.values() if isinstance(size, dict)]
        result["sizes"] = [_str(name) for name in copies if _str(name)]
    image_meta = data.get("image_meta")
    if isinstance(image_meta, dict):
        for key in ("credit", "copyright", "caption", "title"):
            result[key] = _str(image_meta.get(key))
    return result


def _str(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""
