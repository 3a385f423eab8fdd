"""manage.py import_wordpress: a WordPress site comes over whole, every old address leads to
the same story, a second run changes only what changed, and a bad file changes nothing."""

import io
import os
import re
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.utils import timezone

from articles.models import Article, Author, Category, Tag
from images.models import Image
from newsroom.models import Page
from redirects.models import Redirect
from wordpress.models import ImportedItem

from .exports import SAMPLE, SITE, attachment, export, item, uploads

pytestmark = pytest.mark.django_db


def run(path, *args) -> str:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_wordpress", str(path), *args, stdout=out, stderr=err)
    return out.getvalue()


def counts() -> tuple[int, ...]:
    """How many of each kind of object the import writes there are."""
    models = (Article, Image, Redirect, Category, Tag, Author)
    return tuple(model.objects.count() for model in models)


def sample_path():
    if not (SAMPLE / "export.xml").exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"the WordPress sample is missing at {SAMPLE}")
        pytest.skip(f"the WordPress sample is missing at {SAMPLE}")
    return SAMPLE


@pytest.fixture
def sample():
    root = sample_path()
    report = run(root / "export.xml", "--uploads", str(root / "uploads"))
    return root, report


def test_the_sample_site_comes_over_whole(sample):
    _root, report = sample
    assert Article.objects.count() == 40
    assert Article.objects.published().count() == 40
    # Five towns, each with its topics below it.
    towns = Category.objects.filter(parent=None)
    assert sorted(towns.values_list("slug", flat=True)) == [
        "dorsten", "gladbeck", "haltern-am-see", "marl", "schermbeck",
    ]  # fmt: skip
    assert Category.objects.filter(parent__slug="dorsten").count() >= 4
    # "dorsten-sport" under Dorsten is /dorsten/sport/ here.
    assert Category.objects.filter(path="schermbeck/sport").exists()
    # One library image per attachment, however many posts use it.
    assert Image.objects.count() == 24
    assert not Article.objects.filter(lead_image=None).exists()
    assert Author.objects.filter(name="Jana Brüggemann").exists()
    assert Tag.objects.filter(slug="ehrenamt").exists()
    assert "Import finished." in report or "Import abgeschlossen" in report


def test_every_old_address_of_the_sample_redirects_to_a_page_that_answers(sample, client):
    root, _report = sample
    links = re.findall(r"<link>([^<]+/\d{4}/\d{2}/[^<]+)</link>", (root / "export.xml").read_text())
    assert len(links) == 40
    for link in links:
        response = client.get(urlsplit(link).path)
        assert response.status_code == 301, link
        assert client.get(response["Location"]).status_code == 200, link
    post_id = Redirect.objects.filter(old_path__startswith="/?p=").first().old_path
    assert client.get(post_id).status_code == 301
    for old in ("/category/dorsten/", "/category/dorsten/dorsten-sport/", "/tag/ehrenamt/",
                "/author/jbrueggemann/"):  # fmt: skip
        response = client.get(old)
        assert response.status_code == 301, old
        assert client.get(response["Location"]).status_code == 200, old
    # Pictures linked from elsewhere lead to the library's copy (media is served by the
    # web server, not by Django).
    response = client.get("/wp-content/uploads/2026/05/lippeland-symbolbild-01.jpg")
    assert response.status_code == 301
    stored = response["Location"].removeprefix(settings.MEDIA_URL)
    assert Image.objects.filter(file=stored).exists() and default_storage.exists(stored)


def test_a_second_run_changes_nothing(sample):
    root, _report = sample
    before = counts()
    modified = dict(Article.objects.values_list("pk", "modified_at"))
    report = run(root / "export.xml", "--uploads", str(root / "uploads"))
    after = counts()
    assert after == before
    assert dict(Article.objects.values_list("pk", "modified_at")) == modified
    assert "unchanged 40" in report or "unverändert 40" in report


