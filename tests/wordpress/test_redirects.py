"""Redirects an editor keeps in the admin: an old address leads to its new place, a change
takes effect at once (the cached 404 goes), and the site's own pages always win."""

import pytest

from redirects.models import Redirect
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db


def test_an_editor_adds_a_redirect_and_the_old_address_follows(admin_client, client):
    assert client.get("/alte-adresse/").status_code == 404  # now cached under `list`
    response = admin_client.post(
        "/admin/redirects/redirect/add/",
        {"old_path": "https://alt.example/alte-adresse/", "new_path": "/suche/"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Redirect.objects.get().old_path == "/alte-adresse/"  # the domain is dropped
    response = client.get("/alte-adresse")  # with or without the slash
    assert (response.status_code, response["Location"]) == (301, "/suche/")


def test_a_redirect_to_an_article_follows_it_and_never_reveals_a_draft(client):
    article = ArticleFactory(status="published", slug="hallenbad")
    Redirect.objects.create(old_path="/2019/05/hallenbad/", article=article)
    assert client.get("/2019/05/hallenbad/")["Location"] == article.get_absolute_url()
    article.slug = "hallenbad-oeffnet"
    article.save()
    assert client.get("/2019/05/hallenbad/")["Location"] == article.get_absolute_url()
    article.status = "draft"
    article.save()
    assert client.get("/2019/05/hallenbad/").status_code == 404


def test_the_sites_own_pages_win_over_a_redirect(client):
    Redirect.objects.create(old_path="/suche/", new_path="/")
    assert client.get("/suche/").status_code == 200


def test_both_targets_or_none_are_refused(admin_client):
    article = ArticleFactory(status="published")
    response = admin_client.post(
        "/admin/redirects/redirect/add/",
        {"old_path": "/x/", "new_path": "/y/", "article": article.pk},
    )
    assert response.status_code == 200
    assert "nicht beides" in response.content.decode()
    assert not Redirect.objects.exists()
    response = admin_client.post("/admin/redirects/redirect/add/", {"old_path": "/x/"})
    assert response.status_code == 200 and not Redirect.objects.exists()
