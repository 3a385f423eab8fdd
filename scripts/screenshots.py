"""`make screenshots`: full-page screenshots of the demo portal into docs/screenshots/.

Builds the demo portal in a throwaway folder (SQLite, media, cache), serves it with gunicorn
on a free port of 127.0.0.1 and photographs the home page, the first main category and the
lead story with Debian's Chromium, on a phone (390×844) and a desktop (1280×900). Prints
each page's document height per width. The folder is removed at the end, also on errors.

    scripts/screenshots.py [--lighthouse]

--lighthouse also runs Lighthouse (mobile, default throttling) against the home page and
the lead story and prints its four scores; it needs `npm install --prefix .tools lighthouse@12`
(Lighthouse 13 needs Node 22).
"""

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from PIL import Image
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
LIGHTHOUSE = ROOT / ".tools" / "node_modules" / ".bin" / "lighthouse"
CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]
WIDTHS = {
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
    "desktop": {"viewport": {"width": 1280, "height": 900}},
}
CATEGORIES = "performance,accessibility,best-practices,seo"

# The pages to photograph, found in the demo database.
FIND_PAGES = """
import json
from articles.models import Article, Category
print(json.dumps({
    "home": "/",
    "category": Category.objects.filter(parent=None).first().get_absolute_url(),
    "article": Article.objects.published().lead_story().get_absolute_url(),
}))
"""

# Lazy images below the fold would stay empty in a full-page shot: load them all, then
# wait for every image and font.
LOAD_EVERYTHING = """async () => {
  document.querySelectorAll('img[loading="lazy"]').forEach((img) => { img.loading = "eager"; });
  await Promise.all([...document.images].filter((img) => !img.complete).map(
    (img) => new Promise((done) => { img.onload = img.onerror = done; })));
  await document.fonts.ready;
}"""


def environment(folder: Path) -> dict[str, str]:
    """As `make run` (debug on loopback, demo weather, no second factor), in `folder`."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"REDIS_URL", "CACHE_BACKEND", "STATICFILES_BACKEND", "SECRET_KEY"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="newsroom.settings",
        DEBUG="true",
        WEATHER_PROVIDER="demo",
        OTP_REQUIRED="false",
        DATABASE_URL=f"sqlite:///{folder / 'db.sqlite3'}",
        MEDIA_ROOT=str(folder / "media"),
        CACHE_LOCATION=str(folder / "cache"),
        RUN_LOCK_DIR=str(folder / "locks"),
        LOG_LEVEL="WARNING",
    )
    return env


def manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if result.returncode:
        sys.exit(f"manage.py {args[0]} failed:\n{result.stdout}{result.stderr}")
    return result.stdout


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(url: str, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"The server stopped:\n{log.read_text()}")
        try:
            urllib.request.urlopen(f"{url}/robots.txt", timeout=2).close()
            return
        except (urllib.error.URLError, OSError):
            time.sleep(0.2)
    sys.exit(f"The server does not answer at {url}:\n{log.read_text()}")


def shrink(file: Path) -> None:
    """256 colours: a quarter of the size in the repository, still sharp for text."""
    with Image.open(file) as image:
        small = image.convert("RGB").quantize(colors=256, method=Image.Quantize.FASTOCTREE)
    small.save(file, optimize=True)


def photograph(base_url: str, pages: dict[str, str]) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for width, options in WIDTHS.items():
                context = browser.new_context(locale="de-DE", device_scale_factor=1, **options)
                page = context.new_page()
                for name, path in pages.items():
                    page.goto(base_url + path, wait_until="networkidle")
                    page.evaluate(LOAD_EVERYTHING)
                    page.wait_for_load_state("networkidle")
                    file = OUT / f"{name}-{width}.png"
                    page.screenshot(path=file, full_page=True, animations="disabled")
                    shrink(file)
                    height = page.evaluate("document.documentElement.scrollHeight")
                    print(f"{name:9} {width:8} {height:6} px  {file.relative_to(ROOT)}")
                context.close()
        finally:
            browser.close()


def lighthouse(base_url: str, pages: dict[str, str]) -> None:
    if not LIGHTHOUSE.exists():
        print(f"No {LIGHTHOUSE.relative_to(ROOT)}: npm install --prefix .tools lighthouse@12")
        return
    for name in ("home", "article"):
        result = subprocess.run(
            [
                str(LIGHTHOUSE),
                base_url + pages[name],
                "--form-factor=mobile",
                f"--only-categories={CATEGORIES}",
                f"--chrome-path={CHROMIUM}",
                "--chrome-flags=--headless=new --no-sandbox",
                "--output=json",
                "--output-path=stdout",
                "--quiet",
            ],
            capture_output=True,
            text=True,
        )
        if result.returncode:
            print(f"Lighthouse failed on {name}:\n{result.stderr}")
            continue
        categories = json.loads(result.stdout)["categories"]
        scores = ", ".join(
            f"{key} {round(categories[key]['score'] * 100)}" for key in CATEGORIES.split(",")
        )
        print(f"Lighthouse {name:9} {scores}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lighthouse", action="store_true", help="also run Lighthouse")
    options = parser.parse_args()
    # A terminated run still stops the server and removes its folder (the finally below).
    signal.signal(signal.SIGTERM, lambda *args: sys.exit(1))

    folder = Path(tempfile.mkdtemp(prefix="newsroom-screenshots-"))
    server = None
    try:
        env = environment(folder)
        manage(env, "migrate", "--noinput")
        manage(env, "load_demo")
        pages = json.loads(manage(env, "shell", "-c", FIND_PAGES).splitlines()[-1])

        port = free_port()
        base_url = f"http://127.0.0.1:{port}"
        log = folder / "server.log"
        with log.open("w") as log_file:
            server = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "newsroom.wsgi", "--workers", "2"]
                + ["--bind", f"127.0.0.1:{port}", "--log-level", "warning"],
                cwd=ROOT,
                env=env,
                stdout=log_file,
                stderr=subprocess.STDOUT,
            )
        wait_until_up(base_url, server, log)

        photograph(base_url, pages)
        if options.lighthouse:
            lighthouse(base_url, pages)
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
