"""The newsroom's workflow: who may do what with an article, and what it takes to go live.

Entwurf → In Prüfung → Veröffentlicht (a future date: "Geplant"), and Zurückgezogen to take
a published article off the site. "Redaktion" writes and submits; someone with the
`articles.publish_article` permission ("Chef vom Dienst", administrators) publishes,
schedules, withdraws and approves corrections. A change to a published article by someone
who may not publish becomes a PendingChange: readers keep the live version meanwhile.

Content values: one plain format for an article's content, shared by pending changes,
revisions and restores: {field name: value} with text as str, "category" as a pk, "tags"
as a sorted list of names, "authors" as a list of pks and the IMAGE_FIELDS ("lead_image",
"social_image") as the library image's pk (None for none).
"""

import re

import reversion
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from audit.models import Action
from audit.services import audit_entry_create
from images.models import Image
from images.text import text_image_names

from .models import Article, Author, PendingChange, StatusChange

PUBLISH_PERMISSION = "articles.publish_article"

# What a version, a pending change or a restore carries: the content, not the workflow
# (status, publication date and the Aufmacher flag are decided by whoever publishes).
CONTENT_FIELDS = (
    "title", "slug", "kicker", "lead", "body", "category", "tags", "authors",
    "lead_image", "lead_image_alt", "lead_image_caption", "correction_note",
    "seo_title", "meta_description", "social_title", "social_text", "social_image",
)  # fmt: skip
WORKFLOW_FIELDS = ("status", "published_at", "expires_at", "is_lead_story")
# Library images among the content fields, carried as their pk.
IMAGE_FIELDS = ("lead_image", "social_image")


def can_publish(user) -> bool:
    return user.has_perm(PUBLISH_PERMISSION)


def is_approved(article: Article) -> bool:
    """Published (live or scheduled) as last stored: changes to it need approval."""
    stored = getattr(article, "_stored", None) or {}
    return bool(article.pk) and stored.get("status") == Article.Status.PUBLISHED


def needs_approval(user, article: Article) -> bool:
    return is_approved(article) and not can_publish(user)


def allowed_statuses(user, article: Article | None) -> list[str]:
    """The statuses `user` may give `article` (None: a new one)."""
    if can_publish(user):
        return [s.value for s in Article.Status]
    current = article.status if article is not None and article.pk else None
    allowed = [Article.Status.DRAFT, Article.Status.REVIEW]
    if current and current not in allowed:
        allowed.append(current)  # a withdrawn article may stay withdrawn while it is edited
    return [s.value for s in allowed]


def check_transition(user, article: Article | None, new_status: str) -> None:
    """Raise ValidationError unless `user` may move `article` to `new_status`."""
    old_status = article.status if article is not None and article.pk else None
    if new_status == old_status:
        return
    if new_status not in allowed_statuses(user, article):
        raise ValidationError(
            {"status": _("You may not set the status “%(status)s”: publishing, scheduling and "
                         "withdrawing are for the editor on duty (Chef vom Dienst).")
             % {"status": Article.Status(new_status).label}},
            code="not_allowed",
        )  # fmt: skip
    if new_status == Article.Status.WITHDRAWN and old_status != Article.Status.PUBLISHED:
        raise ValidationError(
            {"status": _("Only a published article can be withdrawn.")}, code="not_published"
        )


def publication_moment(old_status, new_status, published_at, *, keep=False, now=None):
    """The publication date of an article saved from `old_status` (None: a new one) as
    `new_status`. Going live for the first time (from a draft or review) with a date in the
    past, which includes the form's default (the moment it was opened), it is published
    now: the date tells readers when it came out, and lists, feeds and the news sitemap
    sort by it. Kept: a future date (it schedules), a past one marked `keep` (backdated on
    purpose), a withdrawn article's (it was live before) and every later change's."""
    now = now or timezone.now()
    first_time = old_status in (None, Article.Status.DRAFT, Article.Status.REVIEW)
    if new_status == Article.Status.PUBLISHED and first_time and not keep:
        if published_at is not None and published_at <= now:
            return now
    return published_at


