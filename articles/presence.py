"""Who else has an article's form open, and what happens when two people save it.

Opening an article that a colleague is editing says so at the top of the form, before any
conflict can happen (as WordPress does); it never locks anyone out. The form's script
(static/admin/js/article_presence.js) reports every minute while the page is visible that
its user is still there, and learns who else is; leaving the page removes the user's own
presence. Should both save anyway, ArticleAdminForm merges instead of overwriting: its
conflict notice is information, shown with the table of the colleague's changes, not a red
form error.
"""

from datetime import timedelta

from django import forms
from django.contrib.admin.utils import unquote
from django.db import IntegrityError, transaction
from django.http import HttpResponseNotAllowed, JsonResponse
from django.urls import path, reverse
from django.utils import formats, timezone
from django.utils.text import get_text_list
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .models import Article, EditingPresence

# Someone not seen for this long has left (closed the laptop, lost the connection): their
# row stays until they come back or save, but is no longer shown.
PRESENT_FOR = timedelta(minutes=3)
CONFLICT_CODE = "edit_conflict"  # ArticleAdminForm's error that is a notice, not a mistake


def mark_present(article: Article, user) -> None:
    """Note that `user` has the article's form open now."""
    now = timezone.now()
    rows = EditingPresence.objects.filter(article=article, user=user)
    # Back after being away (a row no longer shown): the editing starts again now.
    if rows.filter(seen_at__lt=now - PRESENT_FOR).update(opened_at=now, seen_at=now):
        return
    if rows.update(seen_at=now):
        return
    try:
        with transaction.atomic():
            EditingPresence.objects.create(article=article, user=user, opened_at=now, seen_at=now)
    except IntegrityError:
        pass  # the same user's other tab got there first: it is recorded


def leave(article_id, user) -> None:
    EditingPresence.objects.filter(article_id=article_id, user=user).delete()


def others_present(article: Article, user) -> list[str]:
    """The colleagues who have the article's form open, each as „Name (seit 09:14)“ (one
    query)."""
    rows = (
        EditingPresence.objects.filter(article=article, seen_at__gte=timezone.now() - PRESENT_FOR)
        .exclude(user=user)
        .select_related("user")
        .order_by("seen_at")
    )
    return [
        _("%(name)s (since %(time)s)")
        % {
            "name": row.user.get_full_name() or row.user.get_username(),
            "time": formats.time_format(timezone.localtime(row.opened_at), "H:i"),
        }
        for row in rows
    ]


def presence_message(names: list[str]) -> str:
    """„Max Muster bearbeitet diesen Artikel gerade.“ – or "" when nobody else is there."""
    if not names:
        return ""
    return ngettext(
        "%(names)s is editing this article right now.",
        "%(names)s are editing this article right now.",
        len(names),
    ) % {"names": get_text_list(names, _("and"))}


class PresenceAdminMixin:
    """For the article admin: the presence notice and its heartbeat URL, and the edit
    conflict shown as a notice."""

    presence_interval = 60  # seconds between the script's reports

    @property
    def media(self):
        # A property, as in AutosaveAdminMixin: a second `class Media` would hide the first.
        return super().media + forms.Media(
            css={"all": ["admin/css/article_notices.css"]},
            js=["admin/js/article_presence.js"],
        )

    def get_urls(self):
        name = f"{self.opts.app_label}_{self.opts.model_name}_presence"
        return [
            path(
                "<path:object_id>/anwesenheit/",
                self.admin_site.admin_view(self.presence_view),
                name=name,
            ),
            path(
                "<path:object_id>/anwesenheit/verlassen/",
                self.admin_site.admin_view(self.presence_leave_view),
                name=f"{name}_leave",
            ),
            *super().get_urls(),
        ]

    def presence_view(self, request, object_id):
        """The heartbeat: the user is still here; who else is?"""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        article = self.get_object(request, unquote(object_id))
        if article is None:
            return JsonResponse({"error": _("The article does not exist.")}, status=404)
        if not self.has_change_permission(request, article):
            return JsonResponse({"error": _("You may not edit this article.")}, status=403)
        mark_present(article, request.user)
        names = others_present(article, request.user)
        return JsonResponse({"others": names, "message": presence_message(names)})

    def presence_leave_view(self, request, object_id):
        """The page is closed (the script's beacon): the user is no longer here."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not object_id.isdigit():
            return JsonResponse({"error": _("The article does not exist.")}, status=404)
        leave(object_id, request.user)  # one's own row only: nothing else to check
        return JsonResponse({"left": True})

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.pk:
            context["presence"] = self._presence_context(request, obj)
        # An edit conflict is no mistake of the journalist's: _conflict.html explains it with
        # the colleague's changes, instead of Django's red "please correct the error below".
        if "errors" in context:
            context["errors"] = [
                errors
                for errors in context["errors"]
                if any(error.code != CONFLICT_CODE for error in errors.as_data())
            ]
        return super().render_change_form(request, context, add, change, form_url, obj)

    def _presence_context(self, request, article: Article) -> dict:
        may_edit = self.has_change_permission(request, article)
        if may_edit:
            mark_present(article, request.user)
        name = f"{self.admin_site.name}:{self.opts.app_label}_{self.opts.model_name}_presence"
        return {
            "message": presence_message(others_present(article, request.user)),
            "url": reverse(name, args=[article.pk]) if may_edit else "",
            "leave_url": reverse(f"{name}_leave", args=[article.pk]) if may_edit else "",
            "interval": self.presence_interval,
        }

    # Saving ends this visit to the form ("save and continue" starts the next one).

    def log_change(self, request, obj, message):
        leave(obj.pk, request.user)
        return super().log_change(request, obj, message)
