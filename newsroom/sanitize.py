"""Rich-text sanitizing with an allowlist (nh3).

The allowlists match the CKEditor 5 toolbars in settings.CKEDITOR_5_CONFIGS: whatever an
editor can make survives, anything else (scripts, event handlers, javascript: URLs,
images from other hosts, inline styles) is dropped, whoever sent the form.
"""

import re

import nh3
from django import forms
from django.conf import settings
from django_ckeditor_5.fields import CKEditor5Field

_BASIC_TAGS = {"p", "br", "strong", "em", "b", "i", "a", "ul", "ol", "li"}
_ARTICLE_TAGS = _BASIC_TAGS | {
    "h2", "h3", "h4", "blockquote",
    "figure", "figcaption", "img",
    "table", "thead", "tbody", "tfoot", "tr", "th", "td", "caption",
}  # fmt: skip

PROFILES = {
    "basic": {
        "tags": _BASIC_TAGS,
        "attributes": {"a": {"href", "title"}},
        "allowed_classes": {},
    },
    "article": {
        "tags": _ARTICLE_TAGS,
        "attributes": {
            "a": {"href", "title"},
            "img": {"src", "alt", "width", "height"},
            "th": {"colspan", "rowspan", "scope"},
            "td": {"colspan", "rowspan"},
        },
        # CKEditor wraps images and tables in <figure class="image|table">.
        "allowed_classes": {"figure": {"image", "table"}},
    },
}

URL_SCHEMES = {"http", "https", "mailto", "tel"}
# After cleaning, an <img> whose src was dropped (a foreign host) is removed entirely, and
# a link whose href was dropped (javascript:, data:) leaves its text: <a> without href.
_IMG_WITHOUT_SRC = re.compile(r"<img(?![^>]*\ssrc=)[^>]*>")
_A_WITHOUT_HREF = re.compile(r"<a(?![^>]*\shref=)(?:\s[^>]*)?>(.*?)</a>", re.DOTALL)


def _local_images_only(tag: str, attribute: str, value: str) -> str | None:
    if tag == "img" and attribute == "src":
        # Only images uploaded to our own media storage; no hot-linking, no tracking pixels.
        if not value.startswith(settings.MEDIA_URL) or "//" in value or "\\" in value:
            return None
    return value


def sanitize_html(html: str, profile: str = "article") -> str:
    """Return `html` reduced to the allowlist of `profile` ("article" or "basic")."""
    if not html:
        return ""
    rules = PROFILES[profile]
    cleaned = nh3.clean(
        html,
        tags=rules["tags"],
        clean_content_tags={
            "script",
            "style",
            "iframe",
            "object",
            "embed",
            "noscript",
            "template",
            "svg",
            "math",
        },
        attributes=rules["attributes"],
        attribute_filter=_local_images_only,
        allowed_classes=rules["allowed_classes"],
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
        # Images in the text are below the lead image: load them when they come into view.
        # One attribute only: nh3 adds several in random order, and a body that reads
        # differently on each save would count as an update ("Aktualisiert am").
        set_tag_attribute_values={"img": {"loading": "lazy"}},
    )
    return _A_WITHOUT_HREF.sub(r"\1", _IMG_WITHOUT_SRC.sub("", cleaned)).strip()


class RichTextFormField(forms.CharField):
    """Compares what would be stored: CKEditor sends the HTML without the attributes the
    sanitizer adds, and an untouched text must not count as changed (history, conflicts)."""

    def __init__(self, *, sanitize_profile="article", **kwargs):
        self.sanitize_profile = sanitize_profile
        super().__init__(**kwargs)

    def clean(self, value):
        cleaned = sanitize_html(super().clean(value), self.sanitize_profile)
        if self.required and not cleaned:
            # Only what the allowlist drops was typed ("<script>…"): nothing would show.
            raise forms.ValidationError(self.error_messages["required"], code="required")
        return cleaned

    def has_changed(self, initial, data):
        profile = self.sanitize_profile
        return sanitize_html(initial or "", profile) != sanitize_html(data or "", profile)


class RichTextField(CKEditor5Field):
    """CKEditor 5 field whose HTML is sanitized every time the model is saved."""

    def __init__(self, *args, sanitize_profile="article", **kwargs):
        self.sanitize_profile = sanitize_profile
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        if self.sanitize_profile != "article":
            kwargs["sanitize_profile"] = self.sanitize_profile
        return name, path, args, kwargs

    def formfield(self, **kwargs):
        return super().formfield(
            **{"form_class": RichTextFormField, "sanitize_profile": self.sanitize_profile, **kwargs}
        )

    def sanitize(self, value: str) -> str:
        return sanitize_html(value or "", self.sanitize_profile)

    def pre_save(self, model_instance, add):
        value = sanitize_html(getattr(model_instance, self.attname) or "", self.sanitize_profile)
        setattr(model_instance, self.attname, value)
        return value
