"""The journalists' side: places in the admin, one default, and a visible overdue warning."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from weather.models import Place
from weather.services import weather_refresh

from .fakes import serve_good_weather

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/weather/place/"


def form_data(**values):
    return {
        "name": "Wulfen",
        "slug": "wulfen",
        "latitude": "51.7200",
        "longitude": "7.0300",
        "reports-TOTAL_FORMS": "0",
        "reports-INITIAL_FORMS": "0",
        **values,
    }


def test_admin_pages_open(admin_client, server, place):
    serve_good_weather(server)
    weather_refresh(place=place)

    for url in [
        CHANGELIST,
        f"{CHANGELIST}?q=dors",
        f"{CHANGELIST}?is_default__exact=1",
        f"{CHANGELIST}add/",
        f"{CHANGELIST}{place.pk}/change/",
    ]:
        assert admin_client.get(url).status_code == 200, url

    change = admin_client.get(f"{CHANGELIST}{place.pk}/change/").content.decode()
    assert "Aktuelle Wetterlage" in change and "Vorhersage" in change and "Warnungen" in change


def test_a_recent_refresh_is_shown_without_warning(admin_client, server, place):
    serve_good_weather(server)
    weather_refresh(place=place)

    html = admin_client.get(CHANGELIST).content.decode()

    assert timezone.localtime(place.last_success_at).strftime("%H:%M") in html
    assert "überfällig" not in html
    assert "nicht rechtzeitig aktualisiert" not in html


def test_an_overdue_refresh_is_flagged_in_red_with_a_message(admin_client, place):
    Place.objects.filter(pk=place.pk).update(
        last_success_at=timezone.now() - timedelta(hours=3),
        last_error="current conditions: HTTP 500 (after 3 attempts)",
    )

    changelist = admin_client.get(CHANGELIST).content.decode()
    change = admin_client.get(f"{CHANGELIST}{place.pk}/change/").content.decode()

    assert 'style="color:#ba2121"' in changelist
    assert "überfällig, veraltete Teile sind für Leser ausgeblendet" in changelist
    assert "Das Wetter wurde nicht rechtzeitig aktualisiert für: Dorsten" in changelist
    assert "HTTP 500 (after 3 attempts)" in change


def test_a_place_never_refreshed_is_flagged(admin_client, place):
    html = admin_client.get(CHANGELIST).content.decode()

    assert "noch nie – es wird noch kein Wetter angezeigt" in html


def test_the_first_place_must_be_the_default(admin_client, db):
    assert admin_client.get(f"{CHANGELIST}add/").context["adminform"].form.initial["is_default"]

    response = admin_client.post(f"{CHANGELIST}add/", form_data())

    assert response.status_code == 200
    assert "Die Kopfleiste braucht einen Standardort" in response.content.decode()
    assert not Place.objects.exists()


def test_the_default_cannot_be_unticked_without_a_successor(admin_client, place):
    response = admin_client.post(
        f"{CHANGELIST}{place.pk}/change/", form_data(name="Dorsten", slug="dorsten")
    )

    assert "Die Kopfleiste braucht einen Standardort" in response.content.decode()
    assert Place.objects.get().is_default


def test_a_second_default_is_refused_with_a_hint(admin_client, place):
    response = admin_client.post(f"{CHANGELIST}add/", form_data(is_default="on"))

    assert response.status_code == 200
    assert "Ein anderer Ort ist bereits der Standardort" in response.content.decode()
    assert list(Place.objects.filter(is_default=True)) == [place]


def test_the_database_allows_only_one_default(place):
    with pytest.raises(IntegrityError), transaction.atomic():
        Place.objects.create(
            name="Wulfen", slug="wulfen", latitude="51.72", longitude="7.03", is_default=True
        )


def test_the_make_default_action_switches_the_default(admin_client, place):
    other = Place.objects.create(name="Wulfen", slug="wulfen", latitude="51.72", longitude="7.03")

    response = admin_client.post(
        CHANGELIST, {"action": "make_default", "_selected_action": [other.pk]}, follow=True
    )

    assert "Wulfen ist jetzt der Standardort." in response.content.decode()
    assert list(Place.objects.filter(is_default=True)) == [other]


def test_a_missing_default_is_pointed_out(admin_client, place):
    Place.objects.update(is_default=False)

    html = admin_client.get(CHANGELIST).content.decode()

    assert "Kein Ort ist als Standardort festgelegt" in html