def test_statuses_come_over_and_nothing_private_becomes_public(tmp_path):
    future = (timezone.now() + timezone.timedelta(days=3)).strftime("%Y-%m-%d %H:%M:%S")
    path = export(
        tmp_path,
        item(1, "Veröffentlicht"),
        item(2, "Geplant", status="future", date=future, date_gmt=future),
        item(3, "Entwurf", status="draft", date_gmt=None),
        item(4, "Zur Prüfung", status="pending"),
        item(5, "Privat", status="private"),
        item(6, "Mit Passwort", password="geheim"),
        item(7, "Im Papierkorb", status="trash"),
    )
    report = run(path)
    status = dict(Article.objects.values_list("title", "status"))
    assert status == {
        "Veröffentlicht": "published", "Geplant": "published", "Entwurf": "draft",
        "Zur Prüfung": "review", "Privat": "draft", "Mit Passwort": "draft",
    }  # fmt: skip
    assert Article.objects.get(title="Geplant").is_scheduled
    assert list(Article.objects.published().values_list("title", flat=True)) == ["Veröffentlicht"]
    # A draft without a GMT date is placed by its local date, in the portal's time zone.
    draft = timezone.localtime(Article.objects.get(title="Entwurf").published_at)
    assert (draft.hour, draft.minute) == (8, 30)
    assert "Privat" in report and "Mit Passwort" in report


def test_a_published_post_stays_published_and_is_listed_as_incomplete(tmp_path, admin_client):
    path = export(tmp_path, item(1, "", content="<p>Nur ein Satz ohne Überschrift hier.</p>",
                                 creator="unbekannt"))  # fmt: skip
    run(path)
    article = Article.objects.get()
    assert article.status == "published"
    assert article.title.startswith("Nur ein Satz")
    record = ImportedItem.objects.get(kind="post")
    assert set(record.missing) >= {"title", "authors"}
    listed = admin_client.get("/admin/articles/article/?wordpress=unvollstaendig")
    assert article.title in listed.content.decode()
    complete = export(tmp_path, item(2, "Vollständig"), name="second.xml")
    run(complete)
    listed = admin_client.get("/admin/articles/article/?wordpress=unvollstaendig")
    assert "Vollständig" not in listed.content.decode()


def test_images_one_per_attachment_and_a_missing_file_is_reported(tmp_path):
    files = uploads(tmp_path, "2024/05/rathaus.jpg")
    body = (
        f'<p>Vorher.</p>[caption id="attachment_50" width="640"]<img src="{SITE}/wp-content/'
        'uploads/2024/05/rathaus-300x169.jpg" class="wp-image-50" /> Das Rathaus[/caption]'
        f'<p><img src="{SITE}/wp-content/uploads/2024/05/fehlt.jpg" class="wp-image-51" /></p>'
    )
    path = export(
        tmp_path,
        attachment(50, "2024/05/rathaus.jpg", alt="Das Rathaus von vorn", credit="Anna König"),
        attachment(51, "2024/05/fehlt.jpg"),
        item(1, "Eins", content=body, meta={"_thumbnail_id": "50"}),
        item(2, "Zwei", meta={"_thumbnail_id": "50"}),
        item(3, "Drei", meta={"_thumbnail_id": "51"}),
    )
    report = run(path, "--uploads", str(files))
    assert Image.objects.count() == 1
    image = Image.objects.get()
    assert (image.alt_text, image.credit) == ("Das Rathaus von vorn", "Anna König")
    one = Article.objects.get(title="Eins")
    assert one.lead_image == image and Article.objects.get(title="Zwei").lead_image == image
    assert f'src="{image.file.url}"' in one.body
    assert "<figcaption>Das Rathaus</figcaption>" in one.body
    assert list(one.text_images.all()) == [image]
    three = Article.objects.get(title="Drei")
    assert three.lead_image is None and three.status == "published"
    assert "lead_image_file" in ImportedItem.objects.get(kind="post", wp_id=3).missing
    assert "fehlt.jpg" in report


def test_an_image_without_credit_or_alt_text_is_imported_and_flagged(tmp_path, admin_client):
    files = uploads(tmp_path, "2024/05/ohne.jpg")
    path = export(tmp_path, attachment(60, "2024/05/ohne.jpg"),
                  item(1, "Mit Bild", meta={"_thumbnail_id": "60"}))  # fmt: skip
    run(path, "--uploads", str(files))
    image = Image.objects.get()
    assert image.credit == "" and image.alt_text == ""
    assert set(ImportedItem.objects.get(kind="post").missing) >= {
        "lead_image_alt",
        "lead_image_credit",
    }
    listed = admin_client.get("/admin/images/image/?bildnachweis=fehlt")
    assert image.title in listed.content.decode()


