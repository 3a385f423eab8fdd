import re
from datetime import timedelta
from itertools import groupby

from django import forms
from django.conf import settings
from django.core.validators import RegexValidator
from django.template.defaultfilters import filesizeformat
from django.utils.html import escape
from django.utils.translation import gettext_lazy as _

from newsroom.images import validate_image
from newsroom.uploads import KeepUploadsMixin
from newsroom.validators import validate_http_url

from .models import JobAd, ads_today, validate_plain_text

DESCRIPTION_MAX_LENGTH = 5000
_LIST_ITEM = re.compile(r"^\s*[-•*]\s+")


def plain_text_to_html(text: str) -> str:
    """Employers write plain text: blank lines make paragraphs, "- " lines make lists.

    The public form offers no rich-text editor (the reading pages' CSP allows no inline
    styles, and employers need no more than this); the result is then sanitized on save
    like every rich text.
    """
    html = []
    for block in re.split(r"\n\s*\n", text.strip()):
        lines = [line.strip() for line in block.splitlines() if line.strip()]
        # Consecutive "- " lines form a list; other runs of lines form a paragraph.
        for is_item, run in groupby(lines, key=lambda line: bool(_LIST_ITEM.match(line))):
            run = list(run)
            if is_item:
                items = "".join(f"<li>{escape(_LIST_ITEM.sub('', line))}</li>" for line in run)
                html.append(f"<ul>{items}</ul>")
            else:
                html.append("<p>" + "<br>".join(escape(line) for line in run) + "</p>")
    return "".join(html)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class JobAdSubmitForm(KeepUploadsMixin, forms.ModelForm):
    keep_uploads = ["employer_logo"]  # a chosen logo survives an error elsewhere

    employer_logo = forms.FileField(
        label=_("Employer logo"),
        required=False,
        validators=[validate_image],
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/jpeg,image/png,image/gif,image/webp"}
        ),
    )
    description = forms.CharField(
        label=_("Full description"),
        max_length=DESCRIPTION_MAX_LENGTH,
        validators=[validate_plain_text],
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text=_(
            "Plain text, at most 5,000 characters. A blank line starts a new paragraph; "
            "lines starting with “- ” become a list."
        ),
    )
    apply_url = forms.CharField(
        label=_("Application link"),
        required=False,
        max_length=500,
        validators=[validate_http_url],
        widget=forms.URLInput(attrs={"placeholder": "https://"}),
        help_text=_("An address starting with https:// or http://."),
    )
    contact_phone = forms.CharField(
        label=_("Phone (optional)"),
        required=False,
        max_length=40,
        validators=[
            RegexValidator(
                r"^[0-9 +()/-]*$",
                _("Please enter a phone number using digits, spaces and + ( ) / - only."),
            )
        ],
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    privacy = forms.BooleanField(
        label=_(
            "I have read the privacy notice and agree that my contact details are stored "
            "to process this ad."
        ),
        error_messages={"required": _("Please agree to the privacy notice to submit the ad.")},
    )
    # Honeypot: hidden from people, filled in by form-filling bots.
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    class Meta:
        model = JobAd
        fields = [
            "employer_name",
            "employer_logo",
            "title",
            "place",
            "teaser",
            "description",
            "apply_url",
            "apply_email",
            "first_day",
            "last_day",
            "contact_name",
            "contact_email",
            "contact_phone",
        ]
        labels = {
            "employer_name": _("Employer"),
            "title": _("Job title"),
            "place": _("Place of work"),
            "teaser": _("Short teaser"),
            "apply_email": _("Application e-mail"),
            "first_day": _("First day"),
            "last_day": _("Last day"),
            "contact_name": _("Your name"),
            "contact_email": _("Your e-mail address"),
        }
        help_texts = {
            "employer_name": None,
            "title": _("Please add a gender note, e.g. “Pflegefachkraft (m/w/d)”."),
            "place": _("e.g. “Lindenau-Nord”."),
            "teaser": _("One or two sentences, at most 300 characters."),
            "apply_email": _("Needed only if there is no application link."),
            "first_day": _("The ad appears at 0:00 on this day (German time)."),
            "contact_email": _("For our questions and the decision; it is not published."),
        }
        widgets = {
            "first_day": DateInput(),
            "last_day": DateInput(),
            "employer_name": forms.TextInput(attrs={"autocomplete": "organization"}),
            "contact_name": forms.TextInput(attrs={"autocomplete": "name"}),
            "contact_email": forms.EmailInput(attrs={"autocomplete": "email"}),
            "teaser": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact_email"].required = True
        self.fields["contact_name"].required = True
        self.fields["employer_logo"].help_text = _(
            "Optional. JPEG, PNG, GIF or WebP, at most %(size)s."
        ) % {"size": filesizeformat(settings.IMAGE_UPLOAD_MAX_BYTES)}
        self.fields["last_day"].help_text = _(
            "The ad is shown until 23:59 on this day; at most %(days)s days in all."
        ) % {"days": settings.ADS_MAX_RUN_DAYS}
        for field in self.fields.values():
            if getattr(field, "max_length", None):
                field.widget.attrs.setdefault("maxlength", str(field.max_length))

    @property
    def is_spam(self) -> bool:
        return bool(self.data.get("website"))

    def clean_description(self) -> str:
        return plain_text_to_html(self.cleaned_data["description"])

    def clean(self):
        cleaned = super().clean()
        first, last = cleaned.get("first_day"), cleaned.get("last_day")
        today = ads_today()
        if first and first < today:
            self.add_error("first_day", _("The first day cannot be in the past."))
        elif first and first > today + timedelta(days=365):
            self.add_error("first_day", _("The first day must be within the next twelve months."))
        if first and last and last >= first:
            if (last - first).days + 1 > settings.ADS_MAX_RUN_DAYS:
                self.add_error(
                    "last_day",
                    _("An ad can run for at most %(days)s days.")
                    % {"days": settings.ADS_MAX_RUN_DAYS},
                )
        return cleaned

    def _post_clean(self):
        # The logo is validated by the form field above; the model's copy of the same
        # check would only decode the file a second time.
        logo = self.cleaned_data.pop("employer_logo", None)
        super()._post_clean()
        self.cleaned_data["employer_logo"] = logo

    def service_kwargs(self) -> dict:
        data = {name: self.cleaned_data.get(name) for name in self.Meta.fields}
        return {
            key: ("" if value is None and key != "employer_logo" else value)
            for key, value in data.items()
        }


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for the rejection"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        help_text=_("Sent to the employer with the decision, so write it for them."),
    )
