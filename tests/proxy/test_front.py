"""The shipped front as production runs it: nginx (deploy/nginx/newsroom-proxy.conf) in front
of Varnish (deploy/varnish/default.vcl) in front of gunicorn with 3 sync workers.

Slow uploads must not take the app's workers, readers must not purge the cache, too large
uploads get a page in German, media files may be shown by other sites, and no answer
names the software behind it."""

import http.client
import shutil
import socket
import subprocess
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

from .conftest import (
    NGINX,
    NGINX_DIR,
    VARNISHD,
    Gunicorn,
    Nginx,
    Response,
    Varnish,
    database_url,
    http_request,
    require_binary,
)

pytestmark = pytest.mark.django_db(transaction=True)  # gunicorn writes to the database too

FORM = "/stellenmarkt/anzeige-aufgeben/"
TOO_LARGE = "Die Datei ist zu groß"


@dataclass
class Front:
    app: Gunicorn
    varnish: Varnish
    nginx: Nginx
    root: Path  # nginx's root: media files under media/

    def port(self, entry: str) -> int:
        return {"nginx": self.nginx.port, "varnish": self.varnish.port}[entry]


@pytest.fixture(scope="module")
def front(django_db_setup, tmp_path_factory):
    require_binary(VARNISHD, "varnish (varnishd)")
    require_binary(NGINX, "nginx")
    tmp = tmp_path_factory.mktemp("front")
    for name in ("app", "varnish", "nginx", "root/media"):
        (tmp / name).mkdir(parents=True)
    started = []
    try:
        started.append(Gunicorn(tmp / "app", database_url()))
        started.append(Varnish(tmp / "varnish", started[0].port))
        started.append(Nginx(tmp / "nginx", started[1].port, tmp / "root"))
        front = Front(*started, tmp / "root")
        # A first page, so that what Django loads lazily is not part of any test.
        assert front.nginx.get("/").status == 200
        yield front
    finally:
        for process in reversed(started):
            process.stop()


@pytest.fixture
def empty_cache(front):
    front.varnish.ban_everything()
    return front


class SlowUploads:
    """Connections that send a form's headers, then its body one byte a second."""

    def __init__(self, port: int, count: int):
        self.sockets = []
        for _ in range(count):
            sock = socket.create_connection(("127.0.0.1", port), timeout=5)
            sock.sendall(
                f"POST {FORM} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                "Content-Type: application/x-www-form-urlencoded\r\n"
                "Content-Length: 1000\r\n\r\ntitle=".encode()
            )
            self.sockets.append(sock)
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._trickle, daemon=True)
        self.thread.start()

    def _trickle(self):
        while not self.done.wait(1):
            for sock in self.sockets:
                try:
                    sock.send(b"x")
                except OSError:
                    pass

    def unanswered(self) -> int:
        """How many are still sending (no answer, not closed)."""
        count = 0
        for sock in self.sockets:
            sock.setblocking(False)
            try:
                sock.recv(1)
            except BlockingIOError:
                count += 1
            except OSError:
                pass
            sock.setblocking(True)
        return count

    def close(self):
        self.done.set()
        self.thread.join()
        for sock in self.sockets:
            sock.close()


@pytest.mark.parametrize("entry", ["nginx", "varnish"])
def test_slow_uploads_do_not_block_the_app(front, entry):
    """Six uploads trickling in (more than the 3 workers) while a reader asks for a page
    that is not cached: the page comes at once, because the proxy reads bodies to the end
    before the app sees them. (Without that, every worker waits for a body until gunicorn
    kills it after 30 s, and every page not in the cache waits with it.)"""
    uploads = SlowUploads(front.port(entry), 6)
    try:
        time.sleep(0.5)  # the proxies pass on what they would pass on
        uncached = f"/suche/?q={uuid.uuid4().hex}"
        try:
            page = http_request(front.port(entry), "GET", uncached, timeout=5)
        except TimeoutError:
            pytest.fail("an uncached page took over 5 s: the slow uploads hold the app's workers")
        assert page.status == 200 and page.cache == "MISS"
        assert uploads.unanswered() == 6  # the attack was still going on
    finally:
        uploads.close()


