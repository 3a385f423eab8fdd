"""The public pages as readers see them."""

import warnings
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import CacheKeyWarning
from django.utils import timezone
from lxml import html as lxml_html

from articles.models import Article
from newsroom.models import Page, SiteSettings
from tests.factories import (
    ArticleFactory,
    AuthorFactory,
    CategoryFactory,
    ImageFactory,
    image_upload,
)

pytestmark = pytest.mark.django_db
BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture
def town():
    return CategoryFactory(name="Lindenau", slug="lindenau")


@pytest.fixture
def hall(town):
    return CategoryFactory(name="Rathaus", slug="rathaus", parent=town)


@pytest.fixture
def article(hall):
    author = AuthorFactory(name="Miriam Adler", slug="miriam-adler")
    article = ArticleFactory(
        title="Bürgermeisterin eröffnet Bad", slug="buergermeisterin-eroeffnet-bad",
        kicker="Ein Festtag für Lindenau", category=hall, authors=[author],
        tags=["Hallenbad", "Stadtrat"], lead_image=ImageFactory(credit="Paula Rehberg"),
        lead_image_alt="Das neue Becken", lead_image_caption="Das Becken am Morgen",
        body="<p>Erster Absatz.</p><blockquote><p>„Ein Zitat.“</p></blockquote>",
        published_at=datetime(2026, 11, 24, 9, 30, tzinfo=BERLIN),
    )  # fmt: skip
    return article


def text(response):
    return response.content.decode()


def test_article_page_has_every_region(client, article):
    SiteSettings.objects.create(
        site_name="Lindenauer Nachrichten", promo_title="Unser WhatsApp-Kanal",
        promo_link_url="https://example.org/kanal", promo_link_label="Abonnieren",
    )  # fmt: skip
    ArticleFactory(title="Ältere Meldung", category=article.category)
    response = client.get(article.get_absolute_url())
    html = text(response)
    assert response.status_code == 200
    assert "<title>Bürgermeisterin eröffnet Bad – Lindenauer Nachrichten</title>" in html
    assert '<h1 class="article__title">Bürgermeisterin eröffnet Bad</h1>' in html
    # breadcrumb: Start › Lindenau › Rathaus, every part a link
    for href, label in [("/", "Start"), ("/lindenau/", "Lindenau"),
                        ("/lindenau/rathaus/", "Rathaus")]:  # fmt: skip
        assert f'<a href="{href}">{label}</a>' in html
    assert "Ein Festtag für Lindenau" in html
    assert "Veröffentlicht am" in html and "24. November 2026, 09:30 Uhr" in html
    assert "Aktualisiert am" not in html
    assert '<a href="/autor/miriam-adler/">Miriam Adler</a>' in html
    assert 'alt="Das neue Becken"' in html and "Foto: Paula Rehberg" in html
    assert "<blockquote><p>„Ein Zitat.“</p></blockquote>" in html
    assert '<a href="/thema/hallenbad/">Hallenbad</a>' in html
    assert "Unser WhatsApp-Kanal" in html and 'href="https://example.org/kanal"' in html
    assert "Neueste Artikel" in html and "Ältere Meldung" in html


def test_latest_articles_leave_out_the_current_one(client, article):
    ArticleFactory(title="Andere Meldung", category=article.category)
    html = text(client.get(article.get_absolute_url()))
    latest = html.split('id="neueste-artikel"')[1].split("</section>")[0]
    assert "Andere Meldung" in latest
    assert "Bürgermeisterin eröffnet Bad" not in latest


def test_updated_article_says_so(client, article):
    article = Article.objects.get(pk=article.pk)
    article.body = "<p>Korrigierter Absatz.</p>"
    article.save()
    assert "Aktualisiert am" in text(client.get(article.get_absolute_url()))


def marked_but_not_shown(category) -> list[Article]:
    """Aufmacher newer than any shown one that readers may not see: scheduled, taken
    offline, a draft."""
    now = timezone.now()
    return [
        ArticleFactory(title="Geplanter Aufmacher", category=category, is_lead_story=True,
                       published_at=now + timedelta(hours=2)),
        ArticleFactory(title="Abgelaufener Aufmacher", category=category, is_lead_story=True,
                       published_at=now - timedelta(minutes=5),
                       expires_at=now - timedelta(minutes=1)),
        ArticleFactory(title="Aufmacher im Entwurf", category=category, is_lead_story=True,
                       status=Article.Status.DRAFT, published_at=now - timedelta(minutes=2)),
    ]  # fmt: skip