def test_content_is_cleaned_the_way_wordpress_shows_it(tmp_path):
    classic = (
        "Erster Absatz.\n\nZweiter Absatz\nmit Umbruch.\n\n"
        "https://www.youtube.com/watch?v=dQw4w9WgXcQ\n\n"
        '[contact-form-7 id="5"]\n\n'
        f'Siehe <a href="{SITE}/2024/05/beitrag-2/">den anderen Beitrag</a>.'
        '<script>alert(1)</script><p onclick="x()">Klick</p>'
    )
    path = export(tmp_path, item(1, "Klassisch", content=classic), item(2, "Ziel"))
    report = run(path)
    body = Article.objects.get(title="Klassisch").body
    assert "<p>Erster Absatz.</p>" in body
    assert "Zweiter Absatz<br>" in body
    assert "youtube.com/watch?v=dQw4w9WgXcQ" in body and "<iframe" not in body
    assert "contact-form-7" not in body
    target = Article.objects.get(title="Ziel")
    assert f'href="{target.get_absolute_url()}"' in body
    assert "<script" not in body and "onclick" not in body and "alert" not in body
    assert "contact-form-7" in report


def test_blocks_lose_their_comments(tmp_path):
    blocks = "<!-- wp:paragraph -->\n<p>Block eins.</p>\n<!-- /wp:paragraph -->"
    run(export(tmp_path, item(1, "Blöcke", content=blocks)))
    body = Article.objects.get().body
    assert body == "<p>Block eins.</p>"


def test_utf8_titles_and_slugs(tmp_path):
    path = export(
        tmp_path,
        item(1, "Straßenfest in Über­lingen 🎉", slug="stra%c3%9fenfest"),
        item(2, "שלום עולם", slug="%d7%a9%d7%9c%d7%95%d7%9d"),
        item(3, "Straßenfest", slug="strassenfest"),  # the same slug as the first, spelled out
    )
    run(path)
    titles = set(Article.objects.values_list("title", flat=True))
    assert "Straßenfest in Über­lingen 🎉" in titles and "שלום עולם" in titles
    slugs = list(Article.objects.values_list("slug", flat=True))
    assert len(set(slugs)) == 3 and "strassenfest" in slugs


@pytest.mark.parametrize("version,https", [("1.0", False), ("1.1", False), ("1.2", True)])
def test_every_wxr_version_and_namespace_scheme(tmp_path, version, https):
    run(export(tmp_path, item(1, "Versionen"), version=version, https=https))
    article = Article.objects.get()
    assert article.category.path == "lindenau/sport"
    assert [a.name for a in article.authors.all()] == ["Anna König"]


def test_a_newer_export_updates_adds_and_leaves_editors_changes_alone(tmp_path):
    run(export(tmp_path, item(1, "Alt eins"), item(2, "Alt zwei")))
    edited = Article.objects.get(title="Alt zwei")
    edited.lead = "Von der Redaktion hier ergänzt."
    edited.save()
    newer = export(
        tmp_path,
        item(1, "Neu eins", content="<p>Neuer Text.</p>"),
        item(2, "Neu zwei"),
        item(3, "Ganz neu", tags=("stadtrat",)),
        name="newer.xml",
    )
    report = run(newer)
    assert set(Article.objects.values_list("title", flat=True)) == {
        "Neu eins", "Alt zwei", "Ganz neu"
    }  # fmt: skip
    assert Article.objects.get(title="Neu eins").body == "<p>Neuer Text.</p>"
    assert Article.objects.get(title="Alt zwei").lead == "Von der Redaktion hier ergänzt."
    assert "Alt zwei" in report
    assert [t.name for t in Article.objects.get(title="Ganz neu").tags.all()] == ["Stadtrat"]
    assert ImportedItem.objects.filter(kind="post").count() == 3


def test_pages_come_over_as_the_sites_pages(tmp_path, client):
    path = export(
        tmp_path,
        item(10, "Kontakt", post_type="page", slug="kontakt", category=None,
             link=f"{SITE}/kontakt/", content="<p>So erreichen Sie uns.</p>"),
        item(11, "Datenschutz alt", post_type="page", slug="privat", category=None,
             status="private", link=f"{SITE}/privat/"),
    )  # fmt: skip
    run(path)
    page = Page.objects.get(slug="kontakt")
    assert page.is_published and "So erreichen Sie uns." in page.body
    assert not Page.objects.get(slug="privat").is_published
    response = client.get("/kontakt/")
    assert response.status_code == 301 and response["Location"] == page.get_absolute_url()
    assert client.get("/?page_id=10")["Location"] == page.get_absolute_url()


