import pytest
from django.contrib.auth.models import Permission

from tests.factories import STAFF_PASSWORD, member

SITE = "https://lindenau.example"


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = SITE
    settings.NOTIFICATION_DIGEST_MINUTES = 5


@pytest.fixture
def newsdesk(django_user_model, editor):
    """Everyone who decides what goes live, and some who look alike but do not."""
    publish = Permission.objects.get(codename="publish_article")
    direct, _client = member(django_user_model, "jonas")
    direct.user_permissions.add(publish)
    boss = django_user_model.objects.create_superuser(
        "chefin", "chefin@example.org", STAFF_PASSWORD
    )
    member(django_user_model, "ehemalig", "Chef vom Dienst", is_active=False)
    member(django_user_model, "extern", is_staff=False)[0].user_permissions.add(publish)
    return {"miriam": editor[0], "jonas": direct, "chefin": boss}


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    """Run what waits for the commit (the e-mail) as the request's commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)
