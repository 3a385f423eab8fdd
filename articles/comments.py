"""The conversation on an article between Redaktion and the editor on duty, in the admin.

The submission's comment (a StatusChange to "In Prüfung") and the replies (ArticleComment)
are shown together in time order under the workflow box; a reply is posted to
`<id>/kommentar/` by whoever may change the article. Nothing here deletes a comment: the
conversation is part of the article's history. The review queue (the list filtered to
"In Prüfung") shows since when each article waits and the submitter's comment.
"""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import OuterRef, Prefetch, Subquery
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import path, reverse
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from .models import Article, ArticleComment, StatusChange

REPLY_FIELD = "reply"
REPLY_LIMIT = 5000  # characters: a message, not an article
CONVERSATION_LIMIT = 100  # the newest messages of each kind shown on the page


def review_steps():
    """The steps into "In Prüfung", newest first."""
    return StatusChange.objects.filter(to_status=Article.Status.REVIEW).order_by(
        "-created_at", "-pk"
    )


def conversation(article: Article) -> list:
    """Status changes with a comment and replies, oldest first: (kind, object) pairs."""
    steps = article.status_changes.exclude(comment="").select_related("user")
    replies = ArticleComment.objects.filter(article=article).select_related("user")
    messages_ = [("status", s) for s in steps.order_by("-created_at", "-pk")[:CONVERSATION_LIMIT]]
    messages_ += [("reply", c) for c in replies.order_by("-created_at", "-pk")[:CONVERSATION_LIMIT]]
    return sorted(messages_, key=lambda pair: (pair[1].created_at, pair[0] == "reply"))


def waited(since, now) -> str:
    """How long since `since`, short: "25 Min.", "2 Std.", "3 Tage"."""
    minutes = max(0, int((now - since).total_seconds() // 60))
    if minutes < 60:
        return _("%(count)d min.") % {"count": minutes}
    if minutes < 48 * 60:
        return _("%(count)d hrs.") % {"count": minutes // 60}
    days = minutes // (24 * 60)
    return ngettext("%(count)d day", "%(count)d days", days) % {"count": days}


class CommentsAdminMixin:
    """For the article admin: the reply URL and view, the conversation on the change page,
    and the review queue's columns."""

    def get_urls(self):
        name = f"{self.opts.app_label}_{self.opts.model_name}_comment"
        view = self.admin_site.admin_view(self.comment_view)
        return [path("<path:object_id>/kommentar/", view, name=name), *super().get_urls()]

    def comment_view(self, request, object_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        article = self.get_object(request, unquote(object_id))
        if article is None:
            raise Http404
        if not self.has_change_permission(request, article):
            raise PermissionDenied
        if self.save_reply(request, article) is None:
            self.message_user(request, _("Please write a reply first."), messages.ERROR)
        else:
            self.message_user(request, _("Your reply is saved."), messages.SUCCESS)
        url = reverse(f"{self.admin_site.name}:articles_article_change", args=[article.pk])
        return HttpResponseRedirect(f"{url}#conversation")

    def save_reply(self, request, article) -> ArticleComment | None:
        text = request.POST.get(REPLY_FIELD, "").replace("\x00", "").strip()[:REPLY_LIMIT]
        if not text:
            return None
        return ArticleComment.objects.create(article=article, user=request.user, text=text)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if change and obj is not None:
            context["conversation"] = conversation(obj)
            context["may_reply"] = self.has_change_permission(request, obj)
            context["reply_field"] = REPLY_FIELD
            context["reply_limit"] = REPLY_LIMIT
        return super().render_change_form(request, context, add, change, form_url, obj)

    # The review queue: the list filtered to "In Prüfung", as the start page links to it.

    def is_review_queue(self, request) -> bool:
        return request.GET.get("status__exact") == Article.Status.REVIEW

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if not self.is_review_queue(request):
            return queryset
        latest = review_steps().filter(article=OuterRef("pk"))
        return queryset.annotate(
            review_since=Subquery(latest.values("created_at")[:1])
        ).prefetch_related(
            Prefetch(
                "status_changes",
                queryset=review_steps().select_related("user")[:1],
                to_attr="last_review",
            )
        )

    def get_list_display(self, request):
        columns = list(super().get_list_display(request))
        if self.is_review_queue(request):
            at = columns.index("status_column") + 1 if "status_column" in columns else 1
            columns[at:at] = ["waiting_since", "review_comment"]
        return columns

    @admin.display(description=gettext_lazy("waiting since"), ordering="review_since")
    def waiting_since(self, obj):
        since = getattr(obj, "review_since", None)
        if since is None:
            return "–"
        local = timezone.localtime(since)
        return format_html(
            '<time datetime="{}">{}</time> ({})',
            local.replace(microsecond=0).isoformat(),
            formats.date_format(local, "d.m., H:i"),
            waited(since, timezone.now()),
        )

    @admin.display(description=gettext_lazy("submission comment"))
    def review_comment(self, obj):
        steps = getattr(obj, "last_review", None)
        if not steps or not steps[0].comment:
            return "–"
        step = steps[0]
        name = (step.user.get_full_name() or step.user.get_username()) if step.user else "–"
        return format_html("{}: „{}“", name, Truncator(step.comment).chars(140))
