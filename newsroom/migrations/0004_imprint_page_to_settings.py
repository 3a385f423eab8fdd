"""The Impressum moves from a static page to the site settings (/impressum/).

An existing "impressum" page's text becomes the settings' further Impressum text (the
structured fields stay empty, and the admin warns until they are filled); the page is
deleted, and /seite/impressum/ leads to /impressum/.
"""

from django.db import migrations


def page_to_settings(apps, schema_editor):
    Page = apps.get_model("newsroom", "Page")
    SiteSettings = apps.get_model("newsroom", "SiteSettings")
    page = Page.objects.filter(slug="impressum").first()
    if page is None:
        return
    settings = SiteSettings.objects.filter(pk=1).first() or SiteSettings(pk=1)
    if not settings.imprint_text.strip():
        settings.imprint_text = page.body
    settings.save()
    page.delete()
    # Historical models send no signals the caches listen to; the footer lists pages.
    from newsroom import caching

    caching.invalidate(caching.ALL)


def settings_to_page(apps, schema_editor):
    Page = apps.get_model("newsroom", "Page")
    SiteSettings = apps.get_model("newsroom", "SiteSettings")
    settings = SiteSettings.objects.filter(pk=1).first()
    if settings is not None and settings.imprint_text.strip():
        Page.objects.get_or_create(
            slug="impressum",
            defaults={"title": "Impressum", "body": settings.imprint_text, "position": 1},
        )


class Migration(migrations.Migration):
    dependencies = [
        ("newsroom", "0003_imprint"),
    ]

    operations = [migrations.RunPython(page_to_settings, settings_to_page)]
