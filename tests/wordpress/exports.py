"""Small WordPress exports written for the import tests, in the shape WordPress writes them."""

import io
from pathlib import Path

from django.conf import settings
from PIL import Image

# The real sample export (40 posts, 24 photos) beside the project, as CI lays it out.
SAMPLE = Path(settings.BASE_DIR).parent / "shared" / "wordpress-sample"
SITE = "https://alt.lokalblatt.example"

HEAD = """<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0"
  xmlns:excerpt="{ns}excerpt/"
  xmlns:content="http://purl.org/rss/1.0/modules/content/"
  xmlns:wfw="http://wellformedweb.org/CommentAPI/"
  xmlns:dc="http://purl.org/dc/elements/1.1/"
  xmlns:wp="{ns}">
<channel>
  <title>Lokalblatt</title>
  <link>{site}</link>
  <language>de-DE</language>
  <wp:wxr_version>{version}</wp:wxr_version>
  <wp:base_site_url>{site}</wp:base_site_url>
  <wp:base_blog_url>{site}</wp:base_blog_url>
  <wp:author><wp:author_id>7</wp:author_id><wp:author_login><![CDATA[akoenig]]></wp:author_login>
    <wp:author_email><![CDATA[a@example.org]]></wp:author_email>
    <wp:author_display_name><![CDATA[Anna König]]></wp:author_display_name>
    <wp:author_first_name><![CDATA[Anna]]></wp:author_first_name>
    <wp:author_last_name><![CDATA[König]]></wp:author_last_name></wp:author>
  <wp:category><wp:term_id>3</wp:term_id><wp:category_nicename><![CDATA[lindenau]]></wp:category_nicename>
    <wp:category_parent><![CDATA[]]></wp:category_parent><wp:cat_name><![CDATA[Lindenau]]></wp:cat_name></wp:category>
  <wp:category><wp:term_id>4</wp:term_id><wp:category_nicename><![CDATA[lindenau-sport]]></wp:category_nicename>
    <wp:category_parent><![CDATA[lindenau]]></wp:category_parent><wp:cat_name><![CDATA[Sport]]></wp:cat_name></wp:category>
  <wp:tag><wp:term_id>9</wp:term_id><wp:tag_slug><![CDATA[stadtrat]]></wp:tag_slug><wp:tag_name><![CDATA[Stadtrat]]></wp:tag_name></wp:tag>
"""
TAIL = "</channel>\n</rss>\n"


def item(
    post_id: int,
    title: str,
    *,
    content: str = "<p>Text.</p>",
    excerpt: str = "",
    status: str = "publish",
    post_type: str = "post",
    slug: str | None = None,
    date: str = "2024-05-03 08:30:00",
    date_gmt: str | None = "2024-05-03 06:30:00",
    password: str = "",
    category: str | None = "lindenau-sport",
    tags: tuple = (),
    creator: str = "akoenig",
    meta: dict | None = None,
    link: str | None = None,
    attachment_url: str = "",
    parent: int = 0,
) -> str:
    slug = slug if slug is not None else f"beitrag-{post_id}"
    link = link or f"{SITE}/{date[:4]}/{date[5:7]}/{slug}/"
    terms = ""
    if category:
        terms += f'<category domain="category" nicename="{category}"><![CDATA[x]]></category>'
    for tag in tags:
        terms += (
            f'<category domain="post_tag" nicename="{tag}"><![CDATA[{tag.title()}]]></category>'
        )
    metas = "".join(
        f"<wp:postmeta><wp:meta_key><![CDATA[{k}]]></wp:meta_key>"
        f"<wp:meta_value><![CDATA[{v}]]></wp:meta_value></wp:postmeta>"
        for k, v in (meta or {}).items()
    )
    extra = (
        f"<wp:attachment_url><![CDATA[{attachment_url}]]></wp:attachment_url>"
        if attachment_url
        else ""
    )
    return f"""<item>
  <title><![CDATA[{title}]]></title>
  <link>{link}</link>
  <dc:creator><![CDATA[{creator}]]></dc:creator>
  <guid isPermaLink="false">{SITE}/?p={post_id}</guid>
  <content:encoded><![CDATA[{content}]]></content:encoded>
  <excerpt:encoded><![CDATA[{excerpt}]]></excerpt:encoded>
  <wp:post_id>{post_id}</wp:post_id>
  <wp:post_date><![CDATA[{date}]]></wp:post_date>
  <wp:post_date_gmt><![CDATA[{date_gmt or "0000-00-00 00:00:00"}]]></wp:post_date_gmt>
  <wp:post_name><![CDATA[{slug}]]></wp:post_name>
  <wp:status><![CDATA[{status}]]></wp:status>
  <wp:post_parent>{parent}</wp:post_parent>
  <wp:post_type><![CDATA[{post_type}]]></wp:post_type>
  <wp:post_password><![CDATA[{password}]]></wp:post_password>
  {extra}{terms}{metas}
</item>
"""


def export(tmp_path, *items: str, version: str = "1.2", https: bool = False, name="export.xml"):
    scheme = "https" if https else "http"
    ns = f"{scheme}://wordpress.org/export/{version}/"
    path = Path(tmp_path) / name
    path.write_text(HEAD.format(ns=ns, site=SITE, version=version) + "".join(items) + TAIL)
    return path


def attachment(post_id: int, file: str, *, alt: str = "", credit: str = "", parent: int = 0):
    # Attachment metadata is PHP-serialized; only image_meta's credit matters here.
    serialized = (
        f'a:2:{{s:4:"file";s:{len(file)}:"{file}";s:10:"image_meta";a:1:{{s:6:"credit";'
        f's:{len(credit.encode())}:"{credit}";}}}}'
    )
    meta = {"_wp_attached_file": file, "_wp_attachment_metadata": serialized}
    if alt:
        meta["_wp_attachment_image_alt"] = alt
    return item(
        post_id, f"Foto {post_id}", post_type="attachment", status="inherit",
        slug=f"foto-{post_id}", category=None, content="", meta=meta, parent=parent,
        link=f"{SITE}/foto-{post_id}/", attachment_url=f"{SITE}/wp-content/uploads/{file}",
    )  # fmt: skip


def uploads(tmp_path, *files: str):
    """An uploads folder with a small real JPEG at each of `files`."""
    root = Path(tmp_path) / "uploads"
    for file in files:
        path = root / file
        path.parent.mkdir(parents=True, exist_ok=True)
        out = io.BytesIO()
        Image.new("RGB", (640, 360), (40, 90, 160)).save(out, "JPEG")
        path.write_bytes(out.getvalue())
    return root