def check_schedule(user, article: Article | None, moment, now=None) -> None:
    """Raise ValidationError unless `user` may schedule `article` (as last stored; None: a
    new one) to go live at `moment` ("Planen"). The publish gates apply as for publishing."""
    if not can_publish(user):
        raise ValidationError(
            _("Scheduling is for the editor on duty (Chef vom Dienst)."), code="not_allowed"
        )
    if article is not None and article.pk and article.is_public:
        raise ValidationError(
            _("This article is online already. To move it, change its publication date."),
            code="public",
        )
    if moment is None:
        raise ValidationError(_("Please enter when the article goes live."), code="required")
    if moment <= (now or timezone.now()):
        raise ValidationError(
            _("%(moment)s has passed already. Please choose a moment in the future.")
            % {"moment": formats.date_format(timezone.localtime(moment), "d.m.Y, H:i")},
            code="past",
        )


HEADING = re.compile(r"<h([1-6])[\s>]", re.IGNORECASE)


def heading_problems(body: str) -> list[str]:
    """Headings in the text start at level 2 (the headline is level 1) and skip no level."""
    problems, previous = [], 1
    for level in (int(n) for n in HEADING.findall(body or "")):
        if level == 1:
            problems.append(_("The text contains a level 1 heading; the headline is the only "
                              "one. Please use “Überschrift 2”."))  # fmt: skip
        elif level > previous + 1:
            problems.append(
                _("A heading of level %(level)s follows level %(previous)s: please do not skip "
                  "a level.") % {"level": level, "previous": previous}
            )  # fmt: skip
        previous = max(level, 2) if level != 1 else previous
    return problems


def publish_problems(values: dict) -> list[str]:
    """Everything missing before an article with `values` may be published, all at once.

    `values` holds title, lead, authors (any non-empty collection), lead_image and
    social_image (an Image, its pk or None), lead_image_alt and body. Photo credits live in
    the image library."""
    problems = []
    if not (values.get("title") or "").strip():
        problems.append(_("a headline"))
    if not (values.get("lead") or "").strip():
        problems.append(_("a teaser"))
    if not values.get("authors"):
        problems.append(_("at least one author"))
    image = values.get("lead_image")
    if image and not isinstance(image, Image):
        image = Image.objects.filter(pk=image).first()
    if image:
        if not ((values.get("lead_image_alt") or "").strip() or image.alt_text.strip()):
            problems.append(_("an alternative text for the lead image"))
        if not image.credit.strip():
            problems.append(_("a photo credit for the lead image (in the image library)"))
    social = values.get("social_image")
    if social and not isinstance(social, Image):
        social = Image.objects.filter(pk=social).first()
    if social and not social.credit.strip():
        problems.append(_("a photo credit for the social image (in the image library)"))
    names = text_image_names(values.get("body") or "")
    for title in (
        Image.objects.missing_credit().filter(file__in=names).values_list("title", flat=True)
    ):
        problems.append(_("a photo credit for the image “%(title)s” in the text (in the image "
                          "library)") % {"title": title})  # fmt: skip
    messages = []
    if problems:
        messages.append(_("Before publishing, the article needs: %(items)s.")
                        % {"items": ", ".join(problems)})  # fmt: skip
    return messages + heading_problems(values.get("body") or "")


def content_values(article: Article) -> dict:
    """The article's content in the plain format of this module's docstring."""
    values = {}
    for name in CONTENT_FIELDS:
        if name == "category":
            values[name] = article.category_id
        elif name == "tags":
            values[name] = sorted(t.name for t in article.tags.all())
        elif name == "authors":
            values[name] = sorted(a.pk for a in article.authors.all())
        elif name in IMAGE_FIELDS:
            values[name] = getattr(article, f"{name}_id")
        else:
            values[name] = getattr(article, name)
    return values


