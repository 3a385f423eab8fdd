"""The operations part of `make bench` (BENCH_ONLY=ops): background renditions and read
replicas, on a throwaway PostgreSQL cluster (scripts/bench.sh starts it: DATABASE_URL,
PGBIN, PG_RUN).

Photos: a 4000x3000 camera JPEG saved as a library image, as the admin's upload does.
  - on demand: no worker runs; the first reader request of one of its renditions makes it
    (what every first reader waited for before the queue);
  - worker: a `manage.py worker` process runs; seconds from the save's commit until all of
    its renditions are stored, then the first reader request of the same rendition.
Replicas: a streaming replica of the cluster (pg_basebackup -R, no delay); two gunicorns on
the same archive (BENCH_OPS_ARTICLES, default 2,000 generated articles), one reading from
the primary, one with DATABASE_REPLICA_URLS; per page p50 and p90 of 300 sequential
requests (1 connection, app cache warm), direct to gunicorn.
JSON in var/bench/ops.json; a table on stdout.
"""

import http.client
import json
import os
import shlex
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = Path(os.environ.get("BENCH_DIR", ROOT / "var" / "bench"))
ARTICLES = int(os.environ.get("BENCH_OPS_ARTICLES", "2000"))
REQUESTS = 300
WORK = Path(tempfile.mkdtemp(prefix="bench-ops."))
ENV = {
    **os.environ,
    "MEDIA_ROOT": str(WORK / "media"),
    "CACHE_BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
    "CACHE_LOCATION": str(WORK / "cache"),
    "DJANGO_SETTINGS_MODULE": "newsroom.settings",
}
os.environ.update(ENV)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def manage(*args: str, env: dict | None = None) -> None:
    subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env or ENV, check=True,
        stdout=subprocess.DEVNULL,
    )  # fmt: skip


def get(port: int, path: str) -> tuple[int, float]:
    """Status and milliseconds of one request on a new connection."""
    started = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("GET", path, headers={"Host": "127.0.0.1"})
    response = conn.getresponse()
    response.read()
    conn.close()
    return response.status, (time.perf_counter() - started) * 1000


def gunicorn(env: dict) -> tuple[subprocess.Popen, int]:
    port = free_port()
    process = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "gunicorn"), "newsroom.wsgi", "--workers", "2",
         "--bind", f"127.0.0.1:{port}", "--log-level", "warning"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    for _ in range(300):
        try:
            get(port, "/healthz")
            return process, port
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("gunicorn did not start")


