"""The article form of the admin: the workflow's rules for whoever saves, the gates before
publishing, kept uploads, and a merge instead of an overwrite on an edit conflict."""

import json
from datetime import UTC, datetime
from html import unescape

import reversion.models
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.html import strip_tags
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from taggit.models import Tag as TaggitTag

from newsroom.validators import validate_tag_lengths

from . import workflow
from .models import Article, Tag

# Recommended lengths, counted under the fields (admin/js/article_form.js). Headline: search
# results and two-line teaser cards cut at about 70 characters. Teaser: the article's meta
# description is its first 160 characters (articles/article.html), about what search
# snippets show (155–160); lists show all of it, so longer is allowed, just not advised.
RECOMMENDED_LENGTHS = {"title": 70, "lead": 160}


def _add_counters(fields):
    for name, recommended in RECOMMENDED_LENGTHS.items():
        if name in fields:
            fields[name].widget.attrs.update(
                {
                    "data-recommended": recommended,
                    "data-counter-template": _("%(count)s / recommended up to %(max)s characters"),
                    "data-counter-over-template": _(
                        "%(count)s / recommended up to %(max)s characters – longer than recommended"
                    ),
                }
            )


class ArticleAdminForm(forms.ModelForm):
    """The article form: the workflow's rules for whoever saves (ArticleAdmin.get_form sets
    `request`), the gates before publishing, and a merge instead of an overwrite when a
    colleague saved the article while this form was open."""

    request = None
    conflict = ()  # rows of a colleague's changes, after an edit conflict

    loaded_version = forms.CharField(widget=forms.HiddenInput, required=False)
    # The values this form was opened with, to tell a colleague's changes from one's own.
    loaded_values = forms.CharField(widget=forms.HiddenInput, required=False)
    status_comment = forms.CharField(
        label=_("Comment on the status change"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Optional, e.g. what the editor on duty should check. Kept in the history."),
    )

    class Meta:
        model = Article
        fields = "__all__"  # noqa: DJ007 -- the admin's fieldsets choose what is shown

    class Media:
        # Full-width inputs, editor content styled like the site, length counters, and
        # "insert from the image library" under the editor.
        css = {"all": ["admin/css/article_form.css", "admin/css/image_library.css"]}
        js = ["admin/js/article_form.js", "admin/js/library_chooser.js"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _add_counters(self.fields)
        if "body" in self.fields:
            library = reverse("admin:images_image_changelist")
            self.fields["body"].widget.attrs["data-library-chooser"] = library
        if self.instance.pk:
            self.fields["loaded_version"].initial = self.instance.modified_at.isoformat()
            self.fields["loaded_values"].initial = json.dumps(self._plain_values(self.initial))
        if "status" in self.fields and self.request is not None:
            # Offer only what this user may choose; the field still knows every status, so
            # a crafted value is refused by check_transition() with a message that says why.
            allowed = workflow.allowed_statuses(self.request.user, self.instance)
            self.fields["status"].widget.choices = [
                (value, label) for value, label in Article.Status.choices if value in allowed
            ]

    def clean_tags(self):
        tags = self.cleaned_data["tags"]
        validate_tag_lengths(tags, Tag)
        return tags

    def clean(self):
        cleaned = super().clean()
        self._check_workflow(cleaned)
        if self.instance.pk:
            self._merge_concurrent_save(cleaned)
        return cleaned

    def _check_workflow(self, cleaned):
        """Server-side rules: who may set which status, and the gates before going live."""
        status = cleaned.get("status", self.instance.status)
        if "status" in self.fields and status and self.request is not None:
            workflow.check_transition(self.request.user, self.instance, status)
        if status == Article.Status.PUBLISHED:
            values = {
                name: cleaned.get(name, getattr(self.instance, name, None))
                for name in ("title", "lead", "body", "lead_image", "lead_image_alt")
            }
            values["authors"] = (
                cleaned.get("authors") if "authors" in self.fields else self.instance.authors.all()
            )
            problems = workflow.publish_problems(values)
            if problems:
                raise ValidationError(problems, code="publish_gates")

    def _merge_concurrent_save(self, cleaned):
        """A colleague saved while this form was open: name their changes, show them beside
        this journalist's, and put theirs into the form wherever this journalist changed
        nothing, so that saving again keeps both."""
        stored = Article.objects.filter(pk=self.instance.pk).values_list("modified_at", flat=True)
        current = stored.first()
        if not current or cleaned.get("loaded_version") == current.isoformat():
            return
        try:
            base = json.loads(cleaned.get("loaded_values") or "{}")
        except ValueError:
            base = {}
        theirs = self._plain_values(self.initial)  # the form's instance was read just now
        mine = self._plain_values(cleaned)
        their_changes = [n for n in theirs if n in base and theirs[n] != base[n]]
        self.data = self.data.copy()
        self.conflict = []
        for name in their_changes:
            also_mine = mine.get(name) != base[name]
            if not also_mine:
                self._set_data(name, self.initial.get(name))
            self.conflict.append(
                {
                    "label": self.fields[name].label,
                    "theirs": self._display(name, self.initial.get(name)),
                    "mine": self._display(name, cleaned.get(name)),
                    "both": also_mine,
                }
            )
        self.data["loaded_version"] = current.isoformat()
        self.data["loaded_values"] = json.dumps(theirs)
        version = reversion.models.Version.objects.get_for_object(self.instance).first()
        who = version.revision.user if version and version.revision.user else None
        raise ValidationError(
            _("%(who)s saved this article at %(time)s while you were editing it. Nothing is lost: "
              "your text is still in the form, their changes are listed below and taken over "
              "wherever you changed nothing. Check the fields you both changed, then save again.")
            % {"who": who.get_full_name() or who.get_username() if who else _("Someone else"),
               "time": formats.time_format(timezone.localtime(current), "H:i:s")},
            code="edit_conflict",
        )  # fmt: skip

    MERGE_EXCLUDED = {"loaded_version", "loaded_values", "status_comment"}

    def _mergeable(self):
        return [
            name
            for name, field in self.fields.items()
            if name not in self.MERGE_EXCLUDED and not isinstance(field, forms.FileField)
        ]

    def _plain_values(self, values) -> dict:
        """Comparable JSON values of the form's fields (ids for relations, tag names, the
        sanitized text, dates to the second)."""
        return {name: _plain(values.get(name)) for name in self._mergeable()}

    def _set_data(self, name, value):
        """Put `value` into the submitted data as the field's widget would have sent it."""
        field = self.fields[name]
        widget = field.widget
        while hasattr(widget, "widget"):  # the admin's related-object wrappers
            widget = widget.widget
        prepared = field.prepare_value(value)
        if isinstance(widget, forms.MultiWidget):
            parts = widget.decompress(prepared)
            for suffix, sub, part in zip(widget.widgets_names, widget.widgets, parts, strict=True):
                self.data[name + suffix] = sub.format_value(part) or ""
        elif getattr(widget, "allow_multiple_selected", False):
            self.data.setlist(name, [str(_plain(v)) for v in prepared or []])
        elif isinstance(widget, forms.CheckboxInput):
            if prepared:
                self.data[name] = "on"
            else:
                self.data.pop(name, None)
        else:
            self.data[name] = widget.format_value(prepared) or ""

    def _display(self, name, value) -> str:
        plain = value
        if isinstance(value, list | tuple | QuerySet):
            plain = ", ".join(str(v) for v in value)
        elif name == "body":
            plain = Truncator(unescape(strip_tags(value or ""))).chars(300)
        elif isinstance(self.fields[name], forms.ModelChoiceField) and value:
            if not isinstance(value, Model):  # a pk, from the stored article
                plain = self.fields[name].queryset.filter(pk=value).first()
        return str(plain if plain not in (None, "") else "–")


def _plain(value):
    if isinstance(value, Tag | TaggitTag):
        return value.name
    if isinstance(value, Model):
        return value.pk
    if isinstance(value, list | tuple | QuerySet):
        return sorted((_plain(v) for v in value), key=str)
    if isinstance(value, datetime):
        # In UTC: the stored value and the form's (Berlin time) must compare equal.
        return value.astimezone(UTC).replace(microsecond=0).isoformat()
    if value is None:
        return ""
    return value
