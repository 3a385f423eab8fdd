"""The WXR reader (wordpress/wxr.py): the sample export, namespace versions, gzip, text edge
cases, dates, refusals (broken XML, not WXR, DTD/entities) and flat memory."""

import gzip
import io
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from wordpress import wxr
from wordpress.wxr import Author, Channel, Item, Term, WXRError

# The real sample export beside the project (/work/shared in development and CI).
SAMPLE = Path(settings.BASE_DIR).parent / "shared" / "wordpress-sample" / "export.xml"


@pytest.fixture(autouse=True)
def _english():
    """Messages are checked in English (the German .po may translate them)."""
    with translation.override("en"):
        yield


def document(body: str = "", *, version: str = "1.2", scheme: str = "http", head: str = "") -> str:
    """A WXR file whose channel holds `body`, with the WordPress namespaces of `version`."""
    ns = f"{scheme}://wordpress.org/export/{version}/"
    return f"""<?xml version="1.0" encoding="UTF-8" ?>{head}
<rss version="2.0" xmlns:excerpt="{ns}excerpt/"
	xmlns:content="http://purl.org/rss/1.0/modules/content/"
	xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="{ns}">
<channel>
	<title>Lippe Kurier</title>
	<link>https://lippe.example</link>
	<language>de-DE</language>
	<wp:wxr_version>{version}</wp:wxr_version>
	<wp:base_site_url>https://lippe.example</wp:base_site_url>
	<wp:base_blog_url>https://lippe.example/blog</wp:base_blog_url>
{body}
</channel>
</rss>
"""


def item(post_id="7", title="Hallo", content="", extra: str = "") -> str:
    return f"""<item>
	<title>{title}</title>
	<dc:creator><![CDATA[jana]]></dc:creator>
	<content:encoded>{content}</content:encoded>
	<wp:post_id>{post_id}</wp:post_id>
	<wp:post_type><![CDATA[post]]></wp:post_type>
	{extra}
</item>"""


def write(tmp_path: Path, text: str | bytes, name: str = "export.xml") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


def items(source) -> list[Item]:
    return [entry for entry in wxr.read(source) if isinstance(entry, Item)]


def refusal(source) -> tuple[WXRError, list]:
    """The WXRError reading `source` ends with, and what was yielded before it."""
    seen = []
    with pytest.raises(WXRError) as caught:
        for entry in wxr.read(source):
            seen.append(entry)
    return caught.value, seen


# --- The sample export ----------------------------------------------------------------


@pytest.fixture(scope="module")
def sample() -> list:
    return list(wxr.read(SAMPLE))


def test_sample_counts(sample):
    assert isinstance(sample[0], Channel)
    assert sum(isinstance(entry, Channel) for entry in sample) == 1
    assert sample[0].title == "Lippeland Lokal"
    assert sample[0].wxr_version == "1.2"
    assert sample[0].language == "de-DE"
    assert sample[0].base_site_url == "http://127.0.0.1:8081"

    authors = [entry for entry in sample if isinstance(entry, Author)]
    assert len(authors) == 5
    assert Author(2, "jbrueggemann", "jbrueggemann@lippeland.example", "Jana Brüggemann",
                  "Jana", "Brüggemann", "") in authors  # fmt: skip

    terms = [entry for entry in sample if isinstance(entry, Term)]
    categories = {term.slug: term for term in terms if term.taxonomy == "category"}
    tags = {term.slug: term for term in terms if term.taxonomy == "post_tag"}
    # Each category and tag is also repeated as <wp:term>: emitted once.
    assert len(categories) == 31 and len(tags) == 20
    assert len(terms) == 31 + 20 + 2  # + wp_theme and wp_template_part_area
    assert categories["dorsten-kultur"].parent_slug == "dorsten"
    assert categories["dorsten"].parent_slug == ""
    assert categories["dorsten"].name == "Dorsten"
    assert categories["dorsten"].id == 2
    assert tags["ausstellung"] == Term(44, "post_tag", "ausstellung", "Ausstellung", "", "")

    posts = [entry for entry in sample if isinstance(entry, Item) and entry.post_type == "post"]
    attachments = [e for e in sample if isinstance(e, Item) and e.post_type == "attachment"]
    assert len(posts) == 40 and len(attachments) == 24