def home_lead(client) -> str:
    return text(client.get("/")).split('class="lead-story"')[1].split("</section>")[0]


def test_home_page_leads_with_the_newest_aufmacher_readers_may_see(client, hall, town):
    newest = ArticleFactory(title="Neueste Meldung", category=hall)
    ArticleFactory(title="Der Aufmacher", category=hall, is_lead_story=True,
                   published_at=timezone.now() - timedelta(days=2))  # fmt: skip
    ArticleFactory(title="Aufmacher von letzter Woche", category=hall, is_lead_story=True,
                   published_at=timezone.now() - timedelta(days=7))  # fmt: skip
    hidden = marked_but_not_shown(hall)
    for i in range(9):
        ArticleFactory(category=hall, published_at=timezone.now() - timedelta(days=3, hours=i))
    lead = home_lead(client)
    assert "Der Aufmacher" in lead
    for other in [newest, *hidden]:
        assert other.title not in lead
    assert "Aufmacher von letzter Woche" not in lead
    assert 'id="rubrik-lindenau"' in text(client.get("/"))  # a block for the main category


def test_an_aufmacher_from_years_ago_still_leads(client, hall):
    """However far back the newest one marked lies, it is found (through the index of the
    marked articles, whatever the archive holds in between)."""
    ArticleFactory(title="Aufmacher von damals", category=hall, is_lead_story=True,
                   published_at=timezone.now() - timedelta(days=3 * 365))  # fmt: skip
    for i in range(5):
        ArticleFactory(category=hall, published_at=timezone.now() - timedelta(days=i))
    assert "Aufmacher von damals" in home_lead(client)


def test_home_page_falls_back_to_the_newest_article(client, hall):
    ArticleFactory(title="Ganz neu", category=hall,
                   published_at=timezone.now() - timedelta(minutes=30))  # fmt: skip
    ArticleFactory(title="Von gestern", category=hall,
                   published_at=timezone.now() - timedelta(days=1))  # fmt: skip
    hidden = marked_but_not_shown(hall)  # marked, but none readers may see
    lead = home_lead(client)
    assert "Ganz neu" in lead
    for other in hidden:
        assert other.title not in lead


def test_category_page_includes_subcategories_and_paginates(client, town, hall):
    for i in range(14):
        ArticleFactory(title=f"Ratsmeldung {i}", category=hall,
                       published_at=timezone.now() - timedelta(hours=i + 1))  # fmt: skip
    response = client.get("/lindenau/")
    html = text(response)
    assert response.status_code == 200
    assert "<h1" in html and "Lindenau</h1>" in html
    assert "Ratsmeldung 0" in html and "Ratsmeldung 13" not in html
    assert "Seite 1 von 2" in html
    assert "Ratsmeldung 13" in text(client.get("/lindenau/", {"seite": 2}))


def test_tag_and_author_pages(client, article):
    tag_html = text(client.get("/thema/hallenbad/"))
    assert "Thema: Hallenbad" in tag_html and article.title in tag_html
    author_html = text(client.get("/autor/miriam-adler/"))
    assert "Miriam Adler" in author_html and article.title in author_html
    assert client.get("/thema/gibt-es-nicht/").status_code == 404


def test_tags_of_unpublished_articles_have_no_page(client, hall):
    ArticleFactory(category=hall, status=Article.Status.DRAFT, tags=["Rücktritt Wallmeyer"])
    ArticleFactory(category=hall, published_at=timezone.now() + timedelta(hours=1),
                   tags=["Neue Schulleiterin"])  # fmt: skip
    for url in ["/thema/ruecktritt-wallmeyer/", "/thema/neue-schulleiterin/"]:
        response = client.get(url)
        assert response.status_code == 404
        assert "Wallmeyer" not in text(response) and "Schulleiterin" not in text(response)


def test_search_finds_words_in_the_text(client, article):
    html = text(client.get("/suche/", {"q": "Absatz"}))
    assert article.title in html and "1 Artikel gefunden" in html
    assert "Keine Artikel" in text(client.get("/suche/", {"q": "Zeppelin"}))


