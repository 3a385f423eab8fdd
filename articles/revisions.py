"""Versions of an article (django-reversion): read them, compare two, restore one.

Every admin save keeps a revision with the article, its tag links and their tags (see the
registration in models.py); authors are ids in the article's version. Here a version is
turned into the content values of articles.workflow, so that comparing and restoring work
on the same plain format as pending changes.
"""

import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from html.parser import HTMLParser

from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import formats, timezone
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from reversion.models import Version

from images.models import Image
from images.widgets import thumbnail

from . import workflow
from .models import Article, Author, Category, Tag, TaggedArticle

CURRENT = "aktuell"  # stands for the live article where a version id is expected


def versions_of(article: Article):
    """The article's versions, newest first."""
    return Version.objects.get_for_object(article).select_related("revision__user")


def version_values(version: Version) -> dict:
    """The content values (see articles.workflow) of an article's version."""
    fields = version.field_dict
    values = {}
    for name in workflow.CONTENT_FIELDS:
        if name == "category":
            values[name] = fields.get("category_id")
        elif name == "tags":
            values[name] = _version_tags(version)
        elif name == "authors":
            values[name] = sorted(fields.get("authors") or [])
        elif name in workflow.IMAGE_FIELDS:
            values[name] = fields.get(f"{name}_id")
        else:
            values[name] = fields.get(name) or ""
    return values


def _version_tags(version: Version) -> list[str]:
    """The names of the tags linked to the article in the version's revision.

    The revision holds the tag links as they were (links removed in the same save are not
    kept) and, followed from them, the tags with their names at that time."""
    in_revision = version.revision.version_set
    links = in_revision.filter(content_type=ContentType.objects.get_for_model(TaggedArticle))
    tag_ids = {
        str(v.field_dict["tag_id"])
        for v in links
        if str(v.field_dict["content_object_id"]) == str(version.object_id)
    }
    if not tag_ids:
        return []
    tag_versions = in_revision.filter(
        content_type=ContentType.objects.get_for_model(Tag), object_id__in=tag_ids
    )
    names = {v.object_id: v.field_dict["name"] for v in tag_versions}
    missing = tag_ids - names.keys()
    if missing:  # older revisions may lack a tag: its current name is the next best thing
        current = Tag.objects.filter(pk__in=missing).values_list("pk", "name")
        names.update({str(pk): name for pk, name in current})
    return sorted(names.values())


# Comparing -------------------------------------------------------------------------------

_WORDS = re.compile(r"\w+|\s+|[^\w\s]")
_SPACES = re.compile(r"[ \t\n\r\f]+")  # not \s: a no-break space in the text stays one


@dataclass(frozen=True)
class Block:
    """A paragraph, heading, list item, quote, caption or image of the rich text."""

    kind: str  # "p", "h1"–"h6", "li", "quote", "caption", "pre", "row" or "image"
    text: str
    list: str = ""  # "ul" or "ol" for a list item


