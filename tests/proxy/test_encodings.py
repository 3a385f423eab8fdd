"""Both encodings through the shipped Varnish: readers that take gzip get a stored gzip copy,
clients that send no Accept-Encoding (monitors, curl, crawlers) a stored plain copy instead
of a gunzip per hit; bans and PURGE drop both, and Vary tells the caches on the way."""

import gzip
import http.client
import shutil
import time

import pytest

from tests.factories import ArticleFactory

from .conftest import (
    ROOT,
    Gunicorn,
    Response,
    Varnish,
    database_url,
    eventually,
)

pytestmark = pytest.mark.django_db(transaction=True)

GZIP = {"Accept-Encoding": "gzip"}


def bare_get(port: int, path: str) -> Response:
    """GET as curl or a monitor sends it: no Accept-Encoding header at all (http.client
    would add "Accept-Encoding: identity" by itself)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.putrequest("GET", path, skip_accept_encoding=True)
        conn.endheaders()
        resp = conn.getresponse()
        return Response(resp.status, resp.headers, resp.read())
    finally:
        conn.close()


def fetch(varnish: Varnish, path: str, encoding: str | None) -> Response:
    if encoding is None:
        return bare_get(varnish.port, path)
    return varnish.request("GET", path, {"Accept-Encoding": encoding})


def hit(varnish: Varnish, path: str, encoding: str | None) -> Response:
    """The page from Varnish's cache for this Accept-Encoding (a few tries: the previous
    test's repeated ban may still arrive)."""
    for _ in range(5):
        response = fetch(varnish, path, encoding)
        assert response.status == 200, (path, response.status)
        if response.cache == "HIT":
            return response
        time.sleep(0.1)
    raise AssertionError(f"{path} ({encoding}) is not cached: {dict(response.headers)}")


def is_plain(response: Response) -> bool:
    return "Content-Encoding" not in response.headers and not response.raw.startswith(b"\x1f\x8b")


def is_gzip(response: Response) -> bool:
    return response.headers.get("Content-Encoding") == "gzip" and response.raw[:2] == b"\x1f\x8b"


def vary(response: Response) -> list[str]:
    return [v.strip().lower() for v in response.headers.get("Vary", "").split(",") if v.strip()]


def test_client_without_accept_encoding_gets_a_stored_plain_copy(varnish):
    ArticleFactory(title="Ohne Kompression gelesen")
    assert bare_get(varnish.port, "/").cache == "MISS"
    page = hit(varnish, "/", None)
    assert is_plain(page)
    assert "Ohne Kompression gelesen" in page.text
    # Every other way of saying "no gzip" shares that copy.
    for encoding in ("identity", "gzip;q=0", "br", "deflate"):
        same = fetch(varnish, "/", encoding)
        assert same.cache == "HIT" and is_plain(same), (encoding, dict(same.headers))
        assert same.raw == page.raw


def test_gzip_clients_get_their_own_stored_gzip_copy(varnish):
    ArticleFactory(title="Komprimiert gelesen")
    plain = hit(varnish, "/", None)
    # The plain copy is not what a gzip reader gets: a copy of its own, fetched once.
    assert fetch(varnish, "/", "gzip").cache == "MISS"
    zipped = hit(varnish, "/", "gzip")
    assert is_gzip(zipped)
    assert len(zipped.raw) < len(plain.raw) / 2
    assert "Komprimiert gelesen" in zipped.text
    for encoding in ("gzip, deflate, br", "br;q=1.0, gzip;q=0.8, *;q=0.1", "GZIP"):
        same = fetch(varnish, "/", encoding)
        assert same.cache == "HIT" and is_gzip(same), (encoding, dict(same.headers))
        assert same.raw == zipped.raw
    # And the plain copy is still there, still plain.
    assert is_plain(hit(varnish, "/", None))


def test_both_copies_say_vary_accept_encoding(varnish):
    """Caches between Varnish and the reader (a company proxy) must keep them apart too."""
    article = ArticleFactory()
    for path in ("/", article.get_absolute_url()):
        for encoding in (None, "gzip"):
            response = hit(varnish, path, encoding)
            assert "accept-encoding" in vary(response), (path, encoding, dict(response.headers))
            assert "cookie" not in vary(response)


def test_saving_an_article_drops_both_copies(varnish):
    article = ArticleFactory(title="Alte Schlagzeile")
    paths = ("/", article.get_absolute_url())
    for path in paths:
        for encoding in (None, "gzip"):
            assert "Alte Schlagzeile" in hit(varnish, path, encoding).text

    article.title = "Neue Schlagzeile"
    article.save()  # the app bans the article's tags after the commit
    for path in paths:
        for encoding in (None, "gzip"):

            def check(path=path, encoding=encoding):
                return "Neue Schlagzeile" in fetch(varnish, path, encoding).text

            check.__doc__ = f"{path} ({encoding}) shows the new headline"
            eventually(check)
    # Both come back as their own encoding.
    assert is_plain(hit(varnish, "/", None))
    assert is_gzip(hit(varnish, "/", "gzip"))


def test_purge_of_one_address_drops_both_copies(varnish):
    article = ArticleFactory()
    path = article.get_absolute_url()
    for encoding in (None, "gzip"):
        hit(varnish, path, encoding)
    # The purge listener, for the readers' host; no Accept-Encoding, and still both go.
    assert varnish.purge("PURGE", path, {"Host": f"127.0.0.1:{varnish.port}"}).status == 200
    for encoding in (None, "gzip"):
        assert fetch(varnish, path, encoding).cache == "MISS", encoding
    assert fetch(varnish, "/", None).status == 200


def test_static_files_in_both_encodings(monkeypatch, tmp_path):
    """Production's static files: whitenoise (gunicorn, DEBUG off) has a pre-compressed .gz
    beside each text file. Varnish stores that .gz for gzip readers and the plain file for
    the others; an image is one copy for both."""
    static = tmp_path / "static"
    (static / "css").mkdir(parents=True)
    (static / "img").mkdir()
    css_bytes = (ROOT / "static" / "css" / "site.css").read_bytes()
    css = static / "css" / "site.css"
    css.write_bytes(css_bytes)
    css.with_name(css.name + ".gz").write_bytes(gzip.compress(css_bytes, mtime=0))
    shutil.copy(ROOT / "static" / "img" / "publisher-logo.png", static / "img" / "logo.png")
    monkeypatch.setenv("STATIC_ROOT", str(static))

    app = Gunicorn(tmp_path, database_url(), workers=1)
    proxy = None
    try:
        proxy = Varnish(tmp_path, app.port)
        css_url = "/static/css/site.css"
        assert bare_get(proxy.port, css_url).cache == "MISS"
        plain = hit(proxy, css_url, None)
        assert is_plain(plain) and plain.raw == css_bytes
        assert "accept-encoding" in vary(plain)
        assert fetch(proxy, css_url, "gzip").cache == "MISS"
        zipped = hit(proxy, css_url, "gzip, deflate, br")
        # whitenoise's own .gz, stored as it came.
        assert is_gzip(zipped) and zipped.raw == gzip.compress(css_bytes, mtime=0)
        assert "accept-encoding" in vary(zipped)

        logo_url = "/static/img/logo.png"
        assert bare_get(proxy.port, logo_url).cache == "MISS"
        logo = fetch(proxy, logo_url, "gzip")
        assert logo.cache == "HIT" and is_plain(logo)
        assert logo.raw == (static / "img" / "logo.png").read_bytes()
        assert "accept-encoding" not in vary(logo)
    finally:
        if proxy:
            proxy.stop()
        app.stop()