def photo() -> bytes:
    """A 12-megapixel JPEG with a camera photo's structure: smooth areas, fine grain, edges
    (pure noise would cost every encoder far more than a real photo)."""
    from PIL import Image as PILImage
    from PIL import ImageDraw, ImageFilter

    size = (4000, 3000)
    grain = PILImage.effect_noise(size, 30).filter(ImageFilter.GaussianBlur(1.5))
    sky = PILImage.linear_gradient("L").resize(size)
    picture = PILImage.merge("RGB", (sky, grain, PILImage.eval(sky, lambda v: 255 - v // 2)))
    draw = ImageDraw.Draw(picture)
    for n in range(40):  # houses and windows: hard edges
        x = 100 * n
        draw.rectangle([x, 1800 - 17 * n, x + 80, 3000], fill=(120 + n, 80, 60))
    out = BytesIO()
    picture.save(out, "JPEG", quality=90)
    return out.getvalue()


def photos() -> dict:
    import django

    django.setup()
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from images.models import Image

    data = photo()
    app, port = gunicorn(ENV)
    try:
        crop, width, ext = None, None, None
        first = Image.objects.create(title="Ohne Worker", file=ContentFile(data, "a.jpg"))
        crop, width, ext = max(first.renditions.all(), key=lambda item: item[1])
        status, on_demand = get(port, first.renditions.url(crop, width, ext))
        assert status == 200, status

        # Photo A's own task and the demo's images: done before photo B is measured.
        manage("worker", "--batch", "--no-reload", "--no-startup-delay", "-v0")
        worker = subprocess.Popen(
            [sys.executable, "manage.py", "worker", "--no-reload", "--interval", "0.1",
             "--no-startup-delay", "-v0"],
            cwd=ROOT, env=ENV,
        )  # fmt: skip
        try:
            time.sleep(2)  # the worker is up and polling
            saved = time.monotonic()
            second = Image.objects.create(title="Mit Worker", file=ContentFile(data, "b.jpg"))
            names = [second.renditions.name(*item) for item in second.renditions.all()]
            while not all(default_storage.exists(name) for name in names):
                time.sleep(0.05)
            all_done = time.monotonic() - saved
            status, stored = get(port, second.renditions.url(crop, width, ext))
            assert status == 200, status
        finally:
            worker.send_signal(signal.SIGTERM)
            worker.wait(60)
    finally:
        app.terminate()
        app.wait(30)
    return {
        "renditions": len(names),
        "upload_to_all_renditions_s": round(all_done, 2),
        "first_request_on_demand_ms": round(on_demand, 1),
        "first_request_after_worker_ms": round(stored, 1),
        "rendition": f"{crop.name}-{width}.{ext}",
        "photo_bytes": len(data),
    }


class Replica:
    def __init__(self, url: str):
        from urllib.parse import urlsplit

        parts = urlsplit(url)
        self.run = shlex.split(os.environ.get("PG_RUN", ""))
        self.bin = os.environ["PGBIN"]
        self.tmp = tempfile.mkdtemp(prefix="bench-replica.")
        if self.run:
            subprocess.run(["chown", "postgres:", self.tmp], check=True)
        self.port = free_port()
        subprocess.run(
            [*self.run, f"{self.bin}/pg_basebackup", "-h", "127.0.0.1", "-p", str(parts.port),
             "-U", parts.username, "-D", f"{self.tmp}/data", "-R", "-X", "stream", "-c", "fast"],
            check=True,
        )  # fmt: skip
        subprocess.run(
            [*self.run, f"{self.bin}/pg_ctl", "-D", f"{self.tmp}/data", "-l",
             f"{self.tmp}/log", "-w", "start", "-o",
             f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.tmp} -c fsync=off"],
            check=True, stdout=subprocess.DEVNULL,
        )  # fmt: skip
        self.url = url.replace(f":{parts.port}/", f":{self.port}/")

    def stop(self):
        subprocess.run(
            [*self.run, f"{self.bin}/pg_ctl", "-D", f"{self.tmp}/data", "-m", "fast", "stop"],
            stdout=subprocess.DEVNULL, check=False,
        )  # fmt: skip


def pages() -> list[tuple[str, str]]:
    from django.urls import reverse

    from articles.models import Article, Category

    article = Article.objects.published().order_by("-published_at").first()
    section = Category.objects.order_by("pk").first()
    return [
        ("home", "/"),
        ("section", section.get_absolute_url()),
        ("article", article.get_absolute_url()),
        ("search", reverse("articles:search") + "?q=Feuerwehr"),
    ]


def replicas() -> dict:
    manage("generate_content", "--articles", str(ARTICLES), "--seed", "1")
    replica = Replica(os.environ["DATABASE_URL"])
    results = {}
    try:
        for name, extra in (("primary", {}), ("replica", {"DATABASE_REPLICA_URLS": replica.url})):
            app, port = gunicorn({**ENV, **extra})
            try:
                for page, url in pages():
                    for _ in range(20):  # warm: both workers, the app cache
                        assert get(port, url)[0] == 200, (page, url)
                    times = sorted(get(port, url)[1] for _ in range(REQUESTS))
                    results.setdefault(page, {})[name] = {
                        "p50_ms": round(statistics.median(times), 2),
                        "p90_ms": round(times[int(len(times) * 0.9)], 2),
                    }
            finally:
                app.terminate()
                app.wait(30)
    finally:
        replica.stop()
    return results


def main():
    manage("migrate", "--noinput", "-v0")
    manage("load_demo")
    result = {"photos": photos(), "replicas": replicas(), "articles": ARTICLES}
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "ops.json").write_text(json.dumps(result, indent=2))
    p = result["photos"]
    print(f"photo: {p['renditions']} renditions stored {p['upload_to_all_renditions_s']} s "
          f"after the upload; first request of {p['rendition']}: on demand "
          f"{p['first_request_on_demand_ms']} ms, after the worker "
          f"{p['first_request_after_worker_ms']} ms")  # fmt: skip
    print(f"{'page':<10} {'primary p50':>12} {'replica p50':>12} {'ratio':>6} "
          f"{'primary p90':>12} {'replica p90':>12}")  # fmt: skip
    for page, measured in result["replicas"].items():
        a, b = measured["primary"], measured["replica"]
        print(f"{page:<10} {a['p50_ms']:>12} {b['p50_ms']:>12} "
              f"{b['p50_ms'] / a['p50_ms']:>6.2f} {a['p90_ms']:>12} {b['p90_ms']:>12}")  # fmt: skip


if __name__ == "__main__":
    main()
