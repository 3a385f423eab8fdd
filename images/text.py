"""Library images inside article text, found by their stored file names."""

import re
from html import unescape
from urllib.parse import unquote

from django.conf import settings

# The sanitizer (nh3) writes attributes double-quoted and escaped, so these patterns are
# exact on stored text.
FIGURE = re.compile(r'<figure class="image[^"]*">(?P<inner>.*?)</figure>', re.S)
IMG = re.compile(r"<img\b[^>]*>")
SRC = re.compile(r'\ssrc="([^"]*)"')
ALT = re.compile(r'\salt="([^"]*)"')
CAPTION = re.compile(r"<figcaption>(?P<caption>.*?)</figcaption>", re.S)


def stored_name(src: str) -> str | None:
    """ "/media/images/2026/11/ab12.jpg" -> "images/2026/11/ab12.jpg" (None: not ours)."""
    if not src.startswith(settings.MEDIA_URL):
        return None
    return unquote(src[len(settings.MEDIA_URL) :])


def text_image_names(html: str) -> set[str]:
    names = (stored_name(unescape(m[1])) for m in SRC.finditer(html or ""))
    return {name for name in names if name}