def test_dry_run_writes_nothing_and_reports_the_same(tmp_path, settings):
    files = uploads(tmp_path, "2024/05/rathaus.jpg")
    path = export(tmp_path, attachment(50, "2024/05/rathaus.jpg"),
                  item(1, "Eins", meta={"_thumbnail_id": "50"}), item(2, "Zwei"))  # fmt: skip
    report = run(path, "--uploads", str(files), "--dry-run")
    assert Article.objects.count() == Image.objects.count() == Redirect.objects.count() == 0
    assert ImportedItem.objects.count() == Category.objects.count() == 0
    media = settings.MEDIA_ROOT
    assert not os.path.exists(media) or not any(files for _d, _s, files in os.walk(media))
    real = run(path, "--uploads", str(files))
    assert without_time(report) == without_time(real)
    assert Article.objects.count() == 2


def without_time(report: str) -> list[str]:
    """The report's lines but its first (dry run or not) and the time taken."""
    return [line for line in report.splitlines()[1:] if not line.startswith(("Zeit", "Time"))]


BROKEN = {
    "broken-xml": "<rss><channel><item><title>Kaputt</title></channel></rss>",
    "not-wxr": '<?xml version="1.0"?><rss version="2.0"><channel><title>Feed</title>'
    "<item><title>Nur RSS</title></item></channel></rss>",
    "xxe": '<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    '<rss xmlns:wp="http://wordpress.org/export/1.2/"><channel><wp:wxr_version>1.2'
    "</wp:wxr_version><item><title>&xxe;</title><wp:post_id>1</wp:post_id>"
    "<wp:post_type>post</wp:post_type></item></channel></rss>",
    "entity-expansion": '<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa">'
    '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>'
    '<rss xmlns:wp="http://wordpress.org/export/1.2/"><channel><title>&c;</title></channel></rss>',
}


@pytest.mark.parametrize("kind", BROKEN)
def test_a_bad_file_is_refused_whole(tmp_path, kind):
    # A good post first: it must not be imported either.
    good = export(tmp_path, item(1, "Gut"))
    text = good.read_text().replace("</channel>", BROKEN[kind] if kind == "broken-xml" else "")
    path = tmp_path / f"{kind}.xml"
    path.write_text(text if kind == "broken-xml" else BROKEN[kind])
    with pytest.raises(CommandError) as refused:
        run(path)
    assert Article.objects.count() == 0 and Redirect.objects.count() == 0
    assert Category.objects.count() == 0 and Author.objects.count() == 0
    assert "root:" not in str(refused.value)
    if kind == "broken-xml":
        assert re.search(r"\d+", str(refused.value))  # where: line and column


def test_a_redirect_costs_one_query(sample, client, django_assert_num_queries):
    redirect = Redirect.objects.filter(old_path__startswith="/?p=").first()
    client.get("/")  # the cache versions, read once after the import changed them
    with django_assert_num_queries(1):
        response = client.get(redirect.old_path)
    assert response.status_code == 301
    # Readers' caches and the proxy keep it like a page.
    assert "s-maxage" in response["Cache-Control"]


def test_gzip_exports_are_read(tmp_path):
    import gzip

    plain = export(tmp_path, item(1, "Komprimiert"))
    packed = tmp_path / "export.xml.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    run(packed)
    assert Article.objects.get().title == "Komprimiert"


def test_imported_pages_are_valid_html(sample, client, tmp_path):
    from tests.quality import html_errors

    rich = (
        '<!-- wp:paragraph --><p>Ein Absatz mit <a href="https://example.org/">Link</a>.</p>'
        "<!-- /wp:paragraph -->"
        '<!-- wp:embed {"url":"https://www.youtube.com/watch?v=abc"} -->'
        '<figure class="wp-block-embed is-provider-youtube"><div class="wp-block-embed__wrapper">'
        "https://www.youtube.com/watch?v=abc</div></figure><!-- /wp:embed -->"
        '<!-- wp:table --><figure class="wp-block-table"><table><tbody><tr><td>1</td></tr>'
        "</tbody></table></figure><!-- /wp:table -->"
    )
    run(export(tmp_path, item(900, "Reich an Inhalt", content=rich)))
    articles = [Article.objects.get(title="Reich an Inhalt"), Article.objects.order_by("pk")[0]]
    pages = {f"article-{a.pk}": client.get(a.get_absolute_url()).content for a in articles}
    pages["category"] = client.get("/dorsten/").content
    assert html_errors(pages, tmp_path) == []