def test_sample_post(sample):
    post = next(entry for entry in sample if isinstance(entry, Item) and entry.post_id == 215)
    assert post.title == "Kunstrasenplatz in Gahlen ist endlich fertig"
    assert post.creator == "shusemann"
    assert post.status == "publish"
    assert post.post_name == "kunstrasenplatz-in-gahlen-ist-endlich-fertig"
    assert post.categories == [("schermbeck-sport", "Sport")]
    assert post.tags == [("ehrenamt", "Ehrenamt"), ("handball", "Handball"), ("jugend", "Jugend")]
    assert post.meta["_thumbnail_id"] == "23"
    assert post.content.startswith("<!-- wp:paragraph -->\n<p><strong>Schermbeck.</strong>")
    assert post.date_gmt == datetime(2026, 6, 5, 15, 13, tzinfo=UTC)
    assert post.date_gmt.utcoffset().total_seconds() == 0
    assert post.date_local == datetime(2026, 6, 5, 17, 13)
    assert post.date_local.tzinfo is None
    assert post.modified_gmt == datetime(2026, 6, 5, 15, 13, tzinfo=UTC)
    assert (post.post_parent, post.menu_order, post.is_sticky, post.password) == (0, 0, False, "")
    assert post.comment_count == 0


def test_sample_attachments(sample):
    attachments = [e for e in sample if isinstance(e, Item) and e.post_type == "attachment"]
    first = attachments[0]
    assert first.attachment_url.endswith("/wp-content/uploads/2026/05/lippeland-symbolbild-01.jpg")
    assert first.meta["_wp_attachment_image_alt"] == "Symbolbild 01 (generiert)"
    for attachment in attachments:
        metadata = wxr.attachment_metadata(attachment)
        assert metadata["width"] == 1200 and metadata["height"] == 675
        assert len(metadata["sizes"]) == 4
        assert metadata["file"].startswith("2026/")
    assert wxr.attachment_metadata(first) == {
        "width": 1200,
        "height": 675,
        "file": "2026/05/lippeland-symbolbild-01.jpg",
        "sizes": [
            "lippeland-symbolbild-01-300x169.jpg",
            "lippeland-symbolbild-01-1024x576.jpg",
            "lippeland-symbolbild-01-150x150.jpg",
            "lippeland-symbolbild-01-768x432.jpg",
        ],
        "credit": "",
        "copyright": "",
        "caption": "",
        "title": "",
    }


def test_sample_from_file_object():
    with SAMPLE.open("rb") as stream:
        assert len(items(stream)) == 64


# --- Versions, namespaces, gzip -------------------------------------------------------