def post_large(port: int, size: int) -> Response:
    """A form post of `size` bytes, read as a browser does: the answer may come before the
    body is sent (nginx answers a too large one at once)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=20)
    sock.sendall(
        f"POST {FORM} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        "Content-Type: application/octet-stream\r\n"
        f"Content-Length: {size}\r\n\r\n".encode()
    )

    def send_body():
        chunk = b"\0" * (1 << 20)
        try:
            for start in range(0, size, len(chunk)):
                sock.sendall(chunk[: size - start])
        except OSError:
            pass  # the proxy stopped reading after its answer

    sender = threading.Thread(target=send_body, daemon=True)
    sender.start()
    try:
        response = http.client.HTTPResponse(sock)
        response.begin()
        return Response(response.status, response.headers, response.read())
    finally:
        sock.close()
        sender.join(20)


@pytest.mark.parametrize("entry", ["nginx", "varnish"])
def test_too_large_upload_gets_a_page_in_german(front, entry):
    answer = post_large(front.port(entry), 30 * 1024 * 1024)
    assert answer.status == 413, answer.status
    assert answer.headers["Content-Type"].startswith("text/html")
    assert TOO_LARGE in answer.text
    assert '<a href="/">Zur Startseite</a>' in answer.text


@pytest.mark.parametrize("entry", ["nginx", "varnish"])
def test_largest_allowed_upload_reaches_the_app(front, entry):
    """An 11 MB post (an image of the largest allowed 10 MB in a form) goes through: the
    app answers it (here: refused for its missing CSRF token), not the proxy."""
    boundary = "grenze"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="logo"; filename="a.jpg"\r\n'
            "Content-Type: image/jpeg\r\n\r\n"
        ).encode()
        + b"\xff" * (11 * 1024 * 1024)
        + f"\r\n--{boundary}--\r\n".encode()
    )
    answer = http_request(
        front.port(entry),
        "POST",
        FORM,
        {"Content-Type": f"multipart/form-data; boundary={boundary}"},
        body,
    )
    assert answer.status == 403, answer.status
    assert answer.cache == "PASS"  # from the app, through Varnish


def test_readers_cannot_purge_through_the_front(empty_cache):
    front = empty_cache
    assert front.nginx.get("/").cache == "MISS"
    assert front.nginx.get("/").cache == "HIT"
    for method, headers in (("BAN", {"X-Ban-Tags": "all list"}), ("PURGE", {})):
        assert front.nginx.request(method, "/", headers).status == 405
        # Varnish's readers' listener, even from 127.0.0.1 (a purger's address).
        assert front.varnish.request(method, "/", headers).status == 405
    assert front.nginx.get("/").cache == "HIT"
    # The app's listener still takes bans.
    assert front.varnish.purge("BAN", "/", {"X-Ban-Tags": "all"}).status == 200
    assert front.nginx.get("/").cache == "MISS"


def test_other_methods_end_at_nginx(front):
    for method in ("PUT", "DELETE", "TRACE", "OPTIONS"):
        assert front.nginx.request(method, "/").status == 405, method


def test_no_answer_names_the_software(empty_cache):
    front = empty_cache
    page = front.varnish.get("/")
    refused = front.varnish.request("BAN", "/")
    for answer in (page, refused):
        assert "Server" not in answer.headers
        assert "Via" not in answer.headers
        assert "X-Powered-By" not in answer.headers
    for answer in (front.nginx.get("/"), front.nginx.request("BAN", "/")):
        assert answer.headers["Server"] == "nginx"  # no version, not gunicorn
        assert "Via" not in answer.headers
    assert "nginx/" not in front.nginx.request("BAN", "/").text


def test_media_may_be_shown_by_other_sites(front):
    """Images of articles and feeds (originals and renditions, which og:image and feed
    enclosures point to) are served with Cross-Origin-Resource-Policy: cross-origin, so
    feed readers and link previews on other sites can show them."""
    image = front.root / "media" / "images" / "2026" / "05" / "foto.jpg"
    rendition = front.root / "media" / "renditions" / "7" / "abc" / "wide-1200.jpg"
    for path in (image, rendition):
        path.parent.mkdir(parents=True)
        path.write_bytes(b"\xff\xd8\xff\xe0 a jpeg")
    for path in (image, rendition):
        served = front.nginx.get("/" + str(path.relative_to(front.root)))
        assert served.status == 200 and served.raw == b"\xff\xd8\xff\xe0 a jpeg"
        assert served.headers["Cross-Origin-Resource-Policy"] == "cross-origin"
        assert "sandbox" in served.headers["Content-Security-Policy"]
        assert "Expires" in served.headers
    # A rendition not stored yet goes on to the app (which makes it, or here: no such image).
    missing = front.nginx.get("/media/renditions/999999/abc/wide-1200.jpg")
    assert missing.status == 404 and missing.cache == "MISS"
    assert missing.headers["Cross-Origin-Resource-Policy"] == "cross-origin"
    # Pages stay same-origin (the app's header).
    assert front.nginx.get("/").headers["Cross-Origin-Resource-Policy"] == "same-origin"


def test_shipped_site_config_is_valid(tmp_path):
    """deploy/nginx/newsroom.conf (the TLS part the other tests leave out) passes `nginx -t`
    with a certificate of its own and the include path of this checkout."""
    nginx = require_binary(NGINX, "nginx")
    openssl = require_binary(shutil.which("openssl"), "openssl")
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=localhost", "-keyout", str(tmp_path / "key.pem"),
         "-out", str(tmp_path / "cert.pem")],
        check=True, capture_output=True,
    )  # fmt: skip
    site = (NGINX_DIR / "newsroom.conf").read_text()
    for old, new in (
        ("/etc/letsencrypt/live/example.org/fullchain.pem", tmp_path / "cert.pem"),
        ("/etc/letsencrypt/live/example.org/privkey.pem", tmp_path / "key.pem"),
        ("/etc/nginx/newsroom-proxy.conf", NGINX_DIR / "newsroom-proxy.conf"),
    ):
        assert old in site
        site = site.replace(old, str(new))
    (tmp_path / "site.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path / 'nginx.pid'};\nerror_log {tmp_path / 'error.log'};\nevents {{}}\n"
        f"http {{ include /etc/nginx/mime.types; include {tmp_path / 'site.conf'}; }}\n"
    )
    check = subprocess.run(
        [nginx, "-t", "-p", str(tmp_path), "-e", str(tmp_path / "error.log"),
         "-c", str(tmp_path / "nginx.conf")],
        capture_output=True, text=True,
    )  # fmt: skip
    assert check.returncode == 0, check.stderr