@pytest.fixture
def old_site():
    """The old WordPress host on 127.0.0.1: serves files put into `files` (path -> bytes)
    and answers 404 otherwise; one path never answers in time."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    files: dict[str, bytes] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path.endswith("/haengt.jpg"):
                import time

                time.sleep(3)
            body = files.get(self.path)
            try:
                self.send_response(200 if body else 404)
                self.end_headers()
                self.wfile.write(body or b"")
            except OSError:
                pass  # the importer gave up waiting

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.files = files
    server.url = f"http://127.0.0.1:{server.server_port}"
    yield server
    server.shutdown()


def test_files_missing_from_uploads_are_downloaded_and_a_later_run_adds_them(
    tmp_path, old_site, monkeypatch
):
    monkeypatch.setattr("wordpress.media.DOWNLOAD_TIMEOUT", 1)  # the test's patience

    def site_export(name):
        photo = attachment(70, "2024/06/markt.jpg", alt="Der Markt", credit="Jonas Feld")
        photo = photo.replace(f"{SITE}/wp-content", f"{old_site.url}/wp-content")
        slow = attachment(71, "2024/06/haengt.jpg", alt="x", credit="y")
        slow = slow.replace(f"{SITE}/wp-content", f"{old_site.url}/wp-content")
        return export(tmp_path, photo, slow, item(1, "Markttag", meta={"_thumbnail_id": "70"}),
                      name=name)  # fmt: skip

    # The old host has no such file yet: the post comes over without it, reported.
    report = run(site_export("first.xml"))
    assert Article.objects.get().lead_image is None
    assert "2024/06/markt.jpg" in report
    # Now it has: the next run downloads it and gives the article its lead image.
    jpeg = uploads(tmp_path, "markt.jpg") / "markt.jpg"
    old_site.files["/wp-content/uploads/2024/06/markt.jpg"] = jpeg.read_bytes()
    run(site_export("second.xml"))
    image = Article.objects.get().lead_image
    assert image is not None and image.credit == "Jonas Feld"
    assert default_storage.exists(image.file.name)
    assert Image.objects.count() == 1  # the hanging one gave up after the timeout


def test_a_file_that_is_too_large_or_no_image_is_refused_and_the_post_kept(tmp_path, settings):
    files = uploads(tmp_path, "2024/05/gross.jpg")
    (files / "2024/05/kaputt.jpg").write_bytes(b"<?php echo 'no image'; ?>")
    settings.IMAGE_UPLOAD_MAX_BYTES = 1000  # the JPEG above has more
    path = export(
        tmp_path,
        attachment(80, "2024/05/gross.jpg"),
        attachment(81, "2024/05/kaputt.jpg"),
        item(1, "Mit großem Bild", meta={"_thumbnail_id": "80"}),
        item(2, "Mit kaputtem Bild", meta={"_thumbnail_id": "81"}),
    )
    report = run(path, "--uploads", str(files))
    assert Image.objects.count() == 0
    assert Article.objects.filter(lead_image=None).count() == 2
    assert "gross.jpg" in report and "kaputt.jpg" in report


def test_a_second_run_of_drafts_dated_in_local_time_changes_nothing(tmp_path):
    path = export(tmp_path, item(1, "Entwurf", status="draft", date_gmt=None))
    run(path)
    changed = item(1, "Entwurf", status="draft", date_gmt=None, content="<p>Neu</p>")
    again = export(tmp_path, changed, name="again.xml")
    report = run(again)
    # Changed in WordPress, untouched here: updated, not mistaken for an editor's change.
    assert Article.objects.get().body == "<p>Neu</p>"
    assert "Entwurf" not in report.split("\n", 1)[1]


def test_a_static_front_page_does_not_take_over_links_to_the_home_page(tmp_path, client):
    path = export(
        tmp_path,
        item(5, "Startseite", post_type="page", slug="start", category=None, link=f"{SITE}/"),
        item(1, "Beitrag", content=f'<p><a href="{SITE}/">Zur Startseite</a></p>'),
    )
    run(path)
    assert 'href="/"' in Article.objects.get().body
    assert client.get("/").status_code == 200
