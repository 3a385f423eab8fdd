"""The shipped proxy stack as real processes: Varnish (deploy/varnish/default.vcl) in front
of pytest-django's live server, and for tests/proxy/test_front.py nginx
(deploy/nginx/newsroom-proxy.conf) in front of Varnish in front of gunicorn.

Each runs as a plain process on free loopback ports with its files in a temp dir; a
missing varnishd or nginx skips those tests, except with CI=true, where it is an error.
"""

import gzip
import http.client
import os
import shutil
import socket
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
VCL_DIR = ROOT / "deploy" / "varnish"
NGINX_DIR = ROOT / "deploy" / "nginx"
IN_CI = os.environ.get("CI") == "true"


def find_binary(name: str) -> str | None:
    """`name` on PATH or in an sbin directory (which a non-root PATH may lack)."""
    return shutil.which(name) or next(
        (p for p in (f"/usr/sbin/{name}", f"/usr/local/sbin/{name}") if os.path.exists(p)), None
    )


VARNISHD = find_binary("varnishd")
NGINX = find_binary("nginx")


def require_binary(path: str | None, what: str) -> str:
    if path:
        return path
    if IN_CI:
        raise RuntimeError(f"CI=true but {what} is missing (scripts/test.sh installs it)")
    pytest.skip(f"{what} is not installed (apt-get install {what.split()[0]})")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    raw: bytes
    text: str = field(init=False)

    def __post_init__(self):
        data = self.raw
        if self.headers.get("Content-Encoding") == "gzip":
            data = gzip.decompress(data)
        self.text = data.decode("utf-8", "replace")

    @property
    def cache(self) -> str:
        return self.headers.get("X-Cache", "")


def http_request(port: int, method: str, path: str, headers: dict | None = None, body=None,
                 timeout: float = 10) -> Response:  # fmt: skip
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        return Response(resp.status, resp.headers, resp.read())
    finally:
        conn.close()