FULL_BODY = """
<wp:author><wp:author_id>3</wp:author_id><wp:author_login><![CDATA[jana]]></wp:author_login>
<wp:author_email>jana@lippe.example</wp:author_email>
<wp:author_display_name><![CDATA[Jana Brüggemann]]></wp:author_display_name>
<wp:author_first_name>Jana</wp:author_first_name><wp:author_last_name>Brüggemann</wp:author_last_name>
</wp:author>
<wp:category><wp:term_id>2</wp:term_id><wp:category_nicename>dorsten</wp:category_nicename>
<wp:category_parent></wp:category_parent><wp:cat_name><![CDATA[Dorsten]]></wp:cat_name>
<wp:category_description>Alles aus Dorsten</wp:category_description></wp:category>
<wp:category><wp:term_id>4</wp:term_id><wp:category_nicename>dorsten-sport</wp:category_nicename>
<wp:category_parent>dorsten</wp:category_parent><wp:cat_name>Sport</wp:cat_name></wp:category>
<wp:tag><wp:term_id>9</wp:term_id><wp:tag_slug>feuerwehr</wp:tag_slug>
<wp:tag_name>Feuerwehr</wp:tag_name><wp:tag_description>Brände</wp:tag_description></wp:tag>
<wp:term><wp:term_id>12</wp:term_id><wp:term_taxonomy>nav_menu</wp:term_taxonomy>
<wp:term_slug>hauptmenue</wp:term_slug><wp:term_parent></wp:term_parent>
<wp:term_name>Hauptmenü</wp:term_name></wp:term>
<item>
	<title>Brand in der Altstadt</title>
	<link>https://lippe.example/2024/05/brand/</link>
	<guid isPermaLink="false">https://lippe.example/?p=7</guid>
	<dc:creator>jana</dc:creator>
	<content:encoded><![CDATA[<p>Text</p>]]></content:encoded>
	<excerpt:encoded><![CDATA[Kurz]]></excerpt:encoded>
	<wp:post_id>7</wp:post_id>
	<wp:post_date>2024-05-01 12:30:00</wp:post_date>
	<wp:post_date_gmt>2024-05-01 10:30:00</wp:post_date_gmt>
	<wp:post_modified>2024-05-02 08:00:00</wp:post_modified>
	<wp:post_modified_gmt>2024-05-02 06:00:00</wp:post_modified_gmt>
	<wp:post_name>brand</wp:post_name>
	<wp:status>publish</wp:status>
	<wp:post_parent>3</wp:post_parent>
	<wp:menu_order>2</wp:menu_order>
	<wp:post_type>post</wp:post_type>
	<wp:post_password>geheim</wp:post_password>
	<wp:is_sticky>1</wp:is_sticky>
	<category domain="category" nicename="dorsten-sport"><![CDATA[Sport]]></category>
	<category domain="post_tag" nicename="feuerwehr"><![CDATA[Feuerwehr]]></category>
	<category domain="post_format" nicename="post-format-video">Video</category>
	<wp:postmeta><wp:meta_key>_thumbnail_id</wp:meta_key><wp:meta_value>8</wp:meta_value></wp:postmeta>
	<wp:postmeta><wp:meta_key>note</wp:meta_key><wp:meta_value>first</wp:meta_value></wp:postmeta>
	<wp:postmeta><wp:meta_key>note</wp:meta_key><wp:meta_value>last</wp:meta_value></wp:postmeta>
	<wp:comment><wp:comment_id>1</wp:comment_id><wp:comment_content>Toll</wp:comment_content>
	</wp:comment>
	<wp:comment><wp:comment_id>2</wp:comment_id></wp:comment>
</item>
"""


def test_full_document(tmp_path):
    entries = list(wxr.read(write(tmp_path, document(FULL_BODY))))
    assert entries == [
        Channel("Lippe Kurier", "https://lippe.example", "https://lippe.example",
                "https://lippe.example/blog", "1.2", "de-DE"),
        Author(3, "jana", "jana@lippe.example", "Jana Brüggemann", "Jana", "Brüggemann", ""),
        Term(2, "category", "dorsten", "Dorsten", "", "Alles aus Dorsten"),
        Term(4, "category", "dorsten-sport", "Sport", "dorsten", ""),
        Term(9, "post_tag", "feuerwehr", "Feuerwehr", "", "Brände"),
        Term(12, "nav_menu", "hauptmenue", "Hauptmenü", "", ""),
        Item(
            post_id=7, post_type="post", status="publish", title="Brand in der Altstadt",
            link="https://lippe.example/2024/05/brand/", guid="https://lippe.example/?p=7",
            creator="jana", content="<p>Text</p>", excerpt="Kurz", post_name="brand",
            post_parent=3, menu_order=2, password="geheim", is_sticky=True,
            date_gmt=datetime(2024, 5, 1, 10, 30, tzinfo=UTC),
            date_local=datetime(2024, 5, 1, 12, 30),
            modified_gmt=datetime(2024, 5, 2, 6, 0, tzinfo=UTC),
            modified_local=datetime(2024, 5, 2, 8, 0),
            categories=[("dorsten-sport", "Sport")], tags=[("feuerwehr", "Feuerwehr")],
            meta={"_thumbnail_id": "8", "note": "last"}, attachment_url="", comment_count=2,
        ),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("version", "scheme"), [("1.0", "http"), ("1.1", "http"), ("1.2", "http"), ("1.2", "https")]
)
def test_versions_and_https_read_the_same(tmp_path, version, scheme):
    expected = list(wxr.read(write(tmp_path, document(FULL_BODY), "reference.xml")))
    entries = list(wxr.read(write(tmp_path, document(FULL_BODY, version=version, scheme=scheme))))
    assert entries[0].wxr_version == version
    entries[0].wxr_version = "1.2"
    assert entries == expected


