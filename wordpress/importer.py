"""Bring a WordPress site over: its authors, categories, tags, images, posts and pages, and
a redirect for every old address.

Two passes over the export (wxr.read streams it; nothing is held but a small index):
1. `scan` reads the whole file once. A broken or hostile file is refused here, before
   anything is written. What later steps need is kept: authors, terms, attachments, and
   per post or page its id, address, name and category (for slugs and link rewriting).
2. `run` writes: authors, categories and tags, the images (files read or downloaded in a
   pool of threads), then posts and pages in batches (bulk writes, so no per-row signals),
   the redirects, and finally one cache invalidation, as `generate_content` does.

Each WordPress object is remembered as an ImportedItem with a hash of what WordPress had
and of what was written here. A second run skips what is unchanged in WordPress, updates
what changed there, and leaves alone what an editor has changed here since (reported).
`dry_run` does all of it inside a transaction that is rolled back, and writes no file.
"""

import hashlib
import json
import sys
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple
from urllib.parse import unquote, urlsplit

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from articles.models import (
    Article,
    ArticleTextImage,
    Author,
    Category,
    Tag,
    TaggedArticle,
    is_reserved_top_level_slug,
)
from images.models import Image
from images.text import text_image_names
from newsroom import caching
from newsroom.models import IMPRINT_SLUG, Page
from newsroom.sanitize import sanitize_html
from newsroom.text import slugify_de
from redirects.models import Redirect, lookup_keys, old_path_from_url

from . import content, media, wxr
from .models import ImportedItem
from .report import Progress, Report
from .scan import FALLBACK_CATEGORY, Attachment, Entry, Index, open_export

Kind = ImportedItem.Kind
BATCH = 500
# WordPress's statuses here: private and password-protected posts never reach readers.
STATUS = {
    "publish": Article.Status.PUBLISHED,
    "future": Article.Status.PUBLISHED,  # with its future date: scheduled
    "draft": Article.Status.DRAFT,
    "pending": Article.Status.REVIEW,
    "private": Article.Status.DRAFT,
}
FEEDS = {"/feed/atom/": "feed", "/feed/rss2/": "feed-rss", "/feed/rss/": "feed-rss",
         "/rss/": "feed-rss", "/comments/feed/": "feed"}  # fmt: skip
NAVIGATION_DEPTH = 2  # main categories and their subcategories are in the menu
POST_FIELDS = ["title", "slug", "lead", "body", "category_id", "status", "published_at",
               "lead_image_id"]  # fmt: skip
FILE_MISSING = {"lead_image_file", "text_images"}


class Known(NamedTuple):
    """What is known of an earlier import's item (ImportedItem, as read)."""

    pk: int | None
    object_id: int
    source_hash: str
    written_hash: str
    missing: tuple


def digest(values) -> str:
    return hashlib.sha256(json.dumps(values, sort_keys=True, default=str).encode()).hexdigest()


