from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

# Links readers can follow: web addresses only (no ftp:, javascript:, data: ...).
validate_http_url = URLValidator(
    schemes=["http", "https"],
    message=_("Please enter an address starting with http:// or https://."),
)


def validate_tag_lengths(tags, tag_model) -> None:
    """Tags (keywords) fit their database column: a longer one would fail only on saving."""
    limit = tag_model._meta.get_field("name").max_length
    for tag in tags:
        if len(tag) > limit:
            raise ValidationError(
                _("A tag may have at most %(limit)s characters: “%(tag)s”."),
                code="tag_too_long",
                params={"limit": limit, "tag": Truncator(tag).chars(40)},
            )
