"""Where a login lands: the admin, never an address outside the site."""

import pytest
from django.urls import reverse

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "next_url", ["https://evil.example/phish", "//evil.example/", "javascript:alert(1)", ""]
)
def test_an_unsafe_or_missing_next_lands_on_the_admin(client, writer, next_url):
    response = client.post(
        reverse("admin:login"),
        {"username": "selin", "password": PASSWORD, "otp_token": "", "next": next_url},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")
    assert client.get(response["Location"]).status_code == 200


def test_a_safe_next_is_followed(client, writer):
    target = reverse("admin:articles_article_changelist")
    response = client.post(
        reverse("admin:login"),
        {"username": "selin", "password": PASSWORD, "otp_token": "", "next": target},
    )
    assert response["Location"] == target