def test_prefixes_do_not_matter(tmp_path):
    text = document(FULL_BODY).replace("wp:", "wordpress:").replace("xmlns:wp=", "xmlns:wordpress=")
    text = text.replace("dc:", "dublin:").replace("xmlns:dc=", "xmlns:dublin=")
    assert list(wxr.read(write(tmp_path, text))) == list(
        wxr.read(write(tmp_path, document(FULL_BODY), "reference.xml"))
    )


def test_other_namespaces_do_not_count_as_wordpress(tmp_path):
    text = document(item(extra="<x:post_name xmlns:x='http://example.org/'>fake</x:post_name>"))
    assert items(write(tmp_path, text))[0].post_name == ""


def test_wxr_1_0_tag_domain(tmp_path):
    extra = '<category domain="tag" nicename="alt"><![CDATA[Alt]]></category>'
    assert items(write(tmp_path, document(item(extra=extra), version="1.0")))[0].tags == [
        ("alt", "Alt")
    ]


def test_gzip_path_and_file_object(tmp_path):
    packed = gzip.compress(document(FULL_BODY).encode())
    expected = list(wxr.read(write(tmp_path, document(FULL_BODY))))
    assert list(wxr.read(write(tmp_path, packed, "export.xml.gz"))) == expected
    assert list(wxr.read(write(tmp_path, packed, "upload.tmp"))) == expected  # by its magic
    assert list(wxr.read(io.BytesIO(packed))) == expected
    with (tmp_path / "export.xml.gz").open("rb") as stream:
        assert list(wxr.read(stream)) == expected
    with (tmp_path / "export.xml.gz").open("rb") as raw:
        assert list(wxr.read(gzip.GzipFile(fileobj=raw))) == expected


def test_stopping_early_closes_the_file(tmp_path, monkeypatch):
    opened = []
    real_open = open

    def tracking_open(*args, **kwargs):
        opened.append(real_open(*args, **kwargs))
        return opened[-1]

    monkeypatch.setattr("builtins.open", tracking_open)
    entries = wxr.read(write(tmp_path, document(FULL_BODY)))
    assert isinstance(next(entries), Channel)
    entries.close()
    assert opened and all(stream.closed for stream in opened)


def test_gzip_that_is_not_gzip(tmp_path):
    path = write(tmp_path, document(FULL_BODY), "export.xml.gz")
    error, seen = refusal(path)
    assert "not a valid gzip archive" in str(error)
    assert seen == []
    with path.open("rb") as raw:  # a GzipFile opened by the caller: refused the same way
        error, seen = refusal(gzip.GzipFile(fileobj=raw))
    assert "not a valid gzip archive" in str(error)