class Server:
    """A server process of the stack on a free loopback port: started, waited for until it
    listens, and stopped; `request()` and `get()` send a request to it (no redirects
    followed)."""

    port: int

    def start(self, args: list[str], log: Path, what: str, errors: Path | None = None, **popen):
        """Run `args` with its output in `log`; `errors`: where it writes why it failed."""
        self.log = open(log, "wb")
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT, **popen)
        errors = errors or log
        deadline = time.monotonic() + 30  # compiling the VCL takes a second or two
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self.log.close()
                raise RuntimeError(f"{what} exited: {errors.read_text()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"{what} did not listen: {errors.read_text()}")

    def request(self, method: str, path: str, headers: dict | None = None, body=None):
        return http_request(self.port, method, path, headers, body)

    def get(self, path: str, **headers) -> Response:
        return self.request("GET", path, {k.replace("_", "-"): v for k, v in headers.items()})

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


class Varnish(Server):
    """One varnishd with the shipped VCL and its two listeners: `port` for readers (the
    TLS proxy), `purge_port` for the app's bans. `get()` sends a reader's request."""

    def __init__(self, tmp: Path, backend_port: int):
        self.tmp = tmp
        self.port = free_port()
        self.purge_port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.purge_url = f"http://127.0.0.1:{self.purge_port}"
        (tmp / "backend.vcl").write_text(
            (VCL_DIR / "backend.vcl").read_text().replace('"8000"', f'"{backend_port}"')
        )
        self.start(
            [
                require_binary(VARNISHD, "varnish (varnishd)"),
                "-F",  # foreground: a child process we can stop
                "-j", "none",  # no privilege separation: runs as the test's user (root here)
                "-n", str(tmp / "work"),
                "-a", f"public=127.0.0.1:{self.port}",
                "-a", f"purge=127.0.0.1:{self.purge_port}",
                "-T", "none",
                "-f", str(VCL_DIR / "default.vcl"),
                "-p", f"vcl_path={tmp}:{VCL_DIR}",
                "-s", "malloc,64m",
                "-p", "ban_lurker_age=1",
            ],
            tmp / "varnishd.log",
            "varnishd",
        )  # fmt: skip

    def purge(self, method: str, path: str, headers: dict | None = None):
        """A request on the purge listener, as the app sends its bans."""
        return http_request(self.purge_port, method, path, headers)

    def ban_everything(self) -> None:
        # Every cacheable page carries the tag "all" (newsroom.caching); static files stay.
        assert self.purge("BAN", "/", {"X-Ban-Tags": "all"}).status == 200


class Gunicorn(Server):
    """The app as production runs it: gunicorn with 3 sync workers on the test database
    (the test's data must be committed: transactional tests)."""

    def __init__(self, tmp: Path, database_url: str, workers: int = 3):
        self.port = free_port()
        env = {**os.environ, "DATABASE_URL": database_url, "HTTP_CACHE_PURGE_URLS": "",
               "MEDIA_ROOT": str(tmp / "media")}  # fmt: skip
        self.start(
            [str(ROOT / ".venv" / "bin" / "gunicorn"), "newsroom.wsgi",
             "--workers", str(workers), "--bind", f"127.0.0.1:{self.port}",
             "--log-level", "warning"],
            tmp / "gunicorn.log", "gunicorn", cwd=ROOT, env=env,
        )  # fmt: skip


class Nginx(Server):
    """nginx with the shipped deploy/nginx/newsroom-proxy.conf in a plain-http server (TLS
    is the only part of deploy/nginx/newsroom.conf left out), in front of `varnish_port`;
    `root` holds the media files under media/."""

    def __init__(self, tmp: Path, varnish_port: int, root: Path):
        binary = require_binary(NGINX, "nginx")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        kinds = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        temp = "\n".join(f"    {kind}_temp_path {tmp / kind};" for kind in kinds)
        # As root, the workers would switch to nobody and could not read the temp dir.
        user = "user root;" if os.geteuid() == 0 else ""
        (tmp / "nginx.conf").write_text(
            f"""{user}
worker_processes 1;
pid {tmp / "nginx.pid"};
error_log {tmp / "error.log"} warn;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    access_log off;
{temp}
    upstream newsroom_varnish {{ server 127.0.0.1:{varnish_port}; keepalive 4; }}
    server {{
        listen 127.0.0.1:{self.port};
        root {root};
        include {NGINX_DIR / "newsroom-proxy.conf"};
    }}
}}
"""
        )
        self.start(
            [binary, "-p", str(tmp), "-e", str(tmp / "error.log"), "-c", str(tmp / "nginx.conf"),
             "-g", "daemon off;"],
            tmp / "nginx.log", "nginx", errors=tmp / "error.log",
        )  # fmt: skip


def database_url() -> str:
    """The test database, for the app's other processes."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


class Forwarder:
    """A TCP relay to the live server that can be cut off like a crashed app server:
    stopping it closes the listening socket and every open (keep-alive) connection."""

    def __init__(self, target_port: int):
        self.target = ("127.0.0.1", target_port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.sockets: list[socket.socket] = []
        self.running = True
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while self.running:
            try:
                client, _ = self.listener.accept()
                upstream = socket.create_connection(self.target)
            except OSError:
                return
            self.sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket):
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def stop(self):
        self.running = False
        try:
            self.listener.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept()
        except OSError:
            pass
        self.listener.close()
        for s in self.sockets:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()


def eventually(check, timeout: float = 2.0, interval: float = 0.05):
    """Poll `check()` until it returns a truthy value; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s: {check.__doc__ or check}")
        time.sleep(interval)


def repeated_bans_sent() -> None:
    """Wait until the app's repeated bans (HTTP_CACHE_PURGE_REPEAT_AFTER) have been sent."""
    for thread in threading.enumerate():
        if thread.name == "cache-ban":  # newsroom.caching._flush
            thread.join(5)


@pytest.fixture(scope="session")
def varnish_session(live_server, tmp_path_factory):
    """One varnishd for the whole session, in front of the live server."""
    varnish = Varnish(tmp_path_factory.mktemp("varnish"), int(live_server.url.rsplit(":", 1)[1]))
    yield varnish
    varnish.stop()


@pytest.fixture
def varnish(varnish_session, settings):
    """The session's Varnish, emptied, and the app told to purge it."""
    settings.HTTP_CACHE_PURGE_URLS = [varnish_session.purge_url]
    settings.HTTP_CACHE_PURGE_REPEAT_AFTER = 0.3  # the second ban, sooner than in production
    varnish_session.ban_everything()
    yield varnish_session
    # Let this test's second bans land now, not in the middle of the next test.
    repeated_bans_sent()
    varnish_session.ban_everything()