class Importer:
    def __init__(
        self,
        path: str | Path,
        *,
        uploads: str | Path | None = None,
        dry_run: bool = False,
        stream=None,
    ):
        self.path = Path(path)
        self.uploads = Path(uploads).resolve() if uploads else None
        self.dry_run = dry_run
        self.stream = stream or sys.stderr
        self.report = Report(dry_run=dry_run)
        # Filled while writing: WordPress's keys -> objects here.
        self.author_for: dict[str, Author] = {}
        self.category_for: dict[str, Category] = {}
        self.tag_for: dict[str, Tag] = {}
        self.image_for: dict[int, Image] = {}
        self.links: dict[str, str] = {}  # old address key -> new address
        self.records: dict[tuple[str, int], Known] = {}
        self.dirty: list[ImportedItem] = []  # remembered, not yet saved
        self.index: Index | None = None  # pass 1's, set by run()

    # --- Pass 2: write ---------------------------------------------------------------

    def run(self) -> Report:
        started = time.monotonic()
        self.index = Index.read(self.path, report=self.report, stream=self.stream)
        self.site = self._site_key()
        self.hosts = self._site_hosts()
        known = ImportedItem.objects.filter(site=self.site).values_list(
            "kind", "wp_id", *Known._fields
        )
        self.records = {(kind, wp_id): Known(*rest) for kind, wp_id, *rest in known.iterator()}
        # One transaction: a failure leaves nothing half imported, and every cache change
        # (the bulk writes' and the few signals') is flushed once, at the commit.
        with transaction.atomic():
            self._write()
            if self.dry_run:
                transaction.set_rollback(True)
        self.report.seconds = time.monotonic() - started
        return self.report

    def _write(self) -> None:
        self.import_authors()
        self.import_categories()
        self.import_tags()
        self.import_images()
        self.plan_addresses()
        self.import_items()
        self.import_redirects()
        # Bulk writes send no signals: every page may show what came in.
        caching.invalidate(caching.ALL, caching.LIST)

    def _site_key(self) -> str:
        url = (
            self.index.channel.base_site_url
            or self.index.channel.link
            or self.index.channel.base_blog_url
        )
        parts = urlsplit(url)
        return (parts.netloc + parts.path).rstrip("/")[:200] or "wordpress"

    def _site_hosts(self) -> set[str]:
        hosts = set()
        for url in (
            self.index.channel.base_site_url,
            self.index.channel.base_blog_url,
            self.index.channel.link,
        ):
            host = urlsplit(url or "").netloc.lower()
            if host:
                hosts |= {host, host.removeprefix("www."), "www." + host.removeprefix("www.")}
        return hosts

    def _record(self, kind: str, wp_id: int) -> "Known | None":
        return self.records.get((kind, wp_id))

    def _remember(self, kind, wp_id, obj_id, source, written, *, missing=(), guid="") -> None:
        known = self.records.get((kind, wp_id))
        self.dirty.append(
            ImportedItem(
                pk=known.pk if known else None, site=self.site, kind=kind, wp_id=wp_id,
                object_id=obj_id, guid=guid[:500], source_hash=digest(source),
                written_hash=digest(written), missing=list(missing),
                imported_at=timezone.now(),  # bulk_update() does not stamp auto_now
            )
        )  # fmt: skip

    def _save_records(self, kinds: Iterable[str]) -> None:
        saved = [r for r in self.dirty if r.kind in kinds]
        ImportedItem.objects.bulk_create([r for r in saved if r.pk is None], batch_size=BATCH)
        ImportedItem.objects.bulk_update(
            [r for r in saved if r.pk is not None],
            ["object_id", "guid", "source_hash", "written_hash", "missing", "imported_at"],
            batch_size=BATCH,
        )
        self.dirty = [r for r in self.dirty if r.kind not in kinds]
        for r in saved:  # what later steps need: a 100,000-post archive is held in memory
            self.records[r.kind, r.wp_id] = Known(r.pk, r.object_id, "", "", tuple(r.missing))

    # Authors ---------------------------------------------------------------------------

    def import_authors(self) -> None:
        existing = {a.pk: a for a in Author.objects.filter(pk__in=self._ids(Kind.AUTHOR))}
        by_slug = {a.slug: a for a in Author.objects.all()}
        for author in self.index.authors.values():
            name = (
                author.display_name
                or f"{author.first_name} {author.last_name}".strip()
                or author.login
            )[:100]
            source = [name, author.description]
            record = self._record(Kind.AUTHOR, author.id or 0)
            current = existing.get(record.object_id) if record else None
            if current is not None:
                self.author_for[author.login] = current
                if record.source_hash == digest(source):
                    self.report.count(Kind.AUTHOR, "unchanged")
                    continue
                if digest([current.name, current.bio]) != record.written_hash:
                    self.report.count(Kind.AUTHOR, "edited")
                    continue
                current.name, current.bio = name, author.description
                current.save()
                self.report.count(Kind.AUTHOR, "updated")
            else:
                slug = (slugify_de(name) or slugify_de(author.login) or "autor")[:100]
                current = by_slug.get(slug)
                if current is None:
                    current = Author.objects.create(name=name, slug=slug, bio=author.description)
                    by_slug[slug] = current
                    self.report.count(Kind.AUTHOR, "created")
                else:  # the same person's profile, made by hand before the import
                    self.report.count(Kind.AUTHOR, "reused")
                self.author_for[author.login] = current
            self._remember(Kind.AUTHOR, author.id or 0, current.pk, source,
                           [current.name, current.bio])  # fmt: skip
        self._save_records([Kind.AUTHOR])

    def _ids(self, kind: str) -> list[int]:
        return [r.object_id for (k, _id), r in self.records.items() if k == kind]

    # Categories ------------------------------------------------------------------------

    def import_categories(self) -> None:
        terms = self.index.categories
        if any(not e.category for e in self.index.entries.values() if e.type == "post"):
            fallback = FALLBACK_CATEGORY
            terms.setdefault(fallback[0], wxr.Term(None, "category", fallback[0], fallback[1],
                                                   "", ""))  # fmt: skip

        def depth(nicename: str, seen=()) -> int:
            parent = terms[nicename].parent_slug
            if not parent or parent not in terms or parent in seen:
                return 1
            return 1 + depth(parent, (*seen, nicename))

        existing = {c.pk: c for c in Category.objects.all()}
        by_path = {c.path: c for c in existing.values()}
        taken_article_slugs = None
        for nicename in sorted(terms, key=depth):
            term = terms[nicename]
            parent = self.category_for.get(term.parent_slug) if term.parent_slug else None
            record = self._record(Kind.CATEGORY, term.id or _stable_id(nicename))
            current = existing.get(record.object_id) if record else None
            if current is None:
                slug = self._category_slug(term, parent)
                path = f"{parent.path}/{slug}" if parent else slug
                current = by_path.get(path)
                if current is None and parent is None:
                    if taken_article_slugs is None:
                        taken_article_slugs = set(Article.objects.values_list("slug", flat=True))
                    while is_reserved_top_level_slug(slug) or slug in taken_article_slugs:
                        slug = f"{slug}-rubrik"
                    path = slug
                    current = by_path.get(path)
                if current is None:
                    current = Category(name=term.name[:100], slug=slug, parent=parent,
                                       description=strip_tags(term.description))  # fmt: skip
                    current.save()
                    by_path[current.path] = current
                    self.report.count(Kind.CATEGORY, "created")
                else:
                    self.report.count(Kind.CATEGORY, "reused")
            else:
                self.report.count(Kind.CATEGORY, "unchanged")
            self.category_for[nicename] = current
            if depth(nicename) > NAVIGATION_DEPTH:
                self.report.deep_categories.append(str(current))
            self._remember(Kind.CATEGORY, term.id or _stable_id(nicename), current.pk,
                           [term.name], [current.path])  # fmt: skip
        self._save_records([Kind.CATEGORY])

    @staticmethod
    def _category_slug(term: wxr.Term, parent: Category | None) -> str:
        # WordPress needs site-wide unique slugs ("dorsten-sport" under "dorsten"); here a
        # slug is unique among its siblings, so the parent's prefix goes: /dorsten/sport/.
        slug = slugify_de(unquote(term.slug)) or slugify_de(term.name) or "rubrik"
        if parent and slug.startswith(parent.slug + "-") and len(slug) > len(parent.slug) + 1:
            slug = slug[len(parent.slug) + 1 :]
        return slug[:100]

    # Tags ------------------------------------------------------------------------------

    def import_tags(self) -> None:
        wanted = {
            slugify_de(unquote(s))[:90] or Tag().slugify(n): n for s, n in self.index.tags.items()
        }
        existing = {t.slug: t for t in Tag.objects.filter(slug__in=list(wanted))}
        by_name = {t.name.lower(): t for t in Tag.objects.filter(name__in=list(wanted.values()))}
        imported = set(self._ids(Kind.TAG))
        new = []
        for slug, name in wanted.items():
            tag = existing.get(slug) or by_name.get(name.lower())
            if tag is None:
                tag = Tag(name=name[:100], slug=slug)
                by_name[name.lower()] = tag
                new.append(tag)
                self.report.count(Kind.TAG, "created")
            else:
                self.report.count(Kind.TAG, "unchanged" if tag.pk in imported else "reused")
            self.tag_for[slug] = tag
        Tag.objects.bulk_create(new, batch_size=BATCH)
        for slug, tag in self.tag_for.items():
            self._remember(Kind.TAG, _stable_id(slug), tag.pk, [tag.name], [tag.name])
        self._save_records([Kind.TAG])
        self.tag_for = {
            original: self.tag_for[slugify_de(unquote(original))[:90] or Tag().slugify(name)]
            for original, name in self.index.tags.items()
        }

    # Images ----------------------------------------------------------------------------

    def import_images(self) -> None:
        existing = {i.pk: i for i in Image.objects.filter(pk__in=self._ids(Kind.ATTACHMENT))}
        todo, changed = [], []
        for wp_id, item in self.index.attachments.items():
            values = {
                name: getattr(item, name) for name in ("title", "alt_text", "caption", "credit")
            }
            record = self._record(Kind.ATTACHMENT, wp_id)
            current = existing.get(record.object_id) if record else None
            if current is None:
                todo.append((wp_id, item, values))
                continue
            self.image_for[wp_id] = current
            if record.source_hash == digest(values):
                self.report.count(Kind.ATTACHMENT, "unchanged")
            elif digest({k: getattr(current, k) for k in values}) != record.written_hash:
                self.report.count(Kind.ATTACHMENT, "edited")
            else:
                for key, value in values.items():
                    setattr(current, key, value)
                changed.append(current)
                self._remember(Kind.ATTACHMENT, wp_id, current.pk, values, values, guid=item.guid)
                self.report.count(Kind.ATTACHMENT, "updated")
        Image.objects.bulk_update(changed, ["title", "alt_text", "caption", "credit"])
        if todo:
            progress = Progress(self.stream, _("Images"), len(todo), _("images"))
            with ThreadPoolExecutor(media.WORKERS) as pool:
                for (wp_id, item, values), result in zip(
                    todo, pool.map(lambda t: self._store_file(t[1]), todo), strict=True
                ):
                    progress.update()
                    if isinstance(result, str):  # why it failed
                        self.report.count(Kind.ATTACHMENT, "failed")
                        self.report.refused_images.append(result)
                        continue
                    name, width, height = result
                    image = Image(file=name, width=width, height=height, **values)
                    image.save()
                    self.image_for[wp_id] = image
                    self._remember(Kind.ATTACHMENT, wp_id, image.pk, values, values,
                                   guid=item.guid)  # fmt: skip
                    self.report.count(Kind.ATTACHMENT, "created")
            progress.close()
        self._save_records([Kind.ATTACHMENT])

    def _store_file(self, item: Attachment) -> tuple[str, int, int] | str:
        """One attachment's file read or downloaded, checked and stored (in a worker
        thread): (stored name, width, height), or why not."""
        label = item.attached or item.url or str(item.post_id)
        try:
            return media.store(
                media.fetch(item.attached, item.url, self.uploads), dry_run=self.dry_run
            )
        except FileNotFoundError:
            self.report.missing_files.append(label)
            return _("%(file)s: not found") % {"file": label}
        except ValidationError as error:
            return f"{label}: {' '.join(error.messages)}"

    def _image_src(self, wp_id: int | None, src: str) -> str | None:
        if wp_id is None or wp_id not in self.image_for:
            wp_id = self._attachment_for_src(src)
        image = self.image_for.get(wp_id) if wp_id is not None else None
        return image.file.url if image is not None else None

    def _attachment_for_src(self, src: str) -> int | None:
        name = media.uploads_name(src)
        if name is None:
            return None
        by_file = self.index.image_by_file
        return by_file.get(name) or by_file.get(media.original_name(name))

    # Addresses -------------------------------------------------------------------------

    def plan_addresses(self) -> None:
        """Each post's slug and new address before any is written: links between posts
        are rewritten whichever comes first in the file."""
        imported = self._ids(Kind.POST)
        current = {
            pk: (slug, category_id)
            for pk, slug, category_id in Article.objects.filter(pk__in=imported).values_list(
                "pk", "slug", "category_id"
            )
        }  # fmt: skip
        categories = {c.pk: c for c in Category.objects.all()}
        taken = set(Article.objects.values_list("slug", flat=True))
        # As Article.clean(): no article shares a slug with a category.
        taken |= set(Category.objects.values_list("slug", flat=True))
        pages_taken = set(Page.objects.values_list("slug", flat=True))
        for wp_id, entry in self.index.entries.items():
            record = self._record(Kind.POST if entry.type == "post" else Kind.PAGE, wp_id)
            if entry.type == "page":
                if record:
                    page = Page.objects.filter(pk=record.object_id).first()
                    if page:
                        entry.slug = page.slug
                if not entry.slug:
                    entry.slug = self._free_slug(entry, pages_taken, limit=100)
                entry.new_url = reverse("newsroom:page", kwargs={"slug": entry.slug})
            else:
                category = self.category_for[entry.category or FALLBACK_CATEGORY[0]]
                if record and record.object_id in current:
                    entry.slug = current[record.object_id][0]
                    category = categories.get(current[record.object_id][1], category)
                else:
                    entry.slug = self._free_slug(entry, taken, limit=190)
                entry.new_url = reverse(
                    "articles:path", kwargs={"path": f"{category.path}/{entry.slug}"}
                )
            old = old_path_from_url(entry.link)
            if old != "/":  # a static front page: links to the home page stay
                self.links[old] = entry.new_url
            key = "p" if entry.type == "post" else "page_id"
            self.links[f"/?{key}={wp_id}"] = entry.new_url
        self.links["/"] = reverse("articles:home")
        for nicename, category in self.category_for.items():
            self.links[self._category_address(nicename)] = category.get_absolute_url()
        for slug, tag in self.tag_for.items():
            self.links[f"/tag/{unquote(slug)}/"] = tag.get_absolute_url()
        for login, author in self.author_for.items():
            self.links[f"/author/{_nicename(login)}/"] = author.get_absolute_url()
        for wp_id, item in self.index.attachments.items():
            if wp_id in self.image_for:
                url = self.image_for[wp_id].file.url
                self.links[old_path_from_url(item.url)] = url

    @staticmethod
    def _free_slug(entry: Entry, taken: set[str], *, limit: int) -> str:
        base = slugify_de(unquote(entry.post_name)) or slugify_de(entry.title)
        base = base[:limit].strip("-") or ("seite" if entry.type == "page" else "artikel")
        slug, number = base, 1
        while slug in taken or (entry.type == "page" and slug == IMPRINT_SLUG):
            number += 1
            slug = f"{base}-{number}"
        taken.add(slug)
        return slug

    def _category_address(self, nicename: str) -> str:
        parts, seen = [], set()
        while nicename and nicename in self.index.categories and nicename not in seen:
            seen.add(nicename)
            parts.append(unquote(nicename))
            nicename = self.index.categories[nicename].parent_slug
        return "/category/" + "/".join(reversed(parts)) + "/"

    def _link(self, href: str) -> str | None:
        """The new address of a link to the old site, or None (another site, or unknown)."""
        parts = urlsplit(href)
        if parts.scheme not in ("", "http", "https") or (
            parts.netloc and parts.netloc.lower() not in self.hosts
        ):
            return None
        if not parts.netloc and not parts.path.startswith("/") and not parts.query:
            return None  # relative to the post itself ("#anker", "datei.pdf")
        for key in lookup_keys(old_path_from_url(href)):  # with or without its trailing slash
            if key in self.links:
                fragment = f"#{parts.fragment}" if parts.fragment else ""
                return self.links[key] + fragment
        return None

    # Posts and pages -------------------------------------------------------------------

    def import_items(self) -> None:
        progress = Progress(
            self.stream, _("Articles and pages"), len(self.index.entries), _("items")
        )
        existing_ids = set(self._ids(Kind.POST))
        batch: list[tuple[wxr.Item, dict, ImportedItem | None]] = []
        raw, stream = open_export(self.path)
        try:
            for node in wxr.read(stream):
                if not isinstance(node, wxr.Item) or node.post_id not in self.index.entries:
                    continue
                progress.update()
                if node.post_type == "page":
                    self.import_page(node)
                    continue
                batch.append(node)
                if len(batch) >= BATCH:
                    self._write_posts(batch, existing_ids)
                    batch = []
            if batch:
                self._write_posts(batch, existing_ids)
        finally:
            raw.close()
            progress.close()
        self._save_records([Kind.PAGE])

    def _source(self, item: wxr.Item) -> dict:
        return {
            "title": item.title, "content": item.content, "excerpt": item.excerpt,
            "status": item.status, "password": bool(item.password), "date": item.date_gmt,
            "local": item.date_local, "name": item.post_name, "creator": item.creator,
            "categories": item.categories, "tags": item.tags,
            "thumbnail": item.meta.get("_thumbnail_id", ""),
        }  # fmt: skip

    def _body(self, html: str) -> tuple[str, list[str]]:
        converted = content.convert(html, image_url=self._image_src, link_url=self._link)
        report = self.report
        report.shortcodes.update(converted.shortcodes_removed)
        report.embeds += converted.embeds
        report.galleries += converted.galleries
        report.missing_files.extend(converted.missing_images)
        return sanitize_html(converted.html), converted.missing_images

    def _published_at(self, item: wxr.Item) -> datetime:
        if item.date_gmt is not None:
            return item.date_gmt
        if item.date_local is not None:
            return timezone.make_aware(item.date_local)
        return timezone.now()

    def _post_values(self, item: wxr.Item) -> tuple[dict, list[str]]:
        entry = self.index.entries[item.post_id]
        body, missing_images = self._body(item.content)
        missing = []
        title = item.title.strip()
        if not title:
            title = Truncator(strip_tags(body)).words(8, truncate="…") or _("Untitled")
            missing.append("title")
        lead = strip_tags(item.excerpt).strip() or Truncator(
            content.first_paragraph_text(body)
        ).words(50)
        if not lead:
            missing.append("lead")
        status = STATUS.get(item.status, Article.Status.DRAFT)
        if item.password or item.status == "private":
            status = Article.Status.DRAFT
            self.report.not_public.append(title)
        author = self.author_for.get(item.creator)
        if author is None:
            missing.append("authors")
        thumbnail = item.meta.get("_thumbnail_id", "")
        image = self.image_for.get(int(thumbnail)) if thumbnail.isdigit() else None
        if thumbnail.isdigit() and int(thumbnail) and image is None:
            missing.append("lead_image_file")
        if image is not None and not image.alt_text.strip():
            missing.append("lead_image_alt")
        if image is not None and not image.credit.strip():
            missing.append("lead_image_credit")
        if missing_images:
            missing.append("text_images")
        if len(item.categories) > 1:
            self.report.several_categories += 1
        if not entry.category:
            self.report.without_category += 1
        values = {
            "title": title[:200],
            "slug": entry.slug,
            "lead": lead,
            "body": body,
            "category_id": self.category_for[entry.category or FALLBACK_CATEGORY[0]].pk,
            "status": status,
            "published_at": self._published_at(item),
            "lead_image_id": image.pk if image else None,
            "authors": [author.pk] if author else [],
            "tags": sorted(self.tag_for[slug].name for slug, _name in item.tags),
        }
        return values, missing

    @staticmethod
    def _written(values: dict) -> dict:
        return {**values, "published_at": _utc(values["published_at"])}

    @staticmethod
    def _current(article: Article) -> dict:
        return {
            "title": article.title, "slug": article.slug, "lead": article.lead,
            "body": article.body, "category_id": article.category_id, "status": article.status,
            "published_at": _utc(article.published_at),
            "lead_image_id": article.lead_image_id,
            "authors": sorted(a.pk for a in article.authors.all()),
            "tags": sorted(t.name for t in article.tags.all()),
        }  # fmt: skip

    def _write_posts(self, items: list[wxr.Item], existing_ids: set[int]) -> None:
        records = {i.post_id: self._record(Kind.POST, i.post_id) for i in items}
        current = Article.objects.filter(
            pk__in=[r.object_id for r in records.values() if r and r.object_id in existing_ids]
        ).prefetch_related("authors", "tags")
        current = {a.pk: a for a in current}
        new, changed, relations = [], [], []
        for item in items:
            record = records[item.post_id]
            source = self._source(item)
            article = current.get(record.object_id) if record else None
            if article is not None:
                # A file missing last time may be there now (--uploads given this time).
                if record.source_hash == digest(source) and not FILE_MISSING & set(record.missing):
                    self.report.count(Kind.POST, "unchanged")
                    continue
                if digest(self._current(article)) != record.written_hash:
                    self.report.count(Kind.POST, "edited")
                    self.report.edited_here.append(article.title)
                    continue
            values, missing = self._post_values(item)
            fields = {name: values[name] for name in POST_FIELDS}
            if article is None:
                article = Article(**fields)
                new.append(article)
                self.report.count(Kind.POST, "created")
            else:
                for key, value in fields.items():
                    setattr(article, key, value)
                article.modified_at = timezone.now()  # bulk_update() does not stamp it
                changed.append(article)
                self.report.count(Kind.POST, "updated")
            if missing:
                self.report.incomplete += 1
                self.report.missing.update(missing)
            relations.append((item, article, values, missing, source))
        if not relations:
            return
        if _reserve_ids(new):
            # PostgreSQL computes an article's search document (with its tags' names) when
            # the row is written, and again for every tag row added after it: with the ids
            # known beforehand the tags go first (the keys are checked at the commit), and
            # each new article's document is computed once, not once per tag.
            self._write_relations(relations, [a.pk for a in changed])
            Article.objects.bulk_create(new)
        else:
            Article.objects.bulk_create(new)
            self._write_relations(relations, [a.pk for a in changed])
        Article.objects.bulk_update(changed, [*POST_FIELDS, "modified_at"])
        self._save_records([Kind.POST])
        for article in changed:
            caching.invalidate_object(f"article-{article.pk}")
        existing_ids.update(a.pk for a in new)

    def _write_relations(self, relations, changed_pks: list[int]) -> None:
        through = Article.authors.through
        if changed_pks:
            through.objects.filter(article_id__in=changed_pks).delete()
            TaggedArticle.objects.filter(content_object_id__in=changed_pks).delete()
            ArticleTextImage.objects.filter(article_id__in=changed_pks).delete()
        authors, tags, images = [], [], []
        image_ids = {i.file.name: i.pk for i in self.image_for.values()}
        for item, article, values, missing, source in relations:
            authors += [through(article_id=article.pk, author_id=pk) for pk in values["authors"]]
            tag_ids = {self.tag_for[slug].pk for slug, _name in item.tags}
            tags += [
                TaggedArticle(content_object_id=article.pk, tag_id=pk, listed_at=article.listed_at)
                for pk in sorted(tag_ids)
            ]
            names = text_image_names(article.body)
            images += [
                ArticleTextImage(article_id=article.pk, image_id=image_ids[n])
                for n in names
                if n in image_ids
            ]
            self._remember(Kind.POST, item.post_id, article.pk, source, self._written(values),
                           missing=missing, guid=item.guid)  # fmt: skip
        through.objects.bulk_create(authors, batch_size=BATCH)
        TaggedArticle.objects.bulk_create(tags, batch_size=BATCH)
        ArticleTextImage.objects.bulk_create(images, batch_size=BATCH, ignore_conflicts=True)

    def import_page(self, item: wxr.Item) -> None:
        entry = self.index.entries[item.post_id]
        source = self._source(item)
        record = self._record(Kind.PAGE, item.post_id)
        page = Page.objects.filter(pk=record.object_id).first() if record else None
        if page is not None and record.source_hash == digest(source):
            self.report.count(Kind.PAGE, "unchanged")
            return
        body, _missing = self._body(item.content)
        values = {
            "title": (item.title.strip() or entry.slug)[:200],
            "body": body,
            "is_published": item.status == "publish" and not item.password,
        }
        if page is not None:
            if digest([page.title, page.body, page.is_published]) != record.written_hash:
                self.report.count(Kind.PAGE, "edited")
                self.report.edited_here.append(page.title)
                return
            self.report.count(Kind.PAGE, "updated")
        else:
            if item.password or item.status == "private":
                self.report.not_public.append(values["title"])
            # New pages are not linked in the footer until an editor says so.
            page = Page(slug=entry.slug, in_footer=False)
            self.report.count(Kind.PAGE, "created")
        for key, value in values.items():
            setattr(page, key, value)
        page.save()
        self._remember(Kind.PAGE, item.post_id, page.pk, source,
                       [page.title, page.body, page.is_published], guid=item.guid)  # fmt: skip

    # Redirects -------------------------------------------------------------------------

    def import_redirects(self) -> None:
        """A redirect for every old address, written in batches as they are found; an
        address an editor has already set up keeps its target."""
        articles = {wp_id: r.object_id for (k, wp_id), r in self.records.items() if k == Kind.POST}
        batch: dict[str, Redirect] = {}

        def add(old: str, *, article_id: int | None = None, new_path: str = "") -> None:
            if not old or old in ("/", new_path) or len(old) > 500 or old in batch:
                return
            batch[old] = Redirect(
                old_path=old, article_id=article_id, new_path=new_path, from_wordpress=True
            )
            if len(batch) >= BATCH:
                flush()

        def flush() -> None:
            # The first of several old addresses that are the same wins (ignore_conflicts),
            # and an address an editor has set up keeps its target.
            known = Redirect.objects.filter(old_path__in=list(batch))
            known = set(known.values_list("old_path", flat=True))
            new = [r for key, r in batch.items() if key not in known]
            Redirect.objects.bulk_create(new, ignore_conflicts=True)
            self.report.redirects += len(new)
            batch.clear()

        for wp_id, entry in self.index.entries.items():
            old = old_path_from_url(entry.link)
            if entry.type == "post" and wp_id in articles:
                add(old, article_id=articles[wp_id])
                add(f"/?p={wp_id}", article_id=articles[wp_id])
                if not old.startswith("/?"):
                    add(old.rstrip("/") + "/feed/", article_id=articles[wp_id])
            elif entry.type == "page":
                add(old, new_path=entry.new_url)
                add(f"/?page_id={wp_id}", new_path=entry.new_url)
        for nicename, category in self.category_for.items():
            address, url = self._category_address(nicename), category.get_absolute_url()
            add(address, new_path=url)
            add(address + "feed/", new_path=reverse("feed-category", args=[category.path]))
            term = self.index.categories.get(nicename)
            if term and term.id:
                add(f"/?cat={term.id}", new_path=url)
        for slug, tag in self.tag_for.items():
            add(f"/tag/{unquote(slug)}/", new_path=tag.get_absolute_url())
            add(f"/?tag={slug}", new_path=tag.get_absolute_url())
        for login, author in self.author_for.items():
            add(f"/author/{_nicename(login)}/", new_path=author.get_absolute_url())
            wp_author = self.index.authors.get(login)
            if wp_author and wp_author.id:
                add(f"/?author={wp_author.id}", new_path=author.get_absolute_url())
        for wp_id, item in self.index.attachments.items():
            image = self.image_for.get(wp_id)
            if image is None:
                continue
            parent = articles.get(item.parent)
            target = {"article_id": parent} if parent else {"new_path": image.file.url}
            add(old_path_from_url(item.link), **target)
            add(f"/?attachment_id={wp_id}", **target)
            add(old_path_from_url(item.url), new_path=image.file.url)
        for old, name in FEEDS.items():
            add(old, new_path=reverse(name))
        if batch:
            flush()


def _reserve_ids(articles: list[Article]) -> bool:
    """Give new articles their ids from PostgreSQL's sequence before they are inserted
    (False elsewhere: SQLite tells the ids only by inserting)."""
    if connection.vendor != "postgresql" or not articles:
        return False
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [Article._meta.db_table, len(articles)],
        )
        for article, (pk,) in zip(articles, cursor.fetchall(), strict=True):
            article.pk = pk
    return True


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def _nicename(login: str) -> str:
    """WordPress's author address part: the login, lower case, other characters as "-"."""
    return "".join(c if c.isalnum() or c in "-_" else "-" for c in login.lower()).strip("-")


def _stable_id(text: str) -> int:
    """A category only named inside items has no term id: one derived from its slug."""
    return -int(hashlib.sha256(text.encode()).hexdigest()[:12], 16)


def import_wordpress(
    path: str | Path,
    *,
    uploads: str | Path | None = None,
    dry_run: bool = False,
    stream=None,
) -> Report:
    """Import the WordPress export at `path` (a WXR file, also .xml.gz)."""
    return Importer(path, uploads=uploads, dry_run=dry_run, stream=stream).run()
