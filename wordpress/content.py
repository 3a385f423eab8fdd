"""A WordPress post's content turned into the article body Newsroom stores.

WordPress keeps a post either as "classic" text, HTML whose paragraphs are blank lines
(wpautop() makes the <p>s when the post is shown), or as Gutenberg blocks: HTML framed by
`<!-- wp:… -->` comments, shown as it stands. Both carry shortcodes ([caption], [gallery],
[embed], the plugins' own) and embeds that load a third party's scripts.

convert() returns HTML in the shape the article editor (CKEditor 5) writes: paragraphs,
headings, lists, quotes, tables, and images as `<figure class="image"><img
src="/media/…"><figcaption>…</figcaption></figure>`. An embedded video or post becomes a
link card ("Video bei YouTube: <link>"): nothing is loaded from a third party before a
reader clicks. The importer passes the result through newsroom.sanitize.sanitize_html():
this module shapes the text, the sanitizer guards it.

Shortcodes: WordPress expands only those a plugin registered, a list we do not have. A
bracketed name counts as a shortcode when it looks like one (_looks_like_shortcode): a
name in _KNOWN_SHORTCODES ([video], [toc], …), attributes (`[foo a="b"]`, `[foo=…]`), a
closing tag (`[foo]…[/foo]`, a lone `[/foo]`), a self-closing slash (`[foo /]`), or a
name with "_" or "-" (`[vc_row]`, `[contact-form-7]`). A lone word in brackets stays
text: "[sic]", "[lacht]", "[1]", "Er [der Bürgermeister] sagte". `[[foo]]` is `[foo]`.
"""

import html as htmllib
import json
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import parse_qs, quote, urlsplit

from lxml import etree
from lxml import html as lxml_html
from lxml.html import HtmlElement


@dataclass
class Converted:
    html: str  # the converted HTML (not yet sanitized)
    # name -> count; not caption/gallery/embed, except a [gallery] without ids (not converted)
    shortcodes_removed: Counter = field(default_factory=Counter)
    embeds: int = 0  # embeds turned into link cards
    galleries: int = 0  # [gallery] shortcodes and gallery blocks converted
    # srcs of images image_url() could not map ("attachment_id=N" when there was no src)
    missing_images: list[str] = field(default_factory=list)
    attachment_ids: set[int] = field(default_factory=set)


# wpautop(), ported from wp-includes/formatting.php (WordPress 6.x) ---------------------

_ALLBLOCKS = (
    r"(?:table|thead|tfoot|caption|col|colgroup|tbody|tr|td|th|div|dl|dd|dt|ul|ol|li|pre"
    r"|form|map|area|blockquote|address|style|p|h[1-6]|hr|fieldset|legend|section|article"
    r"|aside|hgroup|header|footer|nav|figure|figcaption|details|menu|summary)"
)
# get_html_split_regex(): comments, CDATA sections and tags.
_HTML_SPLIT = re.compile(
    r"(<(?:(?=!--)!(?:-(?!->)[^-]*+)*+(?:-->)?"
    r"|(?=!\[CDATA\[)!\[CDATA\[[^\]]*+(?:](?!]>)[^\]]*+)*+(?:]]>)?"
    r"|[^>]*>?))"
)


def _sub(pattern: str, repl, text: str, flags: int = 0) -> str:
    # re.ASCII: PHP's \s (no /u) does not match a no-break space.
    return re.sub(pattern, repl, text, flags=re.ASCII | flags)


def _replace_in_html_tags(text: str, needle: str, replacement: str) -> str:
    parts = _HTML_SPLIT.split(text)
    parts[1::2] = [part.replace(needle, replacement) for part in parts[1::2]]
    return "".join(parts)