@pytest.mark.parametrize(
    "make",
    [
        lambda hall: ArticleFactory(category=hall, status=Article.Status.DRAFT),
        lambda hall: ArticleFactory(category=hall,
                                    published_at=timezone.now() + timedelta(hours=1)),
    ],
    ids=["draft", "scheduled"],
)  # fmt: skip
def test_unpublished_articles_are_404_for_readers_but_staff_can_preview(
    client, admin_client, hall, make
):
    article = make(hall)
    response = client.get(article.get_absolute_url())
    assert response.status_code == 404
    assert "Seite nicht gefunden" in text(response)  # German, in the portal's layout
    assert 'class="site-header"' in text(response)
    assert article.title not in text(client.get("/lindenau/"))
    preview = admin_client.get(article.get_absolute_url())
    assert preview.status_code == 200 and "Vorschau" in text(preview)


def test_unknown_paths_are_404(client, hall):
    assert client.get("/lindenau/rathaus/gibt-es-nicht/").status_code == 404
    assert client.get("/gibt/es/nicht/").status_code == 404


@pytest.mark.parametrize("slug", ["mit%20leerzeichen", "x" * 300], ids=["space", "300-chars"])
def test_probes_for_odd_addresses_are_404_without_a_cache_warning(client, hall, slug):
    # A key with spaces or over 250 characters draws Django's CacheKeyWarning on every
    # request; scanners send such addresses by the thousand.
    with warnings.catch_warnings():
        warnings.simplefilter("error", CacheKeyWarning)
        assert client.get(f"/lindenau/rathaus/{slug}/").status_code == 404


@pytest.mark.urls("tests.newsroom.error_urls")
def test_500_page_in_german_in_the_portal_layout(client):
    client.raise_request_exception = False
    response = client.get("/kaputt/")
    html = text(response)
    assert response.status_code == 500
    assert "Serverfehler" in html and "Bitte versuchen Sie es" in html
    assert 'class="site-header"' in html and 'href="/"' in html


def test_footer_links_to_legal_pages(client, hall):
    for title, slug in [("Datenschutz", "datenschutz"), ("Kontakt", "kontakt")]:
        Page.objects.create(title=title, slug=slug, body="<p>Text</p>")
    html = text(client.get("/"))
    footer = html.split('class="site-footer"')[1]
    assert 'href="/impressum/"' in footer  # from the site settings, always linked
    for slug in ["datenschutz", "kontakt"]:
        assert f'href="/seite/{slug}/"' in footer
    assert client.get("/seite/datenschutz/").status_code == 200


@pytest.mark.parametrize(
    ("utc_now", "expected"),
    [
        (datetime(2026, 11, 24, 22, 59, 59, tzinfo=ZoneInfo("UTC")), "Dienstag, 24. November 2026"),
        (datetime(2026, 11, 24, 23, 0, 0, tzinfo=ZoneInfo("UTC")), "Mittwoch, 25. November 2026"),
        (datetime(2026, 3, 28, 23, 30, tzinfo=ZoneInfo("UTC")), "Sonntag, 29. März 2026"),
    ],
)
def test_date_in_the_top_bar_is_german_and_berlin_time(client, monkeypatch, utc_now, expected):
    # The `now` tag reads the clock through datetime.now(); freeze it at the given instant.
    import django.template.defaulttags as defaulttags

    class FrozenDatetime(datetime):
        @classmethod
        def now(cls, tz=None):
            return utc_now.astimezone(tz) if tz else utc_now.replace(tzinfo=None)

    monkeypatch.setattr(defaulttags, "datetime", FrozenDatetime)
    html = text(client.get("/"))
    assert f'<p class="topbar__date">{expected}</p>' in html


def test_reading_pages_set_no_cookies(client, article):
    for url in ["/", "/lindenau/", article.get_absolute_url(), "/thema/hallenbad/",
                "/autor/miriam-adler/", "/suche/?q=Bad"]:  # fmt: skip
        response = client.get(url)
        assert response.status_code == 200, url
        assert not response.cookies, (url, response.cookies)


def test_reading_pages_load_nothing_from_other_hosts(client, article):
    import re

    for url in ["/", article.get_absolute_url()]:
        response = client.get(url)
        html = text(response)
        sources = re.findall(r'(?:src|href)="([^"]+)"', html)
        loaded = re.findall(r'<(?:img|script|source)[^>]+src="([^"]+)"', html) + re.findall(
            r'<link[^>]+rel="(?:stylesheet|icon|preload|manifest)"[^>]+href="([^"]+)"', html
        )
        assert all(not s.startswith(("http", "//")) for s in loaded), loaded
        assert sources
        assert "default-src 'self'" in response["Content-Security-Policy"]


