"""Autosave of the article form: the browser sends headline, subtitle, teaser and text in the
background (static/admin/js/article_autosave.js), and after a crash the form offers them back.

An autosave is private to its user and never touches the article: nothing is published or
changed for readers until the journalist saves the form.
"""

from django import forms
from django.contrib.admin.utils import unquote
from django.http import HttpResponseNotAllowed, JsonResponse
from django.urls import path, reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from newsroom.sanitize import sanitize_html

from .models import Article, Autosave

# Characters per field (as the model allows), the text in bytes: enough for any article,
# small enough that a runaway script cannot fill the database.
TEXT_LIMITS = {"title": 200, "kicker": 250, "lead": 5000}
BODY_LIMIT = 500 * 1024
FIELDS = (*TEXT_LIMITS, "body")


class AutosaveAdminMixin:
    """For the article admin: autosave URLs, the restore offer, clean-up after saving."""

    autosave_interval = 30  # seconds between checks for changes in the browser

    @property
    def media(self):
        # A property rather than `class Media`: Django reads only the first `Media` found
        # along the bases, so a second mixin's would hide GermanSlugMixin's (or ours).
        return super().media + forms.Media(js=["admin/js/article_autosave.js"])

    def get_urls(self):
        name = f"{self.opts.app_label}_{self.opts.model_name}_autosave"
        save = self.admin_site.admin_view(self.autosave_view)
        discard = self.admin_site.admin_view(self.autosave_discard_view)
        return [
            path("autosave/", save, name=f"{name}_new"),
            path("autosave/verwerfen/", discard, name=f"{name}_discard_new"),
            path("<path:object_id>/autosave/", save, name=name),
            path("<path:object_id>/autosave/verwerfen/", discard, name=f"{name}_discard"),
            *super().get_urls(),
        ]

    # Views

    def autosave_view(self, request, object_id: str | None = None):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        article, refusal = self._autosave_target(request, object_id)
        if refusal:
            return refusal
        # Refused before reading the form: no need to parse megabytes to say no.
        if int(request.META.get("CONTENT_LENGTH") or 0) > 2 * BODY_LIMIT:
            return _too_large()
        data = {name: request.POST.get(name, "").replace("\x00", "") for name in FIELDS}
        if len(data["body"].encode()) > BODY_LIMIT:
            return _too_large()
        for name, limit in TEXT_LIMITS.items():
            if len(data[name]) > limit:
                label = Article._meta.get_field(name).verbose_name
                message = _("%(field)s is longer than %(limit)s characters.")
                error = message % {"field": str(label).capitalize(), "limit": limit}
                return JsonResponse({"error": error}, status=400)
        autosave, _created = Autosave.objects.update_or_create(
            user=request.user, article=article, defaults={"data": data}
        )
        time = formats.time_format(timezone.localtime(autosave.saved_at), "H:i")
        return JsonResponse(
            {
                "saved_at": autosave.saved_at.isoformat(),
                "label": _("Saved automatically at %(time)s") % {"time": time},
            }
        )

    def autosave_discard_view(self, request, object_id: str | None = None):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        article, refusal = self._autosave_target(request, object_id)
        if refusal:
            return refusal
        Autosave.objects.filter(user=request.user, article=article).delete()
        return JsonResponse({"deleted": True})

    def _autosave_target(self, request, object_id: str | None):
        """(article or None for a new one, None) if the user may write it, else (None, error)."""
        denied = JsonResponse({"error": _("You may not edit this article.")}, status=403)
        if object_id is None:
            return None, (None if self.has_add_permission(request) else denied)
        article = self.get_object(request, unquote(object_id))
        if article is None:
            return None, JsonResponse({"error": _("The article does not exist.")}, status=404)
        return article, (None if self.has_change_permission(request, article) else denied)

    # The form

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        context = self.autosave_context(request, object_id)
        if context is not None:
            extra_context = {**(extra_context or {}), "autosave": context}
        return super().changeform_view(request, object_id, form_url, extra_context)

    def autosave_context(self, request, object_id: str | None) -> dict | None:
        """URLs and settings for the script, and the autosave to offer back, if any. None
        where the user cannot edit (a read-only view, a missing article)."""
        if object_id is None:
            if not self.has_add_permission(request):
                return None
            article, args, suffix = None, [], "_new"
        else:
            article = self.get_object(request, unquote(object_id))
            if article is None or not self.has_change_permission(request, article):
                return None
            args, suffix = [article.pk], ""
        name = f"{self.admin_site.name}:{self.opts.app_label}_{self.opts.model_name}_autosave"
        context = {
            "url": reverse(f"{name}{suffix}", args=args),
            "discard_url": reverse(f"{name}_discard{suffix}", args=args),
            "interval": self.autosave_interval,
            "is_new": article is None,
            "offer": None,
        }
        # A form sent back with errors already holds the journalist's latest text.
        if request.method == "GET":
            context["offer"] = _offered_autosave(request.user, article)
        return context

    # After saving, the form's text is stored (or waits for approval as a pending change):
    # the autosave has done its job. Django logs every successful save exactly once, also
    # where ArticleAdmin answers a pending change without response_change's default.

    def log_addition(self, request, obj, message):
        Autosave.objects.filter(user=request.user, article__isnull=True).delete()
        return super().log_addition(request, obj, message)

    def log_change(self, request, obj, message):
        Autosave.objects.filter(user=request.user, article=obj).delete()
        return super().log_change(request, obj, message)


def _offered_autosave(user, article: Article | None) -> Autosave | None:
    """The user's autosave if it holds something the saved article does not."""
    autosave = Autosave.objects.filter(user=user, article=article).first()
    if autosave is None or article is None:
        return autosave
    if autosave.saved_at <= article.modified_at:
        return None  # saved (by anyone) after it: the autosave is outdated
    data = autosave.data
    stored = {name: getattr(article, name) for name in FIELDS}
    # The article stores its text cleaned up: compare the same way.
    if {**data, "body": sanitize_html(data.get("body", ""))} == stored:
        return None
    return autosave


def _too_large() -> JsonResponse:
    message = _("The text is too long to be saved automatically. Please save the article.")
    return JsonResponse({"error": message}, status=413)
