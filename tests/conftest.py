import os
import shutil

import pytest
from django.core.cache import cache

# Playwright's sync API keeps an asyncio loop running in the main thread; Django's ORM
# then refuses sync DB calls in the test body and fixtures unless this is set.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
IN_CI = os.environ.get("CI") == "true"


def pytest_collection_modifyitems(config, items):
    """Browser tests need Debian's Chromium: skipped loudly without it, but never in CI."""
    if os.path.exists(CHROMIUM):
        return
    if IN_CI:
        raise pytest.UsageError(f"CI=true but Chromium is missing at {CHROMIUM}")
    skip = pytest.mark.skip(reason=f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    """Uploads of each test go to a temporary folder."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def journalist(django_user_model):
    """A staff user with every permission, logged into the admin in tests."""
    return django_user_model.objects.create_superuser(
        username="redakteurin", email="redaktion@example.org", password="geheim-und-lang-123"
    )


@pytest.fixture
def admin_client(journalist):
    """A logged-in journalist, separate from the anonymous `client` of the same test."""
    from django.test import Client

    client = Client()
    client.force_login(journalist)
    return client


@pytest.fixture
def page(page):
    """pytest-playwright's page; at the end of a test it waits until the browser has no
    request open (images below the fold, renditions made on first request, ad beacons), so
    that no live-server request still runs while the database is emptied for the next test."""
    yield page
    if not page.is_closed():
        page.wait_for_load_state("networkidle")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,  # Debian's chromium; no `playwright install` needed
        "args": [
            "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            # no DNS except loopback: IP literals are matched by "*", so exclude them too
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
        ],
    }  # fmt: skip


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1280, "height": 800}, "locale": "de-DE"}


@pytest.fixture
def trainee(django_user_model):
    """A "Redaktion" member: writes and submits."""
    from tests.factories import member

    return member(django_user_model, "selin", "Redaktion")


@pytest.fixture
def editor(django_user_model):
    """The "Chef vom Dienst": publishes, schedules, approves corrections."""
    from tests.factories import member

    return member(django_user_model, "miriam", "Chef vom Dienst")
