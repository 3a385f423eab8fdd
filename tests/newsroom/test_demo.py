"""`manage.py load_demo`: a full portal, safe to run again."""

import os

import pytest
from django.core.management import call_command

from articles import workflow
from articles.models import Article, Author, Category, Tag
from images.models import Image
from newsroom.models import Page, SiteSettings


def load_demo():
    with open(os.devnull, "w") as devnull:
        call_command("load_demo", stdout=devnull)


def counts():
    models = (Category, Author, Tag, Article, Page, SiteSettings, Image)
    return [m.objects.count() for m in models]


@pytest.mark.django_db
def test_demo_fills_the_portal_and_can_run_again():
    load_demo()
    assert Category.objects.count() >= 8 and Category.objects.exclude(parent=None).exists()
    published = Article.objects.published()
    assert published.count() >= 40
    assert not published.filter(lead_image=None).exists()
    assert not Author.objects.filter(photo=None).exists()
    # The photos are library images, credited, as publishing needs; one is in a text.
    assert not Image.objects.missing_credit().exists()
    assert published.exclude(text_images=None).exists()
    for article in published.exclude(text_images=None):
        assert workflow.publish_problems(workflow.content_values(article)) == []
    assert published.filter(is_lead_story=True).exists()
    assert Tag.objects.exists() and not published.filter(authors=None).exists()
    assert Article.objects.count() > published.count()  # a draft and a scheduled one
    assert SiteSettings.load().has_promo
    pages = set(Page.objects.values_list("slug", flat=True))
    assert pages >= {"datenschutz", "kontakt"}
    # The Impressum is part of the site settings, complete, with invented details.
    assert SiteSettings.load().imprint_missing == []
    assert SiteSettings.load().publisher_name == "Demo-Verlag Lindenau GmbH"

    before = counts()
    settings = SiteSettings.load()
    settings.site_name = "Dorstener Zeitung"
    settings.save()
    load_demo()
    assert counts() == before
    assert SiteSettings.load().site_name == "Dorstener Zeitung"  # an admin's edit stays


@pytest.mark.django_db
def test_a_demo_from_before_the_impressum_fields_gets_them_once():
    """newsroom/0004 moved the old Impressum page's text into the settings; the demo then
    fills the empty fields and replaces that text, but never an Impressum someone filled."""
    from newsroom.demo import FORMER_IMPRINT_PAGE, IMPRINT

    SiteSettings(site_name="Lindenauer Nachrichten",
                 imprint_text=f"<h2>Angaben</h2><p>{FORMER_IMPRINT_PAGE}</p>").save()  # fmt: skip
    load_demo()
    settings = SiteSettings.load()
    assert settings.imprint_missing == [] and settings.imprint_text == IMPRINT["imprint_text"]

    settings.publisher_name, settings.imprint_text = "Eigener Verlag", "<p>Eigener Text</p>"
    settings.save()
    load_demo()
    assert (SiteSettings.load().publisher_name, SiteSettings.load().imprint_text) == (
        "Eigener Verlag", "<p>Eigener Text</p>",
    )  # fmt: skip