def test_article_carries_structured_data_for_search_engines(client, article):
    import json
    import re

    SiteSettings.objects.create(site_name="Lindenauer Nachrichten")
    html = text(client.get(article.get_absolute_url()))
    scripts = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    found = {data["@type"]: data for data in map(json.loads, scripts)}
    assert set(found) == {"NewsArticle", "BreadcrumbList"}
    data = found["NewsArticle"]
    assert data["@context"] == "https://schema.org"
    assert data["headline"] == "Bürgermeisterin eröffnet Bad"
    assert data["author"] == [{"@type": "Person", "name": "Miriam Adler",
                               "url": "http://testserver/autor/miriam-adler/"}]  # fmt: skip
    assert data["datePublished"].startswith("2026-11-24T09:30:00+01:00")
    assert data["dateModified"].startswith("2026-11-24T09:30:00+01:00")  # never updated
    assert data["mainEntityOfPage"] == "http://testserver" + article.get_absolute_url()
    assert data["publisher"]["name"] == "Lindenauer Nachrichten"
    assert data["publisher"]["logo"]["url"] == "http://testserver/static/img/publisher-logo.png"
    assert len(data["image"]) == 3  # 16:9, 4:3 and 1:1
    assert all(url.startswith("http://testserver/media/renditions/") for url in data["image"])

    crumbs = found["BreadcrumbList"]["itemListElement"]
    assert [(c["@type"], c["position"], c["name"], c["item"]) for c in crumbs] == [
        ("ListItem", 1, "Start", "http://testserver/"),
        ("ListItem", 2, "Lindenau", "http://testserver/lindenau/"),
        ("ListItem", 3, "Rathaus", "http://testserver/lindenau/rathaus/"),
        ("ListItem", 4, "Bürgermeisterin eröffnet Bad",
         "http://testserver" + article.get_absolute_url()),
    ]  # fmt: skip
    assert '<meta property="og:title" content="Bürgermeisterin eröffnet Bad">' in html


def test_category_pages_carry_their_breadcrumb_for_search_engines(client, hall):
    import json
    import re

    html = text(client.get("/lindenau/rathaus/"))
    scripts = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    (data,) = map(json.loads, scripts)
    assert [(c["position"], c["name"]) for c in data["itemListElement"]] == [
        (1, "Start"), (2, "Lindenau"), (3, "Rathaus"),
    ]  # fmt: skip


def test_structured_data_cannot_break_out_of_its_script(client, hall):
    evil = ArticleFactory(category=hall, title="</script><script>alert(1)</script>")
    html = text(client.get(evil.get_absolute_url()))
    assert "<script>alert(1)" not in html


def test_category_page_links_its_subcategories(client, town, hall):
    html = text(client.get("/lindenau/"))
    assert '<a href="/lindenau/rathaus/">Rathaus</a>' in html


def test_home_sections_do_not_repeat_the_top_stories(client, hall):
    for i in range(12):
        ArticleFactory(title=f"Meldung {i:02d}", category=hall,
                       published_at=timezone.now() - timedelta(hours=i + 1))  # fmt: skip
    html = text(client.get("/"))
    sections = html.split('id="rubrik-lindenau"')[1]
    assert "Meldung 00" not in sections  # the lead story
    assert "Meldung 08" not in sections  # in "Aktuell"
    assert "Meldung 09" in sections


