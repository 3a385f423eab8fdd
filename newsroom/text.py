"""Text helpers shared by all apps."""

from django.utils.text import slugify

# Django's slugify drops umlauts to their base letter ("Bürgermeister" -> "burgermeister");
# German spells them out. Keep in sync with static/admin/js/german_urlify.js.
GERMAN_TRANSLITERATION = str.maketrans(
    {"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss", "ẞ": "SS"}
)


def slugify_de(value: str) -> str:
    """Slug with German transliteration: "Straße über Bürgermeister" -> "strasse-ueber-..."."""
    return slugify(str(value).translate(GERMAN_TRANSLITERATION))
