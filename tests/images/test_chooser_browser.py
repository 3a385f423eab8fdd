"""Choosing the lead image in Chromium: the form shows the chosen image's thumbnail, credit
and title at once, not only its number until the article is saved."""

import re

import pytest
from playwright.sync_api import Page, expect

from articles.models import Article
from tests.browser import admin_login, click_closing_popup
from tests.factories import ArticleFactory, ImageFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "lang-genug-und-geheim-123"


def choose(page: Page, field: str, title: str) -> None:
    with page.expect_popup() as opened:
        page.locator(f"#lookup_id_{field}").click()
    popup = opened.value
    popup.wait_for_load_state()
    click_closing_popup(popup.get_by_role("link", name=title, exact=True))


def test_the_chosen_lead_image_is_shown_at_once(live_server, page: Page, django_user_model):
    django_user_model.objects.create_superuser("bildredaktion", "b@example.org", PASSWORD)
    page.set_default_timeout(10_000)
    admin_login(page, live_server.url, "bildredaktion", PASSWORD)
    town_hall = ImageFactory(title="Rathaus", credit="Clara Weiß")
    fountain = ImageFactory(title="Marktbrunnen", credit="")
    article = ArticleFactory(title="Stadtrat tagt", status=Article.Status.DRAFT)
    page.goto(f"{live_server.url}/admin/articles/article/{article.pk}/change/")
    field = page.locator(".field-lead_image")
    preview = field.locator(".image-chooser__preview")
    expect(preview.locator("img")).to_have_count(0)  # no lead image yet

    choose(page, "lead_image", "Rathaus")
    expect(page.locator("#id_lead_image")).to_have_value(str(town_hall.pk))
    expect(preview).to_contain_text("Foto: Clara Weiß")
    picture = preview.locator("img")
    expect(picture).to_have_attribute("src", re.compile(rf"^/media/renditions/{town_hall.pk}/"))
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=picture.element_handle()
    )
    title = field.get_by_role("link", name="Rathaus", exact=True)
    expect(title).to_have_attribute("href", f"/admin/images/image/{town_hall.pk}/change/")

    # Another one, without a credit yet: the form says so before saving.
    choose(page, "lead_image", "Marktbrunnen")
    expect(preview).to_contain_text("Bildnachweis fehlt in der Bildbibliothek")
    expect(picture).to_have_attribute("src", re.compile(rf"^/media/renditions/{fountain.pk}/"))
    expect(field.get_by_role("link", name="Marktbrunnen", exact=True)).to_be_visible()
    expect(title).to_have_count(0)

    # The social image's chooser does the same; emptying a field empties its preview.
    choose(page, "social_image", "Rathaus")
    social = page.locator(".field-social_image .image-chooser__preview")
    expect(social).to_contain_text("Foto: Clara Weiß")
    page.locator("#id_social_image").fill("")
    page.locator("#id_social_image").blur()
    expect(social.locator("img")).to_have_count(0)

    page.get_by_role("button", name="Sichern und weiter bearbeiten").click()
    expect(page.locator(".messagelist")).to_contain_text("erfolgreich")
    article.refresh_from_db()
    assert (article.lead_image, article.social_image) == (fountain, None)