def autop(text: str) -> str:
    """WordPress's wpautop: blank lines make paragraphs, single newlines <br />, block
    elements are not wrapped, <pre> is left alone. The PHP function's rules, in its order."""
    if not text.strip(" \t\n\r\0\x0b"):
        return ""
    text += "\n"
    pre_tags: dict[str, str] = {}
    if "<pre" in text:
        *parts, last = text.split("</pre>")
        text = ""
        for part in parts:
            start = part.find("<pre")
            if start == -1:  # Malformed HTML?
                text += part
                continue
            name = f"<pre wp-pre-tag-{len(pre_tags)}></pre>"
            pre_tags[name] = part[start:] + "</pre>"
            text += part[:start] + name
        text += last
    text = _sub(r"<br\s*/?>\s*<br\s*/?>", "\n\n", text)
    text = _sub(rf"(<{_ALLBLOCKS}[\s/>])", r"\n\n\1", text)
    text = _sub(rf"(</{_ALLBLOCKS}>)", r"\1\n\n", text)
    text = _sub(r"(<hr\s*?/?>)", r"\1\n\n", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _replace_in_html_tags(text, "\n", " <!-- wpnl --> ")
    if "<option" in text:
        text = _sub(r"\s*<option", "<option", text)
        text = _sub(r"</option>\s*", "</option>", text)
    if "</object>" in text:
        text = _sub(r"(<object[^>]*>)\s*", r"\1", text)
        text = _sub(r"\s*</object>", "</object>", text)
        text = _sub(r"\s*(</?(?:param|embed)[^>]*>)\s*", r"\1", text)
    if "<source" in text or "<track" in text:
        text = _sub(r"([<\[](?:audio|video)[^>\]]*[>\]])\s*", r"\1", text)
        text = _sub(r"\s*([<\[]/(?:audio|video)[>\]])", r"\1", text)
        text = _sub(r"\s*(<(?:source|track)[^>]*>)\s*", r"\1", text)
    if "<figcaption" in text:
        text = _sub(r"\s*(<figcaption[^>]*>)", r"\1", text)
        text = _sub(r"</figcaption>\s*", "</figcaption>", text)
    text = _sub(r"\n\n+", "\n\n", text)
    paragraphs = [p for p in re.split(r"\n\s*\n", text, flags=re.ASCII) if p]
    text = "".join(f"<p>{p.strip(chr(10))}</p>\n" for p in paragraphs)
    text = _sub(r"<p>\s*</p>", "", text)
    text = _sub(r"<p>([^<]+)</(div|address|form)>", r"<p>\1</p></\2>", text)
    text = _sub(rf"<p>\s*(</?{_ALLBLOCKS}[^>]*>)\s*</p>", r"\1", text)
    text = _sub(r"<p>(<li.+?)</p>", r"\1", text)
    text = _sub(r"<p><blockquote([^>]*)>", r"<blockquote\1><p>", text, re.IGNORECASE)
    text = text.replace("</blockquote></p>", "</p></blockquote>")
    text = _sub(rf"<p>\s*(</?{_ALLBLOCKS}[^>]*>)", r"\1", text)
    text = _sub(rf"(</?{_ALLBLOCKS}[^>]*>)\s*</p>", r"\1", text)
    keep = lambda m: m[0].replace("\n", "<WPPreserveNewline />")  # noqa: E731
    text = _sub(r"<(script|style|svg|math).*?</\1>", keep, text, re.DOTALL)
    text = text.replace("<br>", "<br />").replace("<br/>", "<br />")
    text = _sub(r"(?<!<br />)\s*\n", "<br />\n", text)
    text = text.replace("<WPPreserveNewline />", "\n")
    text = _sub(rf"(</?{_ALLBLOCKS}[^>]*>)\s*<br />", r"\1", text)
    text = _sub(r"<br />(\s*</?(?:p|li|div|dl|dd|dt|th|pre|td|ul|ol)[^>]*>)", r"\1", text)
    text = _sub(r"\n</p>$", "</p>", text)
    for name, pre in pre_tags.items():
        text = text.replace(name, pre)
    return text.replace(" <!-- wpnl --> ", "\n").replace("<!-- wpnl -->", "\n")


# Embeds -------------------------------------------------------------------------------

_YOUTUBE_HOSTS = {"youtube.com", "youtu.be", "youtube-nocookie.com", "music.youtube.com"}


def _embed_target(url: str, *, any_host: bool = True) -> tuple[str, str] | None:
    """(label, link) for an embedded thing's URL: the provider's page, not its player.
    None for anything but http(s), and for unknown hosts unless `any_host`."""
    url = url.strip()
    url = "https:" + url if url.startswith("//") else url
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").removeprefix("www.").removeprefix("m.")
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not host:
        return None
    path, query = parts.path, parse_qs(parts.query)
    segments = [s for s in path.split("/") if s]
    if host in _YOUTUBE_HOSTS:
        video = None
        if host == "youtu.be" and segments:
            video = segments[0]
        elif path == "/watch":
            video = query.get("v", [""])[0]
        elif len(segments) > 1 and segments[0] in ("embed", "v", "shorts", "live"):
            video = segments[1].split("&")[0]  # old Flash players: /v/ID&hl=de
        start = (query.get("t") or query.get("start") or [""])[0]
        if video and re.fullmatch(r"[\w-]+", video, re.ASCII) and video != "videoseries":
            start = f"&t={start}" if re.fullmatch(r"\w+", start, re.ASCII) else ""
            return "Video bei YouTube", f"https://www.youtube.com/watch?v={video}{start}"
        if "list" in query:
            url = f"https://www.youtube.com/playlist?list={quote(query['list'][0])}"
        return "Video bei YouTube", url
    if host == "player.vimeo.com" and len(segments) > 1 and segments[0] == "video":
        private = "/" + query["h"][0] if "h" in query else ""  # unlisted videos
        return "Video bei Vimeo", f"https://vimeo.com/{segments[1]}{private}"
    if host == "vimeo.com":
        return "Video bei Vimeo", url
    if host in ("twitter.com", "x.com", "mobile.twitter.com"):
        return "Beitrag bei X", f"https://{parts.hostname}{path}"  # no ?ref_src=… trackers
    if host == "instagram.com":
        path = re.sub(r"/embed(/captioned)?/?$", "/", path)
        return "Beitrag bei Instagram", f"https://www.instagram.com{path}"
    if host in ("facebook.com", "web.facebook.com", "fb.watch"):
        if path.startswith("/plugins/") and "href" in query:  # the embed iframe
            return _embed_target(query["href"][0], any_host=False)
        return "Beitrag bei Facebook", url
    return (f"Inhalt bei {host}", url) if any_host else None


def _card(label: str, url: str) -> str:
    url = htmllib.escape(url)
    return f'<p><strong>{label}:</strong> <a href="{url}">{url}</a></p>'


def _card_html(url: str | None, result: Converted, *, any_host: bool = True) -> str:
    target = _embed_target(url or "", any_host=any_host)
    if target is None:
        return ""
    result.embeds += 1
    return _card(*target)


_EMBED_SHORTCODE = re.compile(
    r"(?<!\[)\[(embed|youtube|vimeo|tweet|instagram|facebook)(?![\w-])([^\]]*)\]"
    r"(?:([^\[]*)\[/\1\])?",
    re.IGNORECASE,
)
_URL_LINE = re.compile(r'^(\s*)(https?://[^\s<>"]+)(\s*)$', re.IGNORECASE | re.M | re.ASCII)


def _embed_shortcodes(text: str, result: Converted) -> str:
    """[embed]URL[/embed], [youtube URL], [youtube=URL] (Jetpack), [vimeo 123], …"""

    def card(m: re.Match) -> str:
        name, attrs = m[1].lower(), _parse_attrs(m[2])
        if (m[3] or "").strip():
            url = m[3]
        elif m[2].lstrip().startswith("="):
            url = m[2].lstrip()[1:]
        else:
            url = attrs.get("url") or attrs.get("src") or attrs.get("id") or attrs.get("0", "")
        url = htmllib.unescape(url.strip())
        if name == "vimeo" and url.isdigit():
            url = f"https://vimeo.com/{url}"
        elif name == "tweet" and url.isdigit():
            url = f"https://x.com/i/status/{url}"
        elif name == "youtube" and re.fullmatch(r"[\w-]{11}", url, re.ASCII):
            url = f"https://www.youtube.com/watch?v={url}"
        return _card_html(url, result)

    return _EMBED_SHORTCODE.sub(card, text)


def _autoembed_lines(text: str, result: Converted) -> str:
    """WordPress embeds a known provider's URL standing alone on a line."""

    def card(m: re.Match) -> str:
        target = _embed_target(htmllib.unescape(m[2]), any_host=False)
        if target is None:
            return m[0]
        result.embeds += 1
        return m[1] + _card(*target) + m[3]

    text = _replace_in_html_tags(text, "\n", "<!-- wp-line-break -->")
    return _URL_LINE.sub(card, text).replace("<!-- wp-line-break -->", "\n")


# Block comments and shortcodes ----------------------------------------------------------

_BLOCK_COMMENT = re.compile(
    r"<!--\s+(/)?wp:([a-z][a-z0-9_-]*/)?([a-z][a-z0-9_-]*)\s+(\{.*?\}\s+)?(/)?-->", re.DOTALL
)
_SHORTCODE_ATTR = re.compile(
    r"""([\w-]+)\s*=\s*"([^"]*)"(?:\s|$)|([\w-]+)\s*=\s*'([^']*)'(?:\s|$)"""
    r"""|([\w-]+)\s*=\s*([^\s'"]+)(?:\s|$)|"([^"]*)"(?:\s|$)|'([^']*)'(?:\s|$)|(\S+)(?:\s|$)"""
)
_CAPTION = re.compile(r"(?<!\[)\[(caption|wp_caption)(?![\w-])([^\]]*)\](.*?)\[/\1\]", re.S)
_CAPTION_IMAGE = re.compile(r"\s*((?:<a\b[^>]*>\s*)?<img\b[^>]*>(?:\s*</a>)?)(.*)", re.S | re.I)
_GALLERY = re.compile(r"(?<!\[)\[gallery(?![\w-])([^\]]*)\]")
_SHORTCODE_TAG = re.compile(
    r"\[(\[?)(/?)([A-Za-z][A-Za-z0-9_-]*)(?![\w-])((?:[^\[\]/]|/(?!\]))*)(/?)\](\]?)"
)
_ATTRIBUTE_SYNTAX = re.compile(r"(?:^|\s)[\w-]+\s*=|^\s*=")
_KNOWN_SHORTCODES = frozenset(
    """audio video playlist embed caption wp_caption gallery youtube vimeo tweet instagram
    facebook soundcloud spotify dailymotion flickr googlemaps slideshow archives sitemap
    wpvideo polldaddy crowdsignal recipe toc ad ads adsense adrotate newsletter donate
    paypal button box column columns row tabs tab accordion toggle spoiler divider clear
    dropcap highlight alert notice pullquote slider carousel poll countdown download pdf
    """.split()
)


def _parse_attrs(text: str) -> dict[str, str]:
    """shortcode_parse_atts(): named attributes by name, the others as "0", "1", …"""
    attrs: dict[str, str] = {}
    for m in _SHORTCODE_ATTR.finditer(re.sub("[\u00a0\u200b]+", " ", text)):
        if m[1] or m[3] or m[5]:
            attrs[(m[1] or m[3] or m[5]).lower()] = m[2] if m[1] else m[4] if m[3] else m[6]
        else:
            attrs[str(len([k for k in attrs if k.isdigit()]))] = next(
                g for g in (m[7], m[8], m[9]) if g is not None
            )
    return attrs


def _strip_block_comments(text: str, result: Converted) -> str:
    def replace(m: re.Match) -> str:
        if m[5] and (m[3] == "embed" or m[2] == "core-embed/"):  # <!-- wp:embed {…} /-->
            try:
                url = json.loads(m[4] or "{}").get("url")
            except (ValueError, AttributeError):
                url = None
            return _card_html(url if isinstance(url, str) else None, result)
        return ""

    return _BLOCK_COMMENT.sub(replace, text)


def _captions(text: str, result: Converted) -> str:
    def figure(m: re.Match) -> str:
        attrs, found = _parse_attrs(m[2]), _CAPTION_IMAGE.match(m[3])
        if not found:
            return m[3]
        image, caption = found.groups()
        caption = re.sub(r"^(?:\s|<br\s*/?>)+|(?:\s|<br\s*/?>)+$", "", caption)
        caption = caption or attrs.get("caption", "").strip()
        if attachment := re.fullmatch(r"attachment_(\d+)", attrs.get("id", ""), re.ASCII):
            result.attachment_ids.add(int(attachment[1]))
            marked = f'<img data-wp-id="{attachment[1]}"'
            image = re.sub(r"<img\b", marked, image, count=1, flags=re.I)
        caption = f"<figcaption>{caption}</figcaption>" if caption else ""
        return f'<figure class="image">{image}{caption}</figure>'

    return _CAPTION.sub(figure, text)


def _galleries(text: str, result: Converted) -> str:
    def figures(m: re.Match) -> str:
        attrs = _parse_attrs(m[1])
        ids = [int(i) for i in re.findall(r"[0-9]+", attrs.get("ids") or attrs.get("include", ""))]
        if not ids:  # all of the post's attachments: not known here
            result.shortcodes_removed["gallery"] += 1
            return ""
        result.galleries += 1
        result.attachment_ids.update(ids)
        return "".join(f'<figure class="image"><img data-wp-id="{i}" src=""></figure>' for i in ids)

    return _GALLERY.sub(figures, text)


def _looks_like_shortcode(name: str, attrs: str, self_closing: str, closed: set[str]) -> bool:
    return bool(
        name in _KNOWN_SHORTCODES
        or self_closing
        or name in closed
        or "_" in name
        or "-" in name
        or _ATTRIBUTE_SYNTAX.search(attrs)
    )


def _remove_shortcodes(text: str, result: Converted) -> str:
    """Every other shortcode goes; what it encloses stays. Counted by name."""
    closed = set(re.findall(r"\[/([A-Za-z][A-Za-z0-9_-]*)\]", text))
    opened, closers, escaped = Counter(), Counter(), set()

    def remove(m: re.Match) -> str:
        escape_open, closing, name, attrs, self_closing, escape_close = m.groups()
        if escape_open and escape_close:  # [[foo]] is how one writes "[foo]"
            escaped.add(name)
            return m[0][1:-1]
        if closing and escape_close and name in escaped:  # the end of [[foo]…[/foo]]
            return m[0][:-1]
        if not closing and not _looks_like_shortcode(name, attrs, self_closing, closed):
            return m[0]
        if escape_open:
            escaped.add(name)
            return m[0][1:]
        (closers if closing else opened)[name] += 1
        return escape_close

    text = _SHORTCODE_TAG.sub(remove, text)
    result.shortcodes_removed.update(opened | closers)  # a lone [/foo] counts too
    return text


# The HTML tree --------------------------------------------------------------------------

_BLOCK_TAGS = frozenset(
    "address article aside blockquote details div dl fieldset figure footer form h1 h2 h3 "
    "h4 h5 h6 header hr ol p pre section table ul".split()
)
_IMAGE_FILE = re.compile(r"\.(jpe?g|png|gif|webp|avif|bmp|tiff?|svg)$", re.I)
_BARE_URL = re.compile(r"https?://\S+", re.ASCII)
_CARD_TEXT = re.compile(r"(?:Video|Beitrag|Inhalt) bei [^:]+: \S+")


def _attached(el: HtmlElement, root: HtmlElement) -> bool:
    return any(ancestor is root for ancestor in el.iterancestors())


def _replace(el: HtmlElement, new: list[HtmlElement]) -> None:
    for element in new:
        el.addprevious(element)
    el.drop_tree()  # its tail joins the last new element


def _element(tag: str, text: str | None = None, **attrs: str) -> HtmlElement:
    element = lxml_html.Element(tag, attrs)
    element.text = text
    return element


def _image_unit(img: HtmlElement) -> HtmlElement:
    """The image, or the <a> around it and nothing else."""
    a = img.getparent()
    if a is None or a.tag != "a" or len(a) != 1 or (a.text or "").strip():
        return img
    return img if (img.tail or "").strip() else a


def _is_media_link(href: str) -> bool:
    parts = urlsplit(href)
    return bool(
        _IMAGE_FILE.search(parts.path)  # not a PDF behind its cover picture
        or "/attachment/" in parts.path
        or "attachment_id=" in parts.query
    )


def _image_figure(img: HtmlElement, caption: HtmlElement | None) -> HtmlElement:
    figure = _element("figure", **{"class": "image"})
    unit = _image_unit(img)
    unit.tail = None
    figure.append(unit)
    if caption is not None and caption.text_content().strip():
        caption.attrib.clear()
        caption.tail = None
        figure.append(caption)
    return figure


def _caption_paragraph(caption: HtmlElement | None) -> list[HtmlElement]:
    if caption is None or not caption.text_content().strip():
        return []
    caption.tag, caption.tail = "p", None
    caption.attrib.clear()
    return [caption]


def _convert_embeds(root: HtmlElement, result: Converted) -> None:
    for el in list(root.iter("figure", "iframe", "blockquote", "div", "object", "embed", "p")):
        if not _attached(el, root):
            continue
        classes = (el.get("class") or "").split()
        after: list[HtmlElement] = []
        any_host = True
        if el.tag == "figure" and "wp-block-embed" in classes:
            wrapper = el.find_class("wp-block-embed__wrapper")
            url = wrapper[0].text_content() if wrapper else ""
            if not url.strip():
                url = next((a.get("href", "") for a in el.iter("a", "iframe")), "")
            after = _caption_paragraph(el.find("figcaption"))
        elif el.tag == "iframe":
            url = el.get("src") or el.get("data-src") or ""
        elif el.tag in ("object", "embed"):
            movie = el.xpath(".//param[@name='movie']/@value | .//embed/@src")
            url, any_host = el.get("data") or el.get("src") or "".join(movie[:1]), False
        elif el.tag == "blockquote" and "twitter-tweet" in classes:
            links = [a.get("href", "") for a in el.iter("a") if "/status" in a.get("href", "")]
            url = links[-1] if links else ""
            quote = _element("blockquote")  # the tweet's text, readable as it is
            quote.text = el.text
            quote.extend(el)
            after = [quote] if quote.text_content().strip() else []
        elif el.tag == "blockquote" and "instagram-media" in classes:
            url = el.get("data-instgrm-permalink") or next(
                (a.get("href", "") for a in el.iter("a")), ""
            )
        elif el.tag == "div" and {"fb-post", "fb-video"} & set(classes):
            url = el.get("data-href") or ""
        elif el.tag == "p" and _BARE_URL.fullmatch(text := el.text_content().strip()):
            link = el[0] if len(el) == 1 and el[0].tag == "a" else None
            if len(el) > 1 or (link is not None and link.get("href", "").strip() != text):
                continue
            if _embed_target(text, any_host=False) is None:
                if link is None and _embed_target(text):  # WordPress shows it as a link
                    el.text = None
                    el.append(_element("a", text, href=text))
                continue
            url = text
        else:
            continue
        card = _card_html(url, result, any_host=any_host)
        _replace(el, ([lxml_html.fragment_fromstring(card)] if card else []) + after)


def _convert_galleries(root: HtmlElement, result: Converted) -> None:
    for gallery in list(root.iter("figure", "ul", "div")):
        if "wp-block-gallery" not in (gallery.get("class") or "").split():
            continue
        if not _attached(gallery, root):
            continue
        figures = []
        for img in list(gallery.iter("img")):
            holder = next(img.iterancestors("figure"), None)
            caption = holder.find("figcaption") if holder not in (None, gallery) else None
            if (link := _image_unit(img)) is not img:
                link.drop_tag()  # a gallery links to its image files
            figures.append(_image_figure(img, caption))
        caption = next((c for c in gallery if c.tag == "figcaption"), None)
        _replace(gallery, figures + _caption_paragraph(caption))
        result.galleries += 1


def _normalize_figures(root: HtmlElement) -> None:
    """Image figures in the editor's shape; tables as CKEditor's; other figures unwrapped."""
    for figure in list(root.iter("figure")):
        if not _attached(figure, root):
            continue
        images = list(figure.iter("img"))
        if figure.find(".//table") is not None:
            figure.attrib.clear()
            figure.set("class", "table")
        elif images:
            caption = figure.find(".//figcaption")  # goes with the last image
            captions = [None] * (len(images) - 1) + [caption]
            _replace(figure, [_image_figure(i, c) for i, c in zip(images, captions, strict=True)])
        else:  # pullquote, audio, video, …: the content stays
            for caption in figure.findall("figcaption"):
                _caption_paragraph(caption)
            figure.drop_tag()


def _map_images(root: HtmlElement, result: Converted, image_url: Callable) -> None:
    for img in list(root.iter("img")):
        classes = img.get("class") or ""
        src = (img.get("src") or "").strip()
        if lazy := img.get("data-lazy-src") or img.get("data-src"):
            src = lazy.strip() if not src or src.startswith("data:") else src
        if "wp-smiley" in classes or "/images/core/emoji/" in src:  # an emoji as a picture
            img.tail = (img.get("alt") or "") + (img.tail or "")
            img.drop_tree()
            continue
        found = re.search(r"\bwp-image-([0-9]+)\b", classes)
        number = found[1] if found else img.get("data-wp-id") or img.get("data-id") or ""
        attachment_id = int(number) if re.fullmatch(r"[0-9]+", number) else None
        if attachment_id is not None:
            result.attachment_ids.add(attachment_id)
        figure = next(img.iterancestors("figure"), None)
        new_src = image_url(attachment_id, src)
        if not new_src:
            if src or attachment_id is not None:
                result.missing_images.append(src or f"attachment_id={attachment_id}")
            _replace(_image_unit(img), [])
            if figure is not None and next(figure.iter("img"), None) is None:
                _replace(figure, [])
            continue
        alt = img.get("alt")
        img.attrib.clear()
        img.set("src", new_src)
        if alt is not None:
            img.set("alt", alt)
        if figure is None:
            unit = _image_unit(img)
            figure = _element("figure", **{"class": "image"})
            figure.tail, unit.tail = unit.tail, None
            unit.addprevious(figure)
            figure.append(unit)


def _split_paragraph(p: HtmlElement) -> None:
    """<p>text <figure>…</figure> more</p> → <p>text</p><figure>…</figure><p>more</p>."""
    pieces, current = [], _element("p", p.text)
    for child in list(p):
        if child.tag in _BLOCK_TAGS:
            pieces += [current, child]
            current, child.tail = _element("p", child.tail), None
        else:
            current.append(child)
    _replace(p, [*pieces, current])


def _rework(text: str, result: Converted, image_url: Callable, link_url: Callable) -> str:
    if not text.strip():
        return ""
    root = lxml_html.fragment_fromstring(text, create_parent="div")
    for node in list(root.iter(etree.Comment, "script", "style", "noscript")):
        node.drop_tree()
    _convert_embeds(root, result)
    _convert_galleries(root, result)
    for img in list(root.iter("img")):
        if (link := _image_unit(img)) is not img and _is_media_link(link.get("href", "")):
            link.drop_tag()  # a link to the image's own file or attachment page
    _normalize_figures(root)
    _map_images(root, result, image_url)
    for p in list(root.iter("p")):
        if any(child.tag in _BLOCK_TAGS for child in p):
            _split_paragraph(p)
    for cite in list(root.iter("cite")):  # a quote's source, on a line of its own
        if cite.getparent().tag == "blockquote":
            cite.tag, cite.text = "p", "— " + (cite.text or "")
            cite.attrib.clear()
    for a in root.iter("a"):
        if (href := a.get("href")) and (new_href := link_url(href)):
            a.set("href", new_href)
    for p in list(root.iter("p")):
        if all(child.tag == "br" for child in p) and not p.text_content().strip():
            p.drop_tree()  # empty, or WordPress's <p>&nbsp;</p> spacers
    if root.text and not root.text.strip():
        root.text = None
    for child in root:
        if child.tag in _BLOCK_TAGS and not (child.tail or "").strip():
            child.tail = "\n"
    return lxml_html.tostring(root, encoding="unicode")[len("<div>") : -len("</div>")].strip()


def convert(
    html: str,
    *,
    image_url: Callable[[int | None, str], str | None],
    link_url: Callable[[str], str | None],
) -> Converted:
    """image_url(attachment_id_or_None, old_src) -> new src (a /media/... URL) or None.
    link_url(old_href) -> new path for an internal link, or None to leave the href alone."""
    result = Converted(html="")
    if "<!-- wp:" in html:  # blocks: shown as they stand, no autop
        html = _strip_block_comments(html, result)
        html = _embed_shortcodes(html, result)
    else:  # classic: embeds come before autop in WordPress too
        html = autop(_autoembed_lines(_embed_shortcodes(html, result), result))
    html = _remove_shortcodes(_galleries(_captions(html, result), result), result)
    result.html = _rework(html, result, image_url, link_url)
    return result


def first_paragraph_text(html: str) -> str:
    """Plain text of the first non-empty paragraph (for a teaser when the excerpt is empty);
    paragraphs in quotes and figures, and link cards, are passed over."""
    if not re.search(r"<p[\s>]", html):
        html = autop(html)
    if not html.strip():
        return ""
    root = lxml_html.fragment_fromstring(html, create_parent="div")
    for p in root.iter("p"):
        if any(a.tag in ("blockquote", "figure") for a in p.iterancestors()):
            continue
        text = " ".join(p.text_content().split())
        if text and not _CARD_TEXT.fullmatch(text):
            return text
    return ""
