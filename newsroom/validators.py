import re

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


# Unicode's control characters (category Cc: C0 with TAB, CR and LF, DEL, C1 with NEL) and
# its line and paragraph separators (Zl, Zp).
_NOT_ONE_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def validate_single_line(value: str) -> None:
    """For one-line fields (names, titles, captions ...), which end up in e-mail subjects,
    headings, feeds and metadata, where a line break would split them. A TAB is refused
    too: no one types one into a one-line field (the key moves to the next field), it only
    comes pasted from a table, and it would show as a gap here and a space there."""
    if value and _NOT_ONE_LINE.search(value):
        raise ValidationError(
            _("Please enter this without line breaks or control characters."),
            code="control_character",
        )
