"""The article form of the admin: the workflow's rules for whoever saves, the gates before
publishing, kept uploads, and a merge instead of an overwrite on an edit conflict."""

import json
from datetime import UTC, datetime, timedelta
from html import unescape

import reversion.models
from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.html import strip_tags
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from taggit.models import Tag as TaggitTag

from newsroom.text import slugify_de
from newsroom.validators import validate_tag_lengths

from . import workflow
from .models import Article, Category, Tag

# Recommended lengths, counted under the fields (admin/js/article_form.js). Headline: search
# results and two-line teaser cards cut at about 70 characters. Teaser: without a meta
# description, the page's description is its first 160 characters (Article.search_description),
# about what search snippets show (155–160); lists show all of it, so longer is allowed, just
# not advised. SEO title and meta description: the same limits, also their maximum lengths.
RECOMMENDED_LENGTHS = {"title": 70, "lead": 160, "seo_title": 60, "meta_description": 160}

SLUG_LENGTH = Article._meta.get_field("slug").max_length


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


class RequiredAutocompleteSelect(AutocompleteSelect):
    """The admin's autocomplete for a required choice, with an empty first option: HTML wants
    one in a `required` select, which otherwise holds just the chosen item, or none."""

    def optgroups(self, name, value, attr=None):
        groups = super().optgroups(name, value, attr)
        if self.is_required:
            groups[0][1].insert(0, self.create_option(name, "", "---------", False, 0))
        return groups


