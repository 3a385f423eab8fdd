from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Group, Permission
from django.utils import timezone

from ads.groups import ensure_ads_group

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture
def ads_group(db):
    """The group the data migration creates (recreated: transactional tests flush it)."""
    return ensure_ads_group(Group, Permission)


@pytest.fixture
def moderator(django_user_model, ads_group):
    """Ad staff: a staff user in the "Anzeigen" group and nothing else."""
    user = django_user_model.objects.create_user(
        username="anzeigen",
        email="anzeigen@example.org",
        password="anzeigen-passwort-123",
        is_staff=True,
    )
    user.groups.add(ads_group)
    return user


@pytest.fixture
def moderator_client(client, moderator):
    client.force_login(moderator)
    return client


@pytest.fixture
def freeze_berlin(monkeypatch):
    """Set the clock to a Berlin wall-clock time: freeze_berlin(2026, 11, 25, 23, 59)."""

    def freeze(*args):
        moment = datetime(*args, tzinfo=BERLIN)
        monkeypatch.setattr(timezone, "now", lambda: moment)
        return moment

    return freeze
