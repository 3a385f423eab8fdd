"""Shared steps of the browser tests (Playwright with Debian's Chromium)."""

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator, Page, expect

# A reader's desktop browser: headless Chromium names itself "HeadlessChrome", a robot
# to the counting endpoints (reads, ad impressions), which then count nothing.
DESKTOP_CHROME = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)


def admin_login(page: Page, base_url: str, username: str, password: str) -> Page:
    """Log in through the admin's real login form and wait until the admin says so."""
    page.goto(base_url + "/admin/login/")
    page.get_by_label("Benutzername").fill(username)
    page.get_by_label("Passwort").fill(password)
    page.get_by_role("button", name="Anmelden").click()
    logout = page.get_by_role("link", name="Abmelden").or_(
        page.get_by_role("button", name="Abmelden")
    )
    expect(logout).to_be_visible()
    return page


def click_closing_popup(link: Locator) -> None:
    """Click a choice in an admin popup that closes itself on the click.

    The popup may close before Playwright's click returns, which then raises although
    the click happened; callers assert what the click did in the opener.
    """
    try:
        link.click(no_wait_after=True)
    except PlaywrightError:
        if not link.page.is_closed():
            raise