class ArticleAdminForm(forms.ModelForm):
    """The article form: the workflow's rules for whoever saves (ArticleAdmin.get_form sets
    `request`), the gates before publishing, and a merge instead of an overwrite when a
    colleague saved the article while this form was open."""

    request = None
    conflict = ()  # rows of a colleague's changes, after an edit conflict
    conflict_note = ""  # what happened, above those rows

    loaded_version = forms.CharField(widget=forms.HiddenInput, required=False)
    # The values this form was opened with, to tell a colleague's changes from one's own.
    loaded_values = forms.CharField(widget=forms.HiddenInput, required=False)
    status_comment = forms.CharField(
        label=_("Comment on the status change"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Optional, e.g. what the editor on duty should check. Kept in the history."),
    )
    # Publishing for the first time with a date in the past (the form's default is the
    # moment it was opened) publishes it now, unless this says the date is on purpose.
    keep_published_at = forms.BooleanField(
        label=_("Keep this date (backdated)"),
        required=False,
        help_text=_("Only when publishing for the first time: without the tick, a date in the "
                    "past becomes the moment of publishing."),
    )  # fmt: skip
    # "Planen…" (admin/articles/article/_schedule.html): a save with "_schedule" publishes
    # the article at this moment.
    schedule_at = forms.DateTimeField(
        label=_("Publish on"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )

    class Meta:
        model = Article
        fields = "__all__"  # noqa: DJ007 -- the admin's fieldsets choose what is shown
        widgets = {"category": RequiredAutocompleteSelect(Article.category.field, admin.site)}

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
        if self.request is not None and not self._may_keep_date():
            self.fields["keep_published_at"].widget = forms.HiddenInput()

    def _may_keep_date(self) -> bool:
        """Whether "keep this date" can matter: for someone who publishes an article that
        has not been live yet."""
        published_before = self.instance.pk and self.instance.status in (
            Article.Status.PUBLISHED,
            Article.Status.WITHDRAWN,
        )
        return workflow.can_publish(self.request.user) and not published_before

    def schedule_choices(self) -> list[tuple[str, str]]:
        """The quick choices of "Planen…": (label, value for the date and time field)."""
        now = timezone.localtime()
        at = {"minute": 0, "second": 0, "microsecond": 0}
        choices = [(_("Tomorrow, 6:00"), (now + timedelta(days=1)).replace(hour=6, **at))]
        if now.hour < 18:
            choices.append((_("Today, 18:00"), now.replace(hour=18, **at)))
        choices.append((_("Tomorrow, 18:00"), (now + timedelta(days=1)).replace(hour=18, **at)))
        return [(label, moment.strftime("%Y-%m-%dT%H:%M")) for label, moment in choices]

    def clean_slug(self):
        """A second article with the same headline gets "-2", "-3" … when its slug was
        filled in from the headline; a slug typed on purpose that is taken is refused."""
        slug = self.cleaned_data["slug"]
        title = self.cleaned_data.get("title") or ""
        from_headline = slugify_de(title)
        if slug and slug in (from_headline, from_headline[:SLUG_LENGTH].rstrip("-")):
            taken = Article.objects.filter(slug=slug).exclude(pk=self.instance.pk).exists()
            if taken or Category.objects.filter(slug=slug).exists():
                return Article(pk=self.instance.pk, title=title)._free_slug()
        return slug

    def clean_tags(self):
        tags = self.cleaned_data["tags"]
        validate_tag_lengths(tags, Tag)
        return tags

    def clean(self):
        cleaned = super().clean()
        if not self._schedule(cleaned):
            return cleaned
        self._check_workflow(cleaned)
        if self.instance.pk:
            self._merge_concurrent_save(cleaned)
        self._set_publication_moment(cleaned)
        return cleaned

    def _schedule(self, cleaned) -> bool:
        """Planen (a save with "_schedule"): published at the chosen future moment, by
        someone who may publish. False when refused (the form keeps everything entered)."""
        if self.request is None or "_schedule" not in self.data:
            return True
        moment = cleaned.get("schedule_at")
        try:
            workflow.check_schedule(self.request.user, self.instance, moment)
        except ValidationError as error:
            self.add_error("schedule_at" if error.code in ("required", "past") else None, error)
            return False
        cleaned["status"], cleaned["published_at"] = Article.Status.PUBLISHED, moment
        return True

    def _set_publication_moment(self, cleaned):
        """The date and time of going live (workflow.publication_moment), and an "offline
        from" after it."""
        if "status" in cleaned and cleaned.get("published_at"):
            cleaned["published_at"] = workflow.publication_moment(
                self.instance.status if self.instance.pk else None,
                cleaned["status"],
                cleaned["published_at"],
                keep=cleaned.get("keep_published_at", False),
            )
        published_at = cleaned.get("published_at", self.instance.published_at)
        expires_at = cleaned.get("expires_at")
        if expires_at and published_at and expires_at <= published_at:
            self.add_error(
                "expires_at",
                _("The article can only go offline after its publication date (%(moment)s).")
                % {"moment": formats.date_format(timezone.localtime(published_at), "d.m.Y, H:i")},
            )

    def _check_workflow(self, cleaned):
        """Server-side rules: who may set which status, and the gates before going live."""
        status = cleaned.get("status", self.instance.status)
        if "status" in self.fields and status and self.request is not None:
            try:
                workflow.check_transition(self.request.user, self.instance, status)
            except ValidationError:
                # Shown again, the menu cannot show the refused status (it is not offered):
                # it shows the stored one, so that saving again changes nothing unasked.
                self.data = self.data.copy()
                self.data["status"] = self.instance.status
                raise
        if status == Article.Status.PUBLISHED:
            values = {
                name: cleaned.get(name, getattr(self.instance, name, None))
                for name in (
                    "title",
                    "lead",
                    "body",
                    "lead_image",
                    "lead_image_alt",
                    "social_image",
                )
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
        # Shown as a notice above the table of their changes (_conflict.html), not as a red
        # error; the error only keeps this round from saving before the journalist has seen
        # what changed.
        self.conflict_note = (
            _("%(who)s saved this article at %(time)s while you were editing it. Nothing is lost: "
              "your text is still in the form. The table below lists their changes; wherever you "
              "changed nothing, they are already taken over. Check the fields you both changed, "
              "then save again.")
            % {"who": who.get_full_name() or who.get_username() if who else _("Someone else"),
               "time": formats.time_format(timezone.localtime(current), "H:i:s")}
        )  # fmt: skip
        raise ValidationError(self.conflict_note, code="edit_conflict")

    def non_field_errors(self):
        # The edit conflict is explained by its notice: the red list keeps the real errors.
        errors = super().non_field_errors()
        kept = [error for error in errors.as_data() if error.code != "edit_conflict"]
        if len(kept) == len(errors):
            return errors
        return self.error_class(kept, error_class="nonfield", renderer=self.renderer)

    MERGE_EXCLUDED = {
        "loaded_version",
        "loaded_values",
        "status_comment",
        "keep_published_at",
        "schedule_at",
    }

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