def test_truncated_gzip(tmp_path):
    packed = gzip.compress(document(FULL_BODY * 50).encode())
    error, _ = refusal(write(tmp_path, packed[: len(packed) // 2], "export.xml.gz"))
    assert "gzip" in str(error)


def test_empty_export(tmp_path):
    assert list(wxr.read(write(tmp_path, document()))) == [
        Channel("Lippe Kurier", "https://lippe.example", "https://lippe.example",
                "https://lippe.example/blog", "1.2", "de-DE")
    ]  # fmt: skip


# --- Text -------------------------------------------------------------------------------


def test_cdata_edge_cases(tmp_path):
    body = "".join(
        [
            item(1, content="<![CDATA[a ]]]]><![CDATA[> b]]>"),  # how WordPress escapes "]]>"
            item(2, content="<![CDATA[<p>Fish & Chips < 5 €</p>]]>"),
            item(3, content="<![CDATA[]]>"),
            item(4, content="&lt;p&gt;plain &amp; escaped&lt;/p&gt;"),
            item(5, content="<![CDATA[  \n  indented\n]]>", title="<![CDATA[  Titel  ]]>"),
            item(6, content="vor <![CDATA[<b>mitte</b>]]> nach"),
        ]
    )
    contents = [entry.content for entry in items(write(tmp_path, document(body)))]
    assert contents == [
        "a ]]> b",
        "<p>Fish & Chips < 5 €</p>",
        "",
        "<p>plain & escaped</p>",
        "  \n  indented\n",  # content keeps its whitespace
        "vor <b>mitte</b> nach",
    ]
    assert items(write(tmp_path, document(body)))[4].title == "Titel"  # short fields: stripped


@pytest.mark.parametrize(
    "title",
    ["Straßenfest in Dülmen: Öffnungszeiten", "Party 🎉🚒 am Hafen", "שלום עולם", "مرحبا بالعالم"],
)
def test_utf8_titles(tmp_path, title):
    (entry,) = items(write(tmp_path, document(item(title=f"<![CDATA[{title}]]>"))))
    assert entry.title == title
    (entry,) = items(write(tmp_path, document(item(title=title))))
    assert entry.title == title


def test_latin1_declared_encoding(tmp_path):
    text = document(item(title="Grüße")).replace('encoding="UTF-8"', 'encoding="ISO-8859-1"')
    assert items(write(tmp_path, text.encode("latin-1")))[0].title == "Grüße"


# --- Dates and numbers ----------------------------------------------------------------


def test_zero_empty_and_malformed_dates(tmp_path):
    extra = """<wp:post_date>0000-00-00 00:00:00</wp:post_date>
    <wp:post_date_gmt><![CDATA[0000-00-00 00:00:00]]></wp:post_date_gmt>
    <wp:post_modified></wp:post_modified>
    <wp:post_modified_gmt>gestern</wp:post_modified_gmt>"""
    (entry,) = items(write(tmp_path, document(item(extra=extra))))
    assert (entry.date_local, entry.date_gmt, entry.modified_local, entry.modified_gmt) == (
        None, None, None, None,
    )  # fmt: skip


def test_tolerant_integers(tmp_path):
    extra = "<wp:post_parent></wp:post_parent><wp:menu_order>zwei</wp:menu_order>"
    (entry,) = items(write(tmp_path, document(item(post_id=" 12 ", extra=extra))))
    assert (entry.post_id, entry.post_parent, entry.menu_order) == (12, 0, 0)


@pytest.mark.parametrize("post_id", ["", "abc", "1.5"])
def test_item_without_valid_post_id_is_refused(tmp_path, post_id):
    text = document(item(1) + "\n" + item(post_id))
    error, seen = refusal(write(tmp_path, text))
    line = text.splitlines().index("<item>", text.splitlines().index("</item>")) + 1
    assert (error.line, error.column) == (line, 1)
    assert f"line {line}" in str(error) and "post_id" in str(error)
    assert [entry.post_id for entry in seen if isinstance(entry, Item)] == [1]


# --- Refusals ---------------------------------------------------------------------------


def line_of(text: str, marker: str) -> int:
    return text[: text.index(marker)].count("\n") + 1


def test_unclosed_tag(tmp_path):
    text = document(item(title="Hallo", extra="<wp:status>publish</item>"))
    error, _ = refusal(write(tmp_path, text))
    # expat reports the mismatched end tag; its column points at the name after "</".
    line = line_of(text, "publish</item>")
    column = text.splitlines()[line - 1].index("</item>") + 3
    assert (error.line, error.column) == (line, column)
    assert str(error) == f"The file is not valid XML (line {line}, column {column}): mismatched tag"


def test_stray_ampersand(tmp_path):
    text = document(item(1) + item(2, title="Fish & Chips"))
    error, seen = refusal(write(tmp_path, text))
    assert error.line == line_of(text, "Fish & Chips")
    assert error.column == len("\t<title>Fish &") + 1  # the character after "&"
    assert "not valid XML" in str(error) and "invalid token" in str(error)
    # Everything before the error was read, but the file as a whole is refused.
    assert [entry.post_id for entry in seen if isinstance(entry, Item)] == [1]


def test_truncated_file(tmp_path):
    text = document(item(1) + item(2))
    cut = text[: text.index("<wp:post_id>2")]
    error, _ = refusal(write(tmp_path, cut))
    assert error.line == cut.count("\n") + 1
    assert "not valid XML" in str(error)


@pytest.mark.parametrize(
    ("text", "line"), [("", 1), ("   \n", 2), ("PK\x03\x04 not xml at all", 1)]
)
def test_empty_or_binary_file(tmp_path, text, line):
    error, _ = refusal(write(tmp_path, text))
    assert "not valid XML" in str(error) and error.line == line


PLAIN_RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel><title>Ein Blog</title><link>https://blog.example</link>
<item><title>Hallo</title><content:encoded>Text</content:encoded></item>
</channel></rss>"""


def test_plain_rss_feed_is_not_wxr(tmp_path):
    error, seen = refusal(write(tmp_path, PLAIN_RSS))
    assert "not a WordPress export (WXR)" in str(error)
    assert seen == []


def test_html_is_not_wxr(tmp_path):
    html = "<!DOCTYPE html>\n<html><head><title>Hallo</title></head><body></body></html>"
    error, _ = refusal(write(tmp_path, html))
    assert "not a WordPress export (WXR)" in str(error)
    error, _ = refusal(write(tmp_path, "<html>\n<body><p>Hallo</p></body></html>"))
    assert "not a WordPress export (WXR)" in str(error) and "<html>" in str(error)
    assert (error.line, error.column) == (1, 1)


def test_no_channel_or_no_version(tmp_path):
    error, _ = refusal(write(tmp_path, '<rss version="2.0"><title>x</title></rss>'))
    assert "not a WordPress export (WXR)" in str(error) and "<channel>" in str(error)
    text = document(item()).replace("<wp:wxr_version>1.2</wp:wxr_version>", "")
    error, _ = refusal(write(tmp_path, text))
    assert "not a WordPress export (WXR)" in str(error) and "wxr_version" in str(error)
    error, _ = refusal(
        write(tmp_path, document().replace(">1.2</wp:wxr_version>", ">x</wp:wxr_version>"))
    )
    assert "wxr_version" in str(error)
    # The version element in a foreign namespace does not count.
    foreign = document(item()).replace("http://wordpress.org/export/1.2/", "http://example.org/")
    error, _ = refusal(write(tmp_path, foreign))
    assert "not a WordPress export (WXR)" in str(error)


XXE = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<rss version="2.0" xmlns:wp="http://wordpress.org/export/1.2/">
<channel><wp:wxr_version>1.2</wp:wxr_version>
<item><title>&xxe;</title><wp:post_id>1</wp:post_id></item>
</channel></rss>"""

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE rss [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<rss version="2.0" xmlns:wp="http://wordpress.org/export/1.2/">
<channel><wp:wxr_version>1.2</wp:wxr_version>
<item><title>&lol9;</title><wp:post_id>1</wp:post_id></item>
</channel></rss>"""


@pytest.mark.parametrize("text", [XXE, BILLION_LAUGHS], ids=["xxe", "billion-laughs"])
def test_dtd_and_entities_are_refused(tmp_path, text):
    error, seen = refusal(write(tmp_path, text))
    assert seen == []
    assert "document type declaration" in str(error) and "security" in str(error)
    assert error.line == 2
    assert "root:" not in str(error) and "lol" not in str(error)


def test_external_dtd_is_refused_not_fetched(tmp_path):
    head = '\n<!DOCTYPE rss SYSTEM "http://127.0.0.1:9/wxr.dtd">'
    error, seen = refusal(write(tmp_path, document(item(), head=head)))
    assert seen == [] and error.line == 2


def test_undeclared_entity_is_broken_xml(tmp_path):
    error, _ = refusal(write(tmp_path, document(item(title="&nbsp;"))))
    assert "undefined entity" in str(error)


# --- Attachment metadata ----------------------------------------------------------------

EMPTY_METADATA = {"width": None, "height": None, "file": "", "sizes": [], "credit": "",
                  "copyright": "", "caption": "", "title": ""}  # fmt: skip


def attachment(meta: dict[str, str]) -> Item:
    return Item(1, "attachment", "inherit", "", "", "", "", "", "", "", 0, 0, "", False,
                None, None, None, None, [], [], meta, "", 0)  # fmt: skip


@pytest.mark.parametrize(
    "value",
    [None, "", "garbage", "a:1:{", 'O:8:"stdClass":0:{}', "i:5;", 's:3:"abc";', "a:1:{i:0;b:1;}"],
)
def test_attachment_metadata_of_garbage(value):
    meta = {} if value is None else {"_wp_attachment_metadata": value}
    assert wxr.attachment_metadata(attachment(meta)) == EMPTY_METADATA


def test_attachment_metadata_partial_and_unicode():
    value = (
        'a:4:{s:5:"width";s:3:"800";s:6:"height";s:4:"hoch";s:5:"sizes";a:2:{s:5:"small";'
        'a:1:{s:4:"file";s:5:"s.jpg";}s:6:"broken";s:1:"x";}s:10:"image_meta";a:2:{'
        's:6:"credit";s:11:"Jörg Ünal";s:7:"caption";i:4;}}'
    )
    assert wxr.attachment_metadata(attachment({"_wp_attachment_metadata": value})) == {
        **EMPTY_METADATA,
        "width": 800,
        "sizes": ["s.jpg"],
        "credit": "Jörg Ünal",
    }


# --- Memory -----------------------------------------------------------------------------


def test_memory_stays_flat(tmp_path):
    """20,000 items (about 15 MB of XML): kept elements would take some 60 MB, the reader
    stays well below 1 MB."""
    path = tmp_path / "big.xml"
    head, tail = document("@@@").split("@@@")
    text = "<p>" + "Ein Absatz über die Lippe mit ein paar Umlauten: äöü. " * 5 + "</p>"
    with path.open("w", encoding="utf-8") as out:
        out.write(head)
        for number in range(1, 20_001):
            meta = "".join(
                f"<wp:postmeta><wp:meta_key>k{key}</wp:meta_key>"
                f"<wp:meta_value>v{number}</wp:meta_value></wp:postmeta>"
                for key in range(3)
            )
            out.write(item(number, title=f"Artikel {number}", content=text, extra=meta))
        out.write(tail)
    assert path.stat().st_size > 15_000_000

    count = 0
    tracemalloc.start()
    try:
        for entry in wxr.read(path):
            count += isinstance(entry, Item)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert count == 20_000
    assert peak < 20_000_000, f"peak {peak / 1e6:.1f} MB"