class _BlockParser(HTMLParser):
    """The rich text as a flat list of Blocks; markup inside a block is dropped."""

    BLOCKS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "figcaption", "pre",
              "tr", "dt", "dd"}  # fmt: skip
    KINDS = {"blockquote": "quote", "figcaption": "caption", "tr": "row", "dt": "p", "dd": "p"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.blocks: list[Block] = []
        self.open: list[str] = []  # block tags open around the text
        self.lists: list[str] = []
        self.parts: list[str] = []

    def _kind(self) -> str:
        # A paragraph inside a list item or a quote belongs to it.
        for tag in self.open:
            if tag in ("li", "blockquote"):
                return self.KINDS.get(tag, tag)
        return self.KINDS.get(self.open[-1], self.open[-1]) if self.open else "p"

    def _flush(self):
        lines = "".join(self.parts).split("\n")  # only <br> made line breaks
        text = "\n".join(" ".join(line.split(" ")).strip() for line in lines).strip()
        text = re.sub(r" {2,}", " ", text)
        if text:
            kind = self._kind()
            in_list = self.lists[-1] if kind == "li" and self.lists else ""
            self.blocks.append(Block(kind, text, in_list))
        self.parts = []

    def handle_starttag(self, tag, attrs):
        if tag in self.BLOCKS:
            self._flush()
            self.open.append(tag)
        elif tag in ("ul", "ol"):
            self._flush()
            self.lists.append(tag)
        elif tag == "br":
            self.parts.append("\n")
        elif tag in ("td", "th"):
            self.parts.append(" ")
        elif tag == "img":
            self._flush()
            attributes = dict(attrs)
            name = (attributes.get("src") or "").rsplit("/", 1)[-1]
            self.blocks.append(Block("image", (attributes.get("alt") or "").strip() or name))

    def handle_endtag(self, tag):
        if tag in self.BLOCKS and tag in self.open:
            self._flush()
            del self.open[len(self.open) - 1 - self.open[::-1].index(tag) :]
        elif tag in ("ul", "ol") and self.lists:
            self._flush()
            self.lists.pop()

    def handle_data(self, data):
        self.parts.append(_SPACES.sub(" ", data))  # line breaks in the markup mean nothing

    def close(self):
        super().close()
        self._flush()


def text_blocks(html: str) -> list[Block]:
    """The rich text's blocks in order: what a reader sees as paragraphs, headings (with
    their level), list items, quotes and images (by their alternative text)."""
    parser = _BlockParser()
    parser.feed(html or "")
    parser.close()
    return parser.blocks


def _marked(tag: str, text: str, hint: str) -> str:
    # Screen readers do not announce <del>/<ins>: a hidden word says what happened. Spaces
    # around a lone removal or addition stay outside, so no underlined blanks.
    core = text.strip()
    if not core:
        core, before, after = text, "", ""
    else:
        before, after = text[: text.index(core)], text[text.index(core) + len(core) :]
    hidden = f'<span class="visually-hidden">{escape(hint)} </span>'
    return f"{escape(before)}<{tag}>{hidden}{escape(core)}</{tag}>{escape(after)}"


def _deleted(text: str) -> str:
    return _marked("del", text, _("deleted:"))


def _inserted(text: str) -> str:
    return _marked("ins", text, _("inserted:"))


def diff_text(old: str, new: str) -> SafeString:
    """A word-level diff of two texts as escaped markup with <del> and <ins>."""
    a, b = _WORDS.findall(old or ""), _WORDS.findall(new or "")
    # Spaces are junk to the matcher: changes are anchored on words, not on blanks.
    matcher = SequenceMatcher(str.isspace, a, b, autojunk=False)
    pieces = [
        ["".join(a[i1:i2]), "".join(b[j1:j2]), op == "equal"]
        for op, i1, i2, j1, j2 in matcher.get_opcodes()
    ]
    # "<del>a</del><ins>x</ins> <del>b</del><ins>y</ins>" reads better as one change
    # "<del>a b</del><ins>x y</ins>": spaces between two changes join them.
    for before, piece, after in zip(pieces, pieces[1:], pieces[2:], strict=False):
        if piece[2] and not before[2] and not after[2] and re.fullmatch(r"[ \t\xa0]+", piece[0]):
            piece[2] = False
    merged: list[list] = []
    for piece in pieces:
        if merged and not piece[2] and not merged[-1][2]:
            merged[-1][0] += piece[0]
            merged[-1][1] += piece[1]
        else:
            merged.append(piece)
    html = []
    for old_text, new_text, equal in merged:
        if equal:
            html.append(escape(old_text))
            continue
        if old_text:
            html.append(_deleted(old_text))
        if new_text:
            html.append(_inserted(new_text))
    return mark_safe("".join(html))  # every piece of text is escaped above


def _similar(old: Block, new: Block) -> bool:
    """Whether `new` is an edit of `old` (shown word by word) rather than another block."""
    if old.kind != new.kind:
        return False
    matcher = SequenceMatcher(None, _WORDS.findall(old.text), _WORDS.findall(new.text))
    return matcher.quick_ratio() >= 0.5 and matcher.ratio() >= 0.5


def _changed_blocks(old: list[Block], new: list[Block]) -> list[tuple[Block, str]]:
    """Blocks replaced by others: edits of a block word by word, the rest whole."""
    shown, start = [], 0
    for block in old:
        match = next((k for k in range(start, len(new)) if _similar(block, new[k])), None)
        if match is None:
            shown.append((block, _deleted(block.text)))
            continue
        shown += [(added, _inserted(added.text)) for added in new[start:match]]
        shown.append((new[match], diff_text(block.text, new[match].text)))
        start = match + 1
    return shown + [(added, _inserted(added.text)) for added in new[start:]]


def diff_blocks(old_html: str, new_html: str) -> SafeString:
    """A diff of two rich texts block by block, each block in its own element: headings
    marked with their level, list items in lists, changes word by word within a block."""
    a, b = text_blocks(old_html), text_blocks(new_html)
    shown: list[tuple[Block, str]] = []
    for op, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            shown += [(block, escape(block.text)) for block in b[j1:j2]]
        else:
            shown += _changed_blocks(a[i1:i2], b[j1:j2])
    html, open_list = [], ""
    for block, content in shown:
        if open_list and block.list != open_list:
            html.append(f"</{open_list}>")
            open_list = ""
        if block.kind == "li":
            if not open_list:
                open_list = block.list or "ul"
                html.append(f'<{open_list} class="revision-list">')
            html.append(f"<li>{content}</li>")
        else:
            html.append(_block_html(block, content))
    if open_list:
        html.append(f"</{open_list}>")
    return mark_safe("".join(html))  # the contents are escaped above, the rest is ours


def _block_html(block: Block, content: str) -> str:
    """One block in its own element; headings and images say what they are in words."""
    label, tag = "", "p"
    if block.kind[0] == "h" and block.kind[1:].isdigit():
        label = _("Heading %(level)s:") % {"level": block.kind[1:]}
    elif block.kind == "image":
        label = _("Image:")
    elif block.kind == "quote":
        tag = "blockquote"
    kind = f'<span class="revision-block__kind">{escape(label)}</span> ' if label else ""
    return f'<{tag} class="revision-block revision-block--{block.kind}">{kind}{content}</{tag}>'


def diff_list(old: list[str], new: list[str]) -> SafeString:
    """Items of two lists, removed ones in <del>, added ones in <ins>, comma separated."""
    matcher = SequenceMatcher(None, old, new, autojunk=False)
    items = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            items += [escape(item) for item in old[i1:i2]]
            continue
        items += [_deleted(item) for item in old[i1:i2]]
        items += [_inserted(item) for item in new[j1:j2]]
    return mark_safe(", ".join(items))  # every item is escaped above


def _readable(name: str, value, names: dict) -> str | list[str]:
    """A content value as an editor reads it: text, or a list of names."""
    if name == "tags":
        return list(value or [])
    if name == "authors":
        return sorted(names.get(("authors", pk), f"#{pk}") for pk in value or [])
    if name == "category":
        return names.get(("category", value), f"#{value}") if value else ""
    return str(value or "")


def diff_image(old: int | None, new: int | None) -> SafeString:
    """Before and after side by side, each image as a thumbnail with its library title."""
    images = Image.objects.in_bulk([pk for pk in (old, new) if pk])
    parts = []
    for when, pk, mark in ((_("Before"), old, _deleted), (_("After"), new, _inserted)):
        image = images.get(pk) if pk else None
        if not pk:
            title, picture = escape(_("(no image)")), ""
        elif image is None:
            title, picture = mark_safe(mark(_("(deleted from the library)"))), ""
        else:
            title, picture = mark_safe(mark(image.title)), thumbnail(image, 160)
        parts.append(
            format_html(
                '<figure class="revision-image">{}<figcaption><span class="revision-image__when">'
                "{}:</span> {}</figcaption></figure>",
                picture, when, title,
            )
        )  # fmt: skip
    return format_html('<div class="revision-images">{}{}</div>', *parts)


def diff(old: dict, new: dict) -> list[dict]:
    """The content fields that differ between two sets of content values, in form order:
    [{"name", "label", "html"}] with a readable diff of each as safe markup."""
    changed = [n for n in workflow.CONTENT_FIELDS if old.get(n) != new.get(n)]
    names = {}
    if "authors" in changed:
        ids = {*(old.get("authors") or []), *(new.get("authors") or [])}
        names |= {("authors", a.pk): a.name for a in Author.objects.filter(pk__in=ids)}
    if "category" in changed:
        ids = {old.get("category"), new.get("category")} - {None}
        names |= {("category", c.pk): str(c) for c in Category.objects.filter(pk__in=ids)}
    rows = []
    for name in changed:
        before, after = _readable(name, old.get(name), names), _readable(name, new.get(name), names)
        if name in workflow.IMAGE_FIELDS:
            html = diff_image(old.get(name), new.get(name))
        elif name == "body":
            html = diff_blocks(old.get(name), new.get(name))
        elif isinstance(before, list):
            html = diff_list(before, after)
        else:
            html = diff_text(before, after)
        rows.append({"name": name, "label": workflow.field_label(name), "html": html})
    return rows


# Admin -----------------------------------------------------------------------------------


def version_label(version: Version | None) -> str:
    """ "Version vom 05.01.2025, 14:03" or, for None, the current article."""
    if version is None:
        return _("Current article")
    moment = formats.date_format(timezone.localtime(version.revision.date_created), "d.m.Y, H:i")
    return _("Version of %(moment)s") % {"moment": moment}


class RevisionsAdminMixin:
    """Versions, comparison and restore for ArticleAdmin, under <article>/versionen/."""

    def get_urls(self):
        info = f"{self.opts.app_label}_{self.opts.model_name}"
        view = self.admin_site.admin_view
        return [
            path(
                "<path:object_id>/versionen/vergleich/",
                view(self.compare_view),
                name=f"{info}_compare",
            ),
            path(
                "<path:object_id>/versionen/<int:version_id>/wiederherstellen/",
                view(self.restore_view),
                name=f"{info}_restore",
            ),
            path(
                "<path:object_id>/versionen/",
                view(self.versions_view),
                name=f"{info}_versions",
            ),
            *super().get_urls(),
        ]

    def _article(self, request, object_id: str, *, change: bool = False) -> Article:
        article = self.get_object(request, unquote(object_id))
        if article is None:
            raise Http404
        allowed = self.has_change_permission if change else self.has_view_permission
        if not allowed(request, article):
            raise PermissionDenied
        return article

    def _context(self, request, article: Article, title: str, **extra) -> dict:
        return {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "app_label": self.opts.app_label,
            "original": article,
            "title": title,
            "subtitle": str(article),
            "has_change_permission": self.has_change_permission(request, article),
            **extra,
        }

    def _template(self, name: str) -> str:
        return f"admin/{self.opts.app_label}/{self.opts.model_name}/{name}"

    def versions_view(self, request, object_id):
        article = self._article(request, object_id)
        versions = list(versions_of(article))
        selected_a, selected_b = _default_pair(versions)
        context = self._context(
            request,
            article,
            _("Versions"),
            versions=versions,
            current=CURRENT,
            selected_a=selected_a,
            selected_b=selected_b,
        )
        return TemplateResponse(request, self._template("versions.html"), context)

    def compare_view(self, request, object_id):
        article = self._article(request, object_id)
        versions = versions_of(article)
        default_a, default_b = _default_pair(versions[:2])
        a = self._version_or_current(versions, request.GET.get("a", default_a))
        b = self._version_or_current(versions, request.GET.get("b", default_b))
        if _newer(a, b):
            a, b = b, a  # always from the older to the newer state
        old = version_values(a) if a else workflow.content_values(article)
        new = version_values(b) if b else workflow.content_values(article)
        context = self._context(
            request,
            article,
            _("Compare versions"),
            old_label=version_label(a),
            new_label=version_label(b),
            old_version=a,
            new_version=b,
            rows=diff(old, new),
        )
        return TemplateResponse(request, self._template("compare.html"), context)

    def restore_view(self, request, object_id, version_id):
        article = self._article(request, object_id, change=True)
        version = get_object_or_404(versions_of(article), pk=version_id)
        current, values = workflow.content_values(article), version_values(version)
        if request.method == "POST":
            return self._restore(request, article, version, current, values)
        context = self._context(
            request,
            article,
            _("Restore version"),
            version=version,
            version_label=version_label(version),
            rows=diff(current, values),
            needs_approval=workflow.needs_approval(request.user, article),
        )
        return TemplateResponse(request, self._template("restore.html"), context)

    def _restore(self, request, article, version, current: dict, values: dict):
        change_url = reverse(
            f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[article.pk]
        )
        taken = Article.objects.filter(slug=values["slug"]).exclude(pk=article.pk).exists()
        if taken or not Category.objects.filter(pk=values["category"]).exists():
            messages.error(
                request,
                _("This version cannot be restored: its slug is now used by another article "
                  "or its category no longer exists."),
            )  # fmt: skip
            return redirect(request.path)
        for name in workflow.IMAGE_FIELDS:
            image = values.get(name)
            if image and not Image.objects.filter(pk=image).exists():
                del values[name]  # deleted from the library; the current image stays
                messages.warning(
                    request,
                    _("The image “%(field)s” of this version no longer exists; the current one "
                      "stays.") % {"field": workflow.field_label(name)},
                )  # fmt: skip
        # Only what differs: a pending change then leaves colleagues' later edits of the
        # other fields alone when it is approved.
        changes = {k: v for k, v in values.items() if current.get(k) != v}
        comment = _("%(version)s restored") % {"version": version_label(version)}
        pending = workflow.save_changes(request.user, article, changes, comment=comment)
        if pending is not None:
            messages.info(
                request,
                _("The restore is waiting for approval by the editor on duty (Chef vom Dienst)."),
            )
        else:
            messages.success(request, comment)
        return redirect(change_url)

    @staticmethod
    def _version_or_current(versions, key: str) -> Version | None:
        """The version with id `key` among `versions`, or None for the current article."""
        if key == CURRENT:
            return None
        if not key.isdigit():
            raise Http404
        return get_object_or_404(versions, pk=key)


def _default_pair(versions) -> tuple[str, str]:
    """What to compare unless chosen: the newest version against the one before it, or
    against the current article while there is only one."""
    ids = [str(v.pk) for v in versions[:2]]
    if len(ids) == 2:
        return ids[1], ids[0]
    return (ids[0] if ids else CURRENT), CURRENT


def _newer(a: Version | None, b: Version | None) -> bool:
    """Whether state `a` is newer than `b` (None being the current article)."""
    if a is None or b is None:
        return a is None and b is not None
    return a.pk > b.pk
