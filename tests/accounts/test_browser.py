"""In Chromium: a Chef vom Dienst sets up the authenticator app, then logs in with it."""

from base64 import b32decode

import pytest
from django.contrib.auth.models import Group, Permission
from django_otp.oath import totp
from playwright.sync_api import Page, expect

from articles.groups import EDITOR_GROUP_NAME, ensure_groups
from tests.browser import admin_login

from .conftest import PASSWORD, staff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TIMEOUT = 10_000  # ms


def test_the_chef_vom_dienst_sets_up_the_app_and_logs_in_with_its_code(
    live_server, page: Page, django_user_model
):
    # A transactional test starts with an empty database: the migrations' groups are gone.
    ensure_groups(Group, Permission)
    staff(django_user_model, "miriam", EDITOR_GROUP_NAME)
    page.set_default_timeout(TIMEOUT)

    # The password alone leads only to the setup of the second factor.
    admin_login(page, live_server.url, "miriam", PASSWORD)
    expect(page.get_by_role("heading", name="Zwei-Faktor-Anmeldung einrichten")).to_be_visible()
    expect(page.get_by_text("Ihre Rolle verlangt die Zwei-Faktor-Anmeldung")).to_be_visible()
    expect(page.get_by_role("img", name="QR-Code für die Authenticator-App")).to_be_visible()
    page.goto(live_server.url + "/admin/articles/article/")
    expect(page.get_by_role("heading", name="Zwei-Faktor-Anmeldung einrichten")).to_be_visible()

    # The phone's app: the secret typed in by hand, as when the QR code cannot be scanned.
    key = b32decode(page.locator("#totp-secret").inner_text().replace(" ", ""))
    page.get_by_label("Code aus der App").fill(f"{totp(key):06d}")
    page.get_by_role("button", name="Bestätigen").click()

    expect(page.get_by_role("heading", name="Ihre Wiederherstellungscodes")).to_be_visible()
    expect(page.locator(".accounts-codes li")).to_have_count(10)
    page.get_by_role("link", name="Weiter zur Verwaltung").click()
    expect(page).to_have_url(live_server.url + "/admin/articles/article/")

    page.get_by_role("button", name="Abmelden").click()
    expect(page.get_by_role("heading", name="Abgemeldet")).to_be_visible()

    # The next login asks for the code; the app shows the next one 30 seconds later at
    # the latest (a code already used is refused).
    page.goto(live_server.url + "/admin/")
    page.get_by_label("Benutzername").fill("miriam")
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_label("Code:", exact=True).fill(f"{totp(key, drift=1):06d}")
    page.get_by_role("button", name="Anmelden").click()
    expect(page.get_by_role("button", name="Abmelden")).to_be_visible()
    expect(page).to_have_url(live_server.url + "/admin/")
    expect(page.get_by_role("link", name="Zwei-Faktor-Anmeldung")).to_be_visible()
