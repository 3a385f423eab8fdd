"""Versions of an article (django-reversion): read them, compare two, restore one.

Every admin save keeps a revision with the article, its tag links and their tags (see the
registration in models.py); authors are ids in the article's version. Here a version is
turned into the content values of articles.workflow, so that comparing and restoring work
on the same plain format as pending changes.
"""

import re
from difflib import SequenceMatcher
from html import unescape

from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import formats, timezone
from django.utils.html import escape, format_html, strip_tags
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from reversion.models import Version

from images.models import Image
from images.renditions import CROPS

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
        elif name == "lead_image":
            values[name] = fields.get("lead_image_id")
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

# Blocks of the rich text that end a line when it is read as plain text.
_BLOCK_END = re.compile(r"</(?:p|h[1-6]|blockquote|figure|figcaption|pre|table|ul|ol)\s*>", re.I)
_LINE_END = re.compile(r"<br\s*/?>|</(?:li|tr)\s*>", re.I)
_LIST_ITEM = re.compile(r"<li\b[^>]*>", re.I)
_WORDS = re.compile(r"\w+|\s+|[^\w\s]")


def readable_text(html: str) -> str:
    """The rich text as plain text: paragraphs and headings separated by a blank line."""
    text = " ".join((html or "").split())  # line breaks in the markup mean nothing
    text = _LINE_END.sub("\n", _BLOCK_END.sub("\n\n", text))
    text = unescape(strip_tags(_LIST_ITEM.sub("• ", text)))
    lines = [line.strip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


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
            html.append(_marked("del", old_text, _("removed:")))
        if new_text:
            html.append(_marked("ins", new_text, _("added:")))
    return mark_safe("".join(html))  # every piece of text is escaped above


def diff_list(old: list[str], new: list[str]) -> SafeString:
    """Items of two lists, removed ones in <del>, added ones in <ins>, comma separated."""
    matcher = SequenceMatcher(None, old, new, autojunk=False)
    items = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            items += [escape(item) for item in old[i1:i2]]
            continue
        items += [_marked("del", item, _("removed:")) for item in old[i1:i2]]
        items += [_marked("ins", item, _("added:")) for item in new[j1:j2]]
    return mark_safe(", ".join(items))  # every item is escaped above


def _readable(name: str, value, names: dict) -> str | list[str]:
    """A content value as an editor reads it: text, or a list of names."""
    if name == "body":
        return readable_text(value or "")
    if name == "tags":
        return list(value or [])
    if name == "authors":
        return sorted(names.get(("authors", pk), f"#{pk}") for pk in value or [])
    if name == "category":
        return names.get(("category", value), f"#{value}") if value else ""
    return str(value or "")


def diff_image(old: int | None, new: int | None) -> SafeString:
    """The lead images by title, each with a thumbnail while it is still in the library."""
    images = Image.objects.in_bulk([pk for pk in (old, new) if pk])
    parts = []
    for tag, pk, hint in (("del", old, _("removed:")), ("ins", new, _("added:"))):
        if not pk:
            continue
        image = images.get(pk)
        title, thumbnail = _("(deleted from the library)"), ""
        if image:
            title, crop = image.title, CROPS["wide"]
            url = image.renditions.url(
                crop, image.renditions.widths(crop)[0], image.renditions.fallback
            )
            thumbnail = format_html('<img src="{}" alt="" width="160">', url)
        parts.append(
            format_html(
                '<{} class="revision-image"><span class="visually-hidden">{} </span>{}{}</{}>',
                tag, hint, title, thumbnail, tag,
            )
        )  # fmt: skip
    return mark_safe(" ".join(parts))  # every part is built by format_html


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
        if name == "lead_image":
            html = diff_image(old.get(name), new.get(name))
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
        image = values["lead_image"]
        if image and not Image.objects.filter(pk=image).exists():
            del values["lead_image"]  # deleted from the library; the current image stays
            messages.warning(
                request,
                _("The lead image of this version no longer exists; the current one stays."),
            )
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
