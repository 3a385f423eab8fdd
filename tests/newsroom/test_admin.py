"""Admin smoke tests: every registered model's changelist, search, add and change pages."""

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.urls import reverse


@pytest.fixture
def demo(db):
    call_command("load_demo", stdout=open("/dev/null", "w"))  # every model gets rows


def registered_models():
    return sorted(admin.site._registry, key=lambda m: m._meta.label)


@pytest.mark.django_db
def test_every_admin_page_opens(admin_client, demo):
    for model in registered_models():
        info = model._meta.app_label, model._meta.model_name
        changelist = reverse("admin:{}_{}_changelist".format(*info))
        assert admin_client.get(changelist).status_code == 200, changelist
        assert admin_client.get(changelist, {"q": "Lindenau"}).status_code == 200, changelist
        model_admin = admin.site._registry[model]
        request = admin_client.get(changelist).wsgi_request
        if model_admin.has_add_permission(request):
            add = reverse("admin:{}_{}_add".format(*info))
            assert admin_client.get(add).status_code == 200, add
        obj = model._default_manager.first()
        if obj is not None:
            change = reverse("admin:{}_{}_change".format(*info), args=[obj.pk])
            assert admin_client.get(change).status_code == 200, change


@pytest.mark.django_db
def test_admin_is_in_german(admin_client):
    response = admin_client.get(reverse("admin:index"))
    assert "Newsroom-Verwaltung" in response.content.decode()
    assert "Abmelden" in response.content.decode()


@pytest.mark.django_db
def test_admin_needs_staff(client, django_user_model):
    reader = django_user_model.objects.create_user("leser", password="lang-genug-123")
    client.force_login(reader)
    response = client.get(reverse("admin:articles_article_changelist"))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def bulk_delete(admin_client, model, objects):
    info = model._meta.app_label, model._meta.model_name
    response = admin_client.post(
        reverse("admin:{}_{}_changelist".format(*info)),
        {"action": "delete_selected", "_selected_action": [o.pk for o in objects], "post": "yes"},
    )
    assert response.status_code == 302
    assert not model.objects.filter(pk__in=[o.pk for o in objects]).exists()


@pytest.mark.django_db
def test_site_wide_parts_follow_admin_edits_at_once(admin_client, client):
    """Navigation, footer and promo box are cached; every way of editing them clears that."""
    from articles.models import Category
    from newsroom.models import Page, SiteSettings
    from tests.factories import ArticleFactory, CategoryFactory

    sport = CategoryFactory(name="Sport", slug="sport")
    kultur = CategoryFactory(name="Kultur", slug="kultur")
    datenschutz = Page.objects.create(title="Datenschutz", slug="datenschutz")
    kontakt = Page.objects.create(title="Kontakt", slug="kontakt")
    article = ArticleFactory(category=sport)
    SiteSettings.objects.create(promo_title="Alter Kanal", promo_link_url="https://example.org")

    def html():
        return client.get(article.get_absolute_url()).content.decode()

    assert 'href="/kultur/"' in html() and 'href="/seite/kontakt/"' in html()  # now cached
    bulk_delete(admin_client, Category, [kultur])
    bulk_delete(admin_client, Page, [kontakt])
    assert 'href="/kultur/"' not in html() and 'href="/seite/kontakt/"' not in html()

    sport.name = "Lokalsport"
    sport.save()
    datenschutz.title = "Datenschutz & Cookies"
    datenschutz.save()
    settings = SiteSettings.load()
    settings.promo_title = "Neuer Kanal"
    settings.save()
    page = html()
    assert ">Lokalsport</a>" in page and "Datenschutz &amp; Cookies" in page
    assert "Neuer Kanal" in page and "Alter Kanal" not in page
