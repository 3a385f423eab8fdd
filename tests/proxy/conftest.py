"""A real Varnish (deploy/varnish/default.vcl) in front of pytest-django's live server.

varnishd runs as a plain process on a free loopback port with its working dir in a temp
dir; missing varnishd skips these tests, except with CI=true, where it is an error.
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

ROOT = Path(__file__).resolve().parents[2]
VCL_DIR = ROOT / "deploy" / "varnish"
IN_CI = os.environ.get("CI") == "true"
VARNISHD = shutil.which("varnishd") or next(
    (p for p in ("/usr/sbin/varnishd", "/usr/local/sbin/varnishd") if os.path.exists(p)), None
)


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


class Varnish:
    """One varnishd; `get()` sends a request through it (no redirects followed)."""

    def __init__(self, tmp: Path, backend_port: int):
        self.tmp = tmp
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        (tmp / "backend.vcl").write_text(
            (VCL_DIR / "backend.vcl").read_text().replace('"8000"', f'"{backend_port}"')
        )
        self.log = open(tmp / "varnishd.log", "wb")
        self.proc = subprocess.Popen(
            [
                require_binary(VARNISHD, "varnish (varnishd)"),
                "-F",  # foreground: a child process we can stop
                "-j", "none",  # no privilege separation: runs as the test's user (root here)
                "-n", str(tmp / "work"),
                "-a", f"127.0.0.1:{self.port}",
                "-T", "none",
                "-f", str(VCL_DIR / "default.vcl"),
                "-p", f"vcl_path={tmp}:{VCL_DIR}",
                "-s", "malloc,64m",
                "-p", "ban_lurker_age=1",
            ],
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        deadline = time.monotonic() + 30  # compiling the VCL takes a second or two
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"varnishd exited: {(tmp / 'varnishd.log').read_text()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"varnishd did not listen: {(tmp / 'varnishd.log').read_text()}")

    def request(self, method: str, path: str, headers: dict | None = None, body=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            resp = conn.getresponse()
            return Response(resp.status, resp.headers, resp.read())
        finally:
            conn.close()

    def get(self, path: str, **headers) -> Response:
        return self.request("GET", path, {k.replace("_", "-"): v for k, v in headers.items()})

    def ban_everything(self) -> None:
        # Every cacheable page carries the tag "all" (newsroom.caching); static files stay.
        assert self.request("BAN", "/", {"X-Ban-Tags": "all"}).status == 200

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


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


@pytest.fixture(scope="session")
def varnish_session(live_server, tmp_path_factory):
    """One varnishd for the whole session, in front of the live server."""
    varnish = Varnish(tmp_path_factory.mktemp("varnish"), int(live_server.url.rsplit(":", 1)[1]))
    yield varnish
    varnish.stop()


@pytest.fixture
def varnish(varnish_session, settings):
    """The session's Varnish, emptied, and the app told to purge it."""
    settings.HTTP_CACHE_PURGE_URLS = [varnish_session.url]
    settings.HTTP_CACHE_PURGE_REPEAT_AFTER = 0.3  # the second ban, sooner than in production
    varnish_session.ban_everything()
    yield varnish_session
    # Let this test's second bans land now, not in the middle of the next test.
    for thread in threading.enumerate():
        if isinstance(thread, threading.Timer):
            thread.join(5)
    varnish_session.ban_everything()
