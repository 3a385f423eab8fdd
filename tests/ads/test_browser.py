"""In Chromium: an employer submits a job ad, the ad staff approve it, readers see it."""

import time
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from ads.models import JobAd, JobAdStat, ads_today
from tests.browser import DESKTOP_CHROME, admin_login
from tests.factories import ArticleFactory, image_upload

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TITLE = "Zweiradmechatroniker (m/w/d)"


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, "user_agent": DESKTOP_CHROME}


def wait_for(condition, seconds=10.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def test_employer_submits_admin_approves_readers_see_it(
    live_server, page: Page, moderator, tmp_path
):
    article = ArticleFactory(title="Neuer Radweg an der Linde")
    logo = tmp_path / "logo.png"
    logo.write_bytes(image_upload("logo.png", size=(200, 100), fmt="PNG").read())

    # The employer fills in the public form.
    page.goto(live_server.url + "/stellenmarkt/anzeige-aufgeben/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Stellenanzeige aufgeben")
    page.get_by_label("Arbeitgeber").fill("Fahrradhaus Speiche")
    page.get_by_label("Firmenlogo").set_input_files(str(logo))
    page.get_by_label("Stellentitel").fill(TITLE)
    page.get_by_label("Arbeitsort").fill("Lindenau-Altstadt")
    page.get_by_label("Kurzer Anreißer").fill("Reparieren Sie mit uns die Räder der Stadt.")
    page.get_by_label("Vollständige Beschreibung").fill(
        "Wir suchen Verstärkung.\n\n- Reparatur\n- Beratung"
    )
    page.get_by_label("Link zur Bewerbung").fill("https://example.org/speiche/jobs")
    page.get_by_label("Erster Tag").fill(ads_today().isoformat())
    page.get_by_label("Letzter Tag").fill((ads_today() + timedelta(days=20)).isoformat())
    page.get_by_label("Ihr Name").fill("Paula Speiche")
    page.get_by_label("Ihre E-Mail-Adresse").fill("paula@example.org")
    page.get_by_label("Ich habe den Datenschutzhinweis gelesen").check()
    page.get_by_role("button", name="Stellenanzeige einreichen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Danke für Ihre Stellenanzeige")
    ad = JobAd.objects.get()
    assert ad.status == JobAd.Status.SUBMITTED

    # Not visible before it is approved.
    page.goto(live_server.url + article.get_absolute_url())
    expect(page.get_by_text(TITLE)).to_have_count(0)

    # The ad staff log in and approve it on the moderation page, with its preview.
    admin_login(page, live_server.url, "anzeigen", "anzeigen-passwort-123")
    page.goto(live_server.url + "/admin/ads/jobad/")
    page.get_by_role("link", name=TITLE).click()
    page.get_by_role("link", name="Freigeben oder ablehnen").click()
    preview = page.frame_locator("iframe")
    expect(preview.get_by_role("heading", name="Unsere Empfehlung", exact=True)).to_be_visible()
    page.get_by_role("button", name="Freigeben").click()
    expect(page.locator(".messagelist")).to_contain_text("freigegeben")
    ad.refresh_from_db()
    assert ad.status == JobAd.Status.APPROVED

    # Readers see it under the article, labelled as an ad ...
    page.goto(live_server.url + article.get_absolute_url())
    box = page.locator("aside.job-box")
    expect(box.get_by_role("heading", name="Unsere Empfehlung")).to_be_visible()
    expect(box).to_contain_text("Fahrradhaus Speiche")
    expect(box).to_contain_text("Anzeige")
    expect(box.get_by_role("link", name="Jetzt bewerben")).to_have_attribute(
        "rel", "sponsored noopener"
    )
    # ... and the page reported the impression to our own endpoint.
    assert wait_for(lambda: JobAdStat.objects.filter(ad=ad, impressions__gte=1).exists())

    # ... and in the job market, with a page of its own.
    box.get_by_role("link", name="Alle Stellen im Stellenmarkt").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Stellenmarkt")
    page.get_by_role("link", name=f"Fahrradhaus Speiche: {TITLE}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(page.locator(".article__body li")).to_have_text(["Reparatur", "Beratung"])