def _apply(article: Article, changes: dict) -> None:
    """Set `changes` (content values) on `article` and save it with its tags and authors."""
    for name, value in changes.items():
        if name == "category":
            article.category_id = value
        elif name in IMAGE_FIELDS:
            if value and not Image.objects.filter(pk=value).exists():
                raise ValidationError(
                    _("The image “%(field)s” has been deleted from the image library since; "
                      "please choose an image again.") % {"field": field_label(name)},
                    code="missing_image",
                )  # fmt: skip
            setattr(article, f"{name}_id", value or None)
        elif name in CONTENT_FIELDS and name not in ("tags", "authors"):
            setattr(article, name, value)
    article.save()
    if "tags" in changes:
        article.tags.set(changes["tags"], clear=True)
    if "authors" in changes:
        # An author deleted since the version was kept cannot come back; the rest does.
        article.authors.set(Author.objects.filter(pk__in=changes["authors"]))


def record_transition(article: Article, old_status: str | None, user, comment: str = "") -> None:
    if old_status is not None and old_status != article.status:
        step = StatusChange.objects.create(
            article=article,
            from_status=old_status,
            to_status=article.status,
            user=user,
            comment=comment,
        )
        if Article.Status.PUBLISHED in (old_status, article.status):  # for the audit log
            published = article.status == Article.Status.PUBLISHED
            audit_entry_create(
                action=Action.PUBLISH if published else Action.UNPUBLISH,
                actor=user,
                obj=article,
                detail=" – ".join(filter(None, [str(step), comment])),
            )


def save_changes(user, article: Article, changes: dict, comment: str = ""):
    """Apply content `changes` to a stored article for `user`, as a new version; or, when
    the article is published and `user` may not publish, keep them as a PendingChange.
    Returns the PendingChange, or None when the article itself was saved."""
    changes = {k: v for k, v in changes.items() if k in CONTENT_FIELDS}
    if needs_approval(user, article):
        return PendingChange.objects.create(
            article=article, data=changes, created_by=user, comment=comment
        )
    with transaction.atomic(), reversion.create_revision():
        reversion.set_user(user)
        reversion.set_comment(comment)
        _apply(article, changes)
    return None


def approve(pending: PendingChange, user, comment: str = "") -> None:
    """Put a pending change live: only the fields it changed, as a new version."""
    if not can_publish(user):
        raise PermissionError("approving needs the publish permission")
    with transaction.atomic():
        pending = PendingChange.objects.select_for_update().get(pk=pending.pk)
        if pending.state != PendingChange.State.PENDING:
            return
        article = Article.objects.get(pk=pending.article_id)
        if article.status == Article.Status.PUBLISHED:
            problems = publish_problems({**content_values(article), **pending.data})
            if problems:
                raise ValidationError(problems, code="publish_gates")
        with reversion.create_revision():
            reversion.set_user(user)
            author = pending.created_by.get_username() if pending.created_by else "?"
            reversion.set_comment(
                comment or _("Correction by %(author)s approved") % {"author": author}
            )
            _apply(article, pending.data)
        pending.state = PendingChange.State.APPROVED
        pending.decided_by, pending.decided_at = user, timezone.now()
        pending.save()


def reject(pending: PendingChange, user, reason: str) -> None:
    if not can_publish(user):
        raise PermissionError("rejecting needs the publish permission")
    if not reason.strip():
        raise ValidationError(_("Please give a reason."), code="reason_required")
    with transaction.atomic():
        pending = PendingChange.objects.select_for_update().get(pk=pending.pk)
        if pending.state != PendingChange.State.PENDING:
            return
        pending.state = PendingChange.State.REJECTED
        pending.decided_by, pending.decided_at = user, timezone.now()
        pending.reason = reason
        pending.save()


def field_label(name: str) -> str:
    """The German label of a content field, for the comparison of versions."""
    return str(Article._meta.get_field(name).verbose_name)
