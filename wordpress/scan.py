"""Pass 1 of the import: the whole export read once, before anything is written.

A refused file (broken, not WXR, hostile) raises wxr.WXRError here. What the writing pass
needs is kept, small: the site, its authors and terms, its attachments, and per post or page
its id, address, name and main category (to plan slugs and rewrite links between posts,
whichever comes first in the file). Item texts are not kept: pass 2 reads them again.
"""

import gzip
import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from django.utils.html import strip_tags
from django.utils.translation import gettext as _

from . import media, wxr
from .report import Progress, Report

# WordPress statuses that are not imported at all.
SKIPPED_STATUSES = {"trash", "auto-draft", "inherit"}
# Where posts without any category go.
FALLBACK_CATEGORY = ("allgemein", "Allgemein")


def open_export(path: Path):
    """(raw file, stream to parse): .gz files are unpacked as they are read."""
    raw = open(path, "rb")
    return raw, (gzip.GzipFile(fileobj=raw) if path.suffix == ".gz" else raw)


@dataclass(slots=True)
class Attachment:
    """An image attachment as the scan keeps it (its metadata read, the rest dropped)."""

    post_id: int
    title: str
    alt_text: str
    caption: str
    credit: str
    attached: str  # its path below uploads/, "2026/05/x.jpg"
    url: str
    link: str  # its attachment page
    parent: int
    guid: str


@dataclass(slots=True)
class Entry:
    """A post or page as the scan keeps it: enough to plan its address and rewrite links."""

    type: str
    link: str
    post_name: str
    title: str
    category: str  # nicename of its main category ("" for pages)
    parent: int = 0
    new_url: str = ""
    slug: str = ""


class Index:
    def __init__(self, report: Report):
        self.report = report
        self.channel: wxr.Channel | None = None
        self.authors: dict[str, wxr.Author] = {}  # login -> author
        self.categories: dict[str, wxr.Term] = {}  # nicename -> term
        self.category_ids: dict[int, str] = {}  # term id -> nicename
        self.used_categories: set[str] = set()
        self.tags: dict[str, str] = {}  # slug -> name
        self.attachments: dict[int, Attachment] = {}
        self.image_by_file: dict[str, int] = {}  # "2026/05/x.jpg" -> attachment id
        self.entries: dict[int, Entry] = {}

    @classmethod
    def read(cls, path: Path, *, report: Report, stream) -> "Index":
        index = cls(report)
        raw, source = open_export(path)
        progress = Progress(stream, _("Checking the export"), os.path.getsize(path), "B")
        position = 0
        try:
            for node in wxr.read(source):
                now = raw.tell()
                progress.update(now - position)
                position = now
                index.add(node)
        finally:
            progress.close()
            raw.close()
        if index.channel is None:
            raise wxr.WXRError(_("The file is not a WordPress export (WXR)."))
        index.drop_empty_categories()
        return index

    def add(self, node) -> None:
        if isinstance(node, wxr.Channel):
            self.channel = node
        elif isinstance(node, wxr.Author):
            self.authors[node.login] = node
        elif isinstance(node, wxr.Term):
            if node.taxonomy == "category":
                self.categories[node.slug] = node
                if node.id is not None:
                    self.category_ids[node.id] = node.slug
            elif node.taxonomy == "post_tag":
                self.tags[node.slug] = node.name
            else:
                self.report.left_out[node.taxonomy] += 1
        elif isinstance(node, wxr.Item):
            self.add_item(node)

    def add_item(self, item: wxr.Item) -> None:
        if item.comment_count:
            self.report.left_out[_("comments")] += item.comment_count
        if item.post_type == "attachment":
            attached = item.meta.get("_wp_attached_file", "")
            if not media.is_image(attached or urlsplit(item.attachment_url).path):
                self.report.left_out[_("files other than images")] += 1
                return
            meta = wxr.attachment_metadata(item)
            self.attachments[item.post_id] = Attachment(
                post_id=item.post_id,
                title=(item.title or Path(attached).stem)[:200],
                alt_text=item.meta.get("_wp_attachment_image_alt", "").strip()[:250],
                caption=strip_tags(item.excerpt).strip()[:300],
                credit=(meta["credit"] or meta["copyright"]).strip()[:120],
                attached=attached,
                url=item.attachment_url,
                link=item.link,
                parent=item.post_parent,
                guid=item.guid,
            )
            if attached:
                self.image_by_file[attached] = item.post_id
            return
        if item.post_type not in ("post", "page") or item.status in SKIPPED_STATUSES:
            what = item.post_type if item.post_type not in ("post", "page") else item.status
            self.report.left_out[what] += 1
            return
        for nicename, name in item.categories:
            # An export of part of a site lists only the categories its posts use in them.
            self.categories.setdefault(nicename, wxr.Term(None, "category", nicename, name, "", ""))
            self.used_categories.add(nicename)
        for slug, name in item.tags:
            self.tags.setdefault(slug, name)
        self.entries[item.post_id] = Entry(
            type=item.post_type,
            link=item.link,
            post_name=item.post_name,
            title=item.title[:200],
            category=self.main_category(item) if item.post_type == "post" else "",
            parent=item.post_parent,
        )

    def main_category(self, item: wxr.Item) -> str:
        """Yoast's primary category where set, else the first."""
        primary = item.meta.get("_yoast_wpseo_primary_category", "")
        if primary.isdigit() and int(primary) in self.category_ids:
            return self.category_ids[int(primary)]
        return item.categories[0][0] if item.categories else ""

    def drop_empty_categories(self) -> None:
        """A category with no post in it or below it (WordPress's unused "Uncategorized")
        would only be an empty page in the menu."""
        keep = set()
        for nicename in self.used_categories:
            while nicename and nicename in self.categories and nicename not in keep:
                keep.add(nicename)
                nicename = self.categories[nicename].parent_slug
        empty = [n for n in self.categories if n not in keep]
        for nicename in empty:
            del self.categories[nicename]
        if empty:
            self.report.left_out[_("empty categories")] += len(empty)