def test_favicon_is_answered_without_a_404_page(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"].endswith("favicon.svg")


def test_footer_follows_page_edits_at_once(client, hall):
    page = Page.objects.create(title="Kontakt", slug="kontakt", body="<p>Text</p>")
    assert "Kontakt" in text(client.get("/")).split('class="site-footer"')[1]  # now cached
    page.title = "Kontakt & Hinweise"
    page.save()
    assert "Kontakt &amp; Hinweise" in text(client.get("/")).split('class="site-footer"')[1]
    page.delete()
    assert "Kontakt" not in text(client.get("/")).split('class="site-footer"')[1]


def test_search_understands_german_word_forms_on_postgresql(client, hall):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("stemming needs PostgreSQL's German dictionary; SQLite matches whole words")
    ArticleFactory(title="Neue Schulen für Lindenau", body="<p>Der Rat beschließt.</p>")
    ArticleFactory(title="Sportfest", body="<p><strong>Schule</strong> frei</p>")
    ArticleFactory(title="Ohne Treffer", body="<p>strong</p>")
    html = text(client.get("/suche/", {"q": "Schule"}))
    assert "Neue Schulen für Lindenau" in html and "Sportfest" in html
    assert "Ohne Treffer" not in html and "2 Artikel gefunden" in html
    assert "Ohne Treffer" not in text(client.get("/suche/", {"q": "Rathaus"}))


def test_author_photo_offers_its_small_copy_to_phones(client, hall):
    """The photo is shown 6rem wide: small square copies, WebP for browsers that read it."""
    photo = ImageFactory(file=image_upload(size=(1200, 1200)))
    author = AuthorFactory(slug="paula-rehberg", photo=photo)
    ArticleFactory(category=hall, authors=[author])
    tree = lxml_html.fromstring(client.get(author.get_absolute_url()).content.decode())
    (picture,) = tree.xpath("//header[@class='author']//picture")
    (webp,) = picture.xpath("source")
    (img,) = picture.xpath(".//img")  # lxml nests it in the void <source>
    assert webp.get("type") == "image/webp"
    assert srcset_widths(webp) == srcset_widths(img) == ["96w", "192w", "384w", "1200w"]
    assert webp.get("srcset").split(",")[0].split()[0].endswith(".webp")
    assert img.get("sizes") == webp.get("sizes") == "6rem"
    assert "author__photo" in img.get("class")
    assert img.get("width") == img.get("height")  # square, its space reserved


def srcset_widths(element) -> list[str]:
    return [entry.split()[1] for entry in element.get("srcset").split(",")]


def test_lead_image_comes_in_sizes_for_every_screen(client, article):
    """Phones load a small copy, current browsers WebP; the library's credit is shown."""
    tree = lxml_html.fromstring(client.get(article.get_absolute_url()).content.decode())
    (figure,) = tree.xpath("//figure[@class='article__image']")
    (webp,) = figure.xpath("picture/source")
    (img,) = figure.xpath("picture//img")
    assert webp.get("type") == "image/webp"
    # A 640 pixels wide photo: no copy larger than the original.
    assert srcset_widths(webp) == srcset_widths(img) == ["320w", "480w", "640w"]
    assert (img.get("width"), img.get("height")) == ("640", "400")
    assert img.get("alt") == "Das neue Becken" and img.get("fetchpriority") == "high"
    caption = " ".join(figure.xpath("string(figcaption)").split())
    assert caption == "Das Becken am Morgen Foto: Paula Rehberg"


def test_unpublished_articles_appear_on_no_reader_page(client, hall):
    author = AuthorFactory(slug="miriam-adler")
    public = ArticleFactory(category=hall, authors=[author], tags=["Hallenbad"],
                            title="Bad öffnet wieder", body="<p>Geheimsache Bad</p>")  # fmt: skip
    draft = ArticleFactory(category=hall, authors=[author], tags=["Hallenbad"],
                           status=Article.Status.DRAFT, slug="entwurf",
                           title="Geheimsache Rücktritt", lead="Geheimsache Entwurf")  # fmt: skip
    ArticleFactory(category=hall, authors=[author], tags=["Hallenbad"],
                   published_at=timezone.now() + timedelta(hours=2),
                   title="Geheimsache Zukunft", lead="Geheimsache geplant")  # fmt: skip
    # A draft's changed slug: the old address must not lead to it either.
    draft = Article.objects.get(pk=draft.pk)
    draft.slug = "entwurf-neu"
    draft.save()
    urls = ["/", "/lindenau/", "/lindenau/rathaus/", public.get_absolute_url(),
            "/thema/hallenbad/", "/autor/miriam-adler/", "/suche/?q=Geheimsache", "/feed/",
            "/sitemap-articles-0.xml", "/lindenau/rathaus/entwurf/"]  # fmt: skip
    for url in urls:
        html = text(client.get(url))
        assert "Rücktritt" not in html and "Zukunft" not in html, url
        assert "entwurf" not in html, url
    assert client.get("/lindenau/rathaus/entwurf/").status_code == 404
    assert "1 Artikel gefunden" in text(client.get("/suche/", {"q": "Geheimsache"}))
