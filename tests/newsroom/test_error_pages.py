"""The error pages: the 404 helps readers on, the 500 keeps the portal's layout even when
the database is what failed."""

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from lxml import html as lxml_html

from newsroom.models import Page, SiteSettings
from tests.factories import ArticleFactory, CategoryFactory

ROOT = Path(__file__).resolve().parents[2]


def text(response):
    return response.content.decode()


@pytest.mark.django_db
def test_the_404_offers_search_and_the_newest_articles(client):
    town = CategoryFactory(name="Lindenau", slug="lindenau")
    ArticleFactory(category=town, title="Hallenbad öffnet wieder")
    response = client.get("/gibt-es-nicht/")
    assert response.status_code == 404
    tree = lxml_html.fromstring(response.content)
    main = tree.get_element_by_id("inhalt")
    (form,) = main.xpath('.//form[@role="search"]')
    assert form.get("action") == "/suche/" and form.xpath('.//input[@name="q"]')
    (label,) = main.xpath('.//label[@for="suche-404"]')
    assert label.text_content() == "In unseren Artikeln suchen"
    assert "Neueste Artikel" in main.text_content()
    assert "Hallenbad öffnet wieder" in main.text_content()
    # Cached like a list: a new article makes the 404 fresh too.
    assert "list" in response["Cache-Tags"].split()


@pytest.mark.django_db
@pytest.mark.urls("tests.newsroom.error_urls")
def test_the_500_page_reads_nothing_from_the_database(client):
    """Navigation, footer links and site name come from the app cache an earlier page
    filled; the page itself sends no query."""
    CategoryFactory(name="Lindenau", slug="lindenau")
    Page.objects.create(title="Datenschutz", slug="datenschutz", body="<p>Text</p>")
    SiteSettings(site_name="Lindenauer Nachrichten").save()
    client.raise_request_exception = False
    client.get("/")  # a reader's page fills the caches
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/kaputt/")
    assert response.status_code == 500
    assert ctx.captured_queries == []
    html = text(response)
    assert "Serverfehler" in html and "Bitte versuchen Sie es" in html
    assert '<a class="site-header__brand" href="/">Lindenauer Nachrichten</a>' in html
    assert 'href="/lindenau/">Lindenau</a>' in html  # the navigation, from the cache
    footer = html.split('class="site-footer"')[1]
    assert 'href="/impressum/"' in footer and 'href="/seite/datenschutz/"' in footer
    assert '<meta name="robots" content="noindex">' in html
    assert "Cache-Tags" not in response and "ETag" not in response  # never kept by a proxy


@pytest.mark.django_db
@pytest.mark.urls("tests.newsroom.error_urls")
def test_with_cold_caches_the_500_page_falls_back_to_defaults(client):
    client.raise_request_exception = False
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/kaputt/")
    assert response.status_code == 500
    assert [q for q in ctx.captured_queries if "newsroom_" in q["sql"]] == []
    html = text(response)
    assert 'class="site-header"' in html and 'class="site-footer"' in html
    assert "Serverfehler" in html and 'href="/impressum/"' in html


@pytest.mark.django_db
@pytest.mark.urls("tests.newsroom.error_urls")
def test_a_broken_layout_still_gives_a_plain_error_page(client, monkeypatch):
    from django.template import loader

    def broken(*args, **kwargs):
        raise RuntimeError("template broken")

    monkeypatch.setattr(loader, "render_to_string", broken)
    client.raise_request_exception = False
    response = client.get("/kaputt/")
    assert response.status_code == 500
    assert "<h1>Serverfehler</h1>" in text(response)


# --- With the database stopped ---------------------------------------------------------

STOPPED_DB_SCRIPT = """
import json, django
django.setup()
from django.test import Client
client = Client(raise_request_exception=False)
answers = {}
for url in ["/", "/lindenau/", "/impressum/", "/suche/?q=Bad"]:
    response = client.get(url)
    answers[url] = [response.status_code, response.content.decode()]
print(json.dumps(answers))
"""


def closed_port() -> int:
    """A local port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_with_the_database_stopped_readers_get_the_500_page_in_the_layout():
    keep = {"PATH", "HOME", "LANG", "LC_ALL", "PYTHONPATH", "VIRTUAL_ENV"}
    env = {k: v for k, v in os.environ.items() if k in keep}
    env.update(
        DJANGO_SETTINGS_MODULE="newsroom.settings",
        DATABASE_URL=f"postgres://reader@127.0.0.1:{closed_port()}/newsroom",
        DEBUG="false",
        SECRET_KEY="a-long-and-random-test-secret-" + "q8Wd3Lx7" * 6,
        ALLOWED_HOSTS="testserver",
        SECURE_SSL_REDIRECT="false",
        CACHE_BACKEND="django.core.cache.backends.locmem.LocMemCache",
        CACHE_LOCATION="stopped-db",
        # Production's manifest storage would need collectstatic first.
        STATICFILES_BACKEND="django.contrib.staticfiles.storage.StaticFilesStorage",
    )
    result = subprocess.run(
        [sys.executable, "-c", STOPPED_DB_SCRIPT], cwd=ROOT, env=env,
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    answers = json.loads(result.stdout.strip().splitlines()[-1])
    for url, (status, html) in answers.items():
        assert status == 500, url
        assert '<html lang="de">' in html, url
        assert '<header class="site-header">' in html and '<footer class="site-footer">' in html
        assert '<a class="site-header__brand" href="/">Newsroom</a>' in html  # the default
        assert '<form class="site-header__search" role="search"' in html
        assert 'href="/impressum/"' in html and 'href="/static/css/site.css"' in html
        assert "Serverfehler" in html, url
        assert "Bitte versuchen Sie es in ein paar Minuten noch einmal." in html, url
        assert "Traceback" not in html and "OperationalError" not in html, url
        assert "None" not in html, url
        assert "127.0.0.1" not in html, url  # nothing about the database reaches readers
    # The failure is logged for the operators.
    assert "OperationalError" in result.stderr


@pytest.mark.django_db
@pytest.mark.urls("tests.newsroom.error_urls")
def test_the_error_pages_are_valid_html(client, tmp_path):
    from tests.quality import html_errors

    client.raise_request_exception = False
    client.get("/")  # the 500 with the navigation from the cache
    pages = {"server-error": client.get("/kaputt/").content}
    pages["not-found"] = client.get("/gibt-es-nicht/").content
    assert html_errors(pages, tmp_path) == []
