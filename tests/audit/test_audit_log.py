"""The audit log: staff actions that matter are recorded with who, what, when and from
where, shown to administrators only, read-only, and deleted after the retention period."""

import logging
from datetime import timedelta

import pytest
from django import forms
from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from ads.groups import ensure_ads_group
from ads.models import JobAd
from articles.models import Article
from audit.models import Action, AuditEntry
from audit.services import audit_entries_purge
from newsroom.models import SiteSettings
from tests.ads.factories import JobAdFactory
from tests.articles.test_admin import change_form_data
from tests.factories import ArticleFactory, ImageFactory

pytestmark = pytest.mark.django_db

PASSWORD = "lang-genug-123"
IP = "198.51.100.7"
CHANGELIST = reverse("admin:audit_auditentry_changelist")


def staff(django_user_model, username, group=None, **flags):
    """A staff user in `group`, and a client logged in as them from the address IP."""
    user = django_user_model.objects.create_user(
        username, password=PASSWORD, is_staff=True, **flags
    )
    if group is not None:
        user.groups.add(group)
    client = Client(REMOTE_ADDR=IP)
    client.force_login(user)
    return user, client


@pytest.fixture
def superuser(django_user_model):
    return staff(django_user_model, "chefin", is_superuser=True)


@pytest.fixture
def editor(django_user_model):
    """The "Chef vom Dienst" (the group comes from the migrations)."""
    return staff(django_user_model, "miriam", Group.objects.get(name="Chef vom Dienst"))


def entries(action):
    return list(AuditEntry.objects.filter(action=action).select_related("content_type"))


def only_entry(action) -> AuditEntry:
    found = entries(action)
    assert len(found) == 1, found
    return found[0]


def admin_form_data(response) -> dict:
    """An admin change form's values as the browser would send them back."""
    form = response.context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = form[name].value()
        # Browsers send no file again, only a new upload.
        if field.disabled or value is None or value is False or isinstance(field, forms.FileField):
            continue
        if isinstance(field.widget, forms.MultiWidget):
            parts = zip(field.widget.widgets, field.widget.decompress(value), strict=True)
            for index, (widget, part) in enumerate(parts):
                data[f"{name}_{index}"] = widget.format_value(part) or ""
        elif isinstance(value, list):
            data[name] = [str(v) for v in value]
        else:
            data[name] = "on" if value is True else value
    return data


# Logins


def test_a_login_and_a_failed_login_through_the_admin_form(settings, django_user_model):
    settings.OTP_REQUIRED = False  # the two-factor login is tested in tests/accounts/
    user = django_user_model.objects.create_user("selin", password=PASSWORD, is_staff=True)
    client = Client(REMOTE_ADDR=IP)
    login = reverse("admin:login")

    response = client.post(login, {"username": "selin", "password": "falsch-geraten-1"})
    assert response.status_code == 200  # the form again, with its error
    failed = only_entry(Action.LOGIN_FAILED)
    assert (failed.object_repr, failed.ip_address, failed.actor) == ("selin", IP, None)
    assert failed.content_type.model == "user"
    assert "falsch-geraten-1" not in f"{failed.object_repr} {failed.detail}"
    assert not entries(Action.LOGIN)

    response = client.post(login, {"username": "selin", "password": PASSWORD, "next": "/admin/"})
    assert response.status_code == 302
    entry = only_entry(Action.LOGIN)
    assert (entry.actor, entry.actor_name, entry.ip_address) == (user, "selin", IP)


@pytest.mark.skipif(not apps.is_installed("axes"), reason="django-axes is not installed")
def test_a_lockout_after_too_many_failed_logins(settings, django_user_model):
    settings.OTP_REQUIRED = False
    django_user_model.objects.create_user("selin", password=PASSWORD, is_staff=True)
    client = Client(REMOTE_ADDR=IP)
    for _attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        client.post(reverse("admin:login"), {"username": "selin", "password": "falsch"})
    assert not entries(Action.LOCKOUT)
    client.post(reverse("admin:login"), {"username": "selin", "password": "falsch"})
    locked = only_entry(Action.LOCKOUT)
    assert (locked.object_repr, locked.ip_address) == ("selin", IP)
    assert len(entries(Action.LOGIN_FAILED)) == settings.AXES_FAILURE_LIMIT
    # During the lockout even the right password is refused, and each refusal recorded.
    client.post(reverse("admin:login"), {"username": "selin", "password": PASSWORD})
    assert not entries(Action.LOGIN)
    assert len(entries(Action.LOCKOUT)) == 2


# Publishing


def test_publishing_and_unpublishing_an_article_in_the_admin(editor):
    user, cvd = editor
    article = ArticleFactory(status=Article.Status.DRAFT, title="Neue Buslinie")
    url = reverse("admin:articles_article_change", args=[article.pk])

    data = change_form_data(cvd, article) | {"status": "review"}
    assert cvd.post(url, data).status_code == 302
    assert not AuditEntry.objects.exclude(action=Action.LOGIN).exists()  # not a publication

    data = change_form_data(cvd, article) | {"status": "published", "status_comment": "Gut."}
    assert cvd.post(url, data).status_code == 302
    published = only_entry(Action.PUBLISH)
    assert (published.actor, published.ip_address) == (user, IP)
    assert (published.object_repr, published.object_id) == ("Neue Buslinie", str(article.pk))
    assert published.detail == "In Prüfung → Veröffentlicht – Gut."

    data = change_form_data(cvd, article) | {"status": "withdrawn"}
    assert cvd.post(url, data).status_code == 302
    withdrawn = only_entry(Action.UNPUBLISH)
    assert (withdrawn.actor, withdrawn.ip_address, withdrawn.object_repr) == (
        user,
        IP,
        "Neue Buslinie",
    )
    assert withdrawn.detail == "Veröffentlicht → Zurückgezogen"


def test_the_action_succeeds_when_the_audit_log_cannot_be_written(editor, caplog):
    """A broken log table must not stop the news; the entry's content goes to the error
    log instead of being lost silently."""
    _user, cvd = editor
    article = ArticleFactory(status=Article.Status.REVIEW, title="Neue Buslinie")
    data = change_form_data(cvd, article) | {"status": "published"}
    with connection.cursor() as cursor:  # undone with the test's transaction
        cursor.execute("ALTER TABLE audit_auditentry RENAME TO audit_auditentry_away")
    with caplog.at_level(logging.ERROR, logger="audit.services"):
        response = cvd.post(reverse("admin:articles_article_change", args=[article.pk]), data)
    assert response.status_code == 302
    assert Article.objects.get().status == Article.Status.PUBLISHED
    assert "Audit entry not written: publish by 'miriam'" in caplog.text
    assert "Neue Buslinie" in caplog.text


# Ads


def test_approving_and_rejecting_job_ads_in_the_admin(django_user_model):
    user, moderator = staff(django_user_model, "anzeigen", ensure_ads_group(Group, Permission))
    approved = JobAdFactory(submitted=True, employer_name="Bäckerei Korn", title="Bäcker (m/w/d)")
    url = reverse("admin:ads_jobad_moderate", args=[approved.pk])
    assert moderator.post(url, {"approve": "1"}).status_code == 302
    entry = only_entry(Action.AD_APPROVE)
    assert (entry.actor, entry.ip_address) == (user, IP)
    assert entry.object_repr == "Bäckerei Korn: Bäcker (m/w/d)"

    rejected = [JobAdFactory(submitted=True), JobAdFactory(submitted=True)]
    moderator.post(
        reverse("admin:ads_jobad_changelist"),
        {
            "action": "reject_selected",
            "_selected_action": [ad.pk for ad in rejected],
            "apply": "1",
            "reason": "Zu ungenau.",
        },
    )
    assert JobAd.objects.filter(status=JobAd.Status.REJECTED).count() == 2
    found = entries(Action.AD_REJECT)
    assert sorted(e.object_id for e in found) == sorted(str(ad.pk) for ad in rejected)
    assert {(e.actor, e.ip_address, e.detail) for e in found} == {(user, IP, "Zu ungenau.")}


# Deleting


def test_deleting_in_the_admin_one_by_one_and_in_bulk(superuser):
    user, client = superuser
    single, one, *several = (ArticleFactory(title=f"Meldung {n}") for n in range(5))

    delete = reverse("admin:articles_article_delete", args=[single.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 302
    entry = only_entry(Action.DELETE)
    assert (entry.actor, entry.ip_address, entry.object_repr) == (user, IP, "Meldung 0")
    assert (entry.content_type.model, entry.object_id) == ("article", str(single.pk))

    changelist = reverse("admin:articles_article_changelist")
    for chosen in ([one], several):
        ids = [a.pk for a in chosen]
        confirm = client.post(changelist, {"action": "delete_selected", "_selected_action": ids})
        assert confirm.status_code == 200 and Article.objects.filter(pk__in=ids).count() == len(ids)
        done = {"action": "delete_selected", "_selected_action": ids, "post": "yes"}
        assert client.post(changelist, done).status_code == 302
        assert not Article.objects.filter(pk__in=ids).exists()

    found = entries(Action.DELETE)
    assert sorted(e.object_repr for e in found) == [f"Meldung {n}" for n in range(5)]
    assert {(e.actor, e.ip_address, e.content_type.model) for e in found} == {(user, IP, "article")}


def test_a_refused_deletion_is_not_recorded(superuser):
    """An image in use cannot be deleted: nothing happened, so nothing is recorded."""
    _user, client = superuser
    image = ImageFactory()
    ArticleFactory(lead_image=image)
    done = {"action": "delete_selected", "_selected_action": [image.pk], "post": "yes"}
    response = client.post(reverse("admin:images_image_changelist"), done)
    assert response.status_code == 200  # "cannot delete", naming the article that uses it
    assert not entries(Action.DELETE)


# Site settings and users


def test_changing_the_site_settings(superuser):
    user, client = superuser
    SiteSettings.objects.create(
        site_name="Lindenauer Nachrichten",
        publisher_name="Lindenauer Medien GmbH",
        publisher_address="Marktplatz 3\n12345 Lindenau",
        contact_email="redaktion@example.org",
        contact_phone="+49 123 456789",
        responsible_name="Miriam Adler",
        responsible_address="Marktplatz 3\n12345 Lindenau",
    )
    url = reverse("admin:newsroom_sitesettings_change", args=[1])
    data = admin_form_data(client.get(url)) | {"tagline": "Alles aus Lindenau"}
    assert client.post(url, data).status_code == 302
    entry = only_entry(Action.SETTINGS_CHANGE)
    assert (entry.actor, entry.ip_address, entry.object_repr) == (
        user,
        IP,
        "Lindenauer Nachrichten",
    )
    assert entry.detail == "Claim geändert."


def test_changing_a_users_groups_and_flags(superuser, django_user_model):
    user, client = superuser
    colleague = django_user_model.objects.create_user("selin", password=PASSWORD, is_staff=True)
    url = reverse("admin:auth_user_change", args=[colleague.pk])
    editors = Group.objects.get(name="Chef vom Dienst")
    data = admin_form_data(client.get(url)) | {"groups": [str(editors.pk)], "is_superuser": "on"}
    assert client.post(url, data).status_code == 302
    entry = only_entry(Action.USER_CHANGE)
    assert (entry.actor, entry.ip_address, entry.object_repr) == (user, IP, "selin")
    assert "Gruppen" in entry.detail
    assert "Administrator-Status" in entry.detail and "Chef vom Dienst" in entry.detail

    # The entry outlives both accounts.
    colleague.delete()
    user.delete()
    entry.refresh_from_db()
    assert (entry.actor, entry.actor_name, entry.object_repr) == (None, "chefin", "selin")


# Who sees the log


@pytest.fixture
def roles(django_user_model):
    """Journalist, ad staff and Chef vom Dienst: staff, but no administrators; and one who
    was given the log's view permission by mistake."""
    curious = staff(django_user_model, "neugierig")
    curious[0].user_permissions.add(Permission.objects.get(codename="view_auditentry"))
    return [
        staff(django_user_model, "selin", Group.objects.get(name="Redaktion")),
        staff(django_user_model, "anzeigen", ensure_ads_group(Group, Permission)),
        staff(django_user_model, "miriam", Group.objects.get(name="Chef vom Dienst")),
        curious,
    ]


def test_only_administrators_see_the_log(roles, superuser):
    entry = AuditEntry.objects.filter(action=Action.LOGIN).first()
    change = reverse("admin:audit_auditentry_change", args=[entry.pk])
    for user, client in roles:
        assert client.get(CHANGELIST).status_code == 403, user
        assert client.get(change).status_code == 403, user
        index = client.get(reverse("admin:index")).content.decode()
        assert "Protokolleinträge" not in index and CHANGELIST not in index, user

    _user, client = superuser
    index = client.get(reverse("admin:index")).content.decode()
    assert CHANGELIST in index
    listing = client.get(CHANGELIST).content.decode()
    assert "miriam" in listing and "Anmeldung" in listing


def test_the_log_is_read_only_even_for_administrators(superuser):
    _user, client = superuser
    entry = AuditEntry.objects.get()
    change = reverse("admin:audit_auditentry_change", args=[entry.pk])
    assert client.get(reverse("admin:audit_auditentry_add")).status_code == 403
    page = client.get(change)
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert client.post(change, {"action": "login_failed", "actor_name": "x"}).status_code == 403
    delete = reverse("admin:audit_auditentry_delete", args=[entry.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    bulk = {"action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"}
    client.post(CHANGELIST, bulk)
    assert "delete_selected" not in client.get(CHANGELIST).content.decode()
    assert AuditEntry.objects.filter(pk=entry.pk).exists()
    assert AuditEntry.objects.get(pk=entry.pk).action == Action.LOGIN


def test_the_list_costs_the_same_queries_for_5_and_50_entries(superuser):
    _user, client = superuser
    article_type = ContentType.objects.get_for_model(Article)
    client.get(CHANGELIST)  # the session's first request does more (axes, last login)
    counts = []
    for total in (5, 50):
        AuditEntry.objects.bulk_create(
            AuditEntry(action=Action.DELETE, actor_name="chefin", object_repr=f"Meldung {n}",
                       content_type=article_type, object_id=str(n), ip_address=IP)
            for n in range(AuditEntry.objects.count(), total)
        )  # fmt: skip
        with CaptureQueriesContext(connection) as queries:
            response = client.get(CHANGELIST)
        assert response.status_code == 200
        html = response.content.decode()
        assert html.count("Meldung ") == AuditEntry.objects.filter(action=Action.DELETE).count()
        counts.append(len(queries))
    assert counts[0] == counts[1], [q["sql"] for q in queries]


# Retention


def test_the_purge_deletes_only_entries_past_the_retention(settings):
    settings.AUDIT_RETENTION_DAYS = 30
    now = timezone.now()
    for days in (31, 40, 29, 0):
        AuditEntry.objects.create(
            action=Action.LOGIN, actor_name=f"vor {days} Tagen", created_at=now - timedelta(days)
        )
    call_command("purge_audit_log", stdout=open("/dev/null", "w"))
    assert sorted(AuditEntry.objects.values_list("actor_name", flat=True)) == [
        "vor 0 Tagen",
        "vor 29 Tagen",
    ]
    # Batches smaller than what is due: the purge goes on until nothing old is left.
    settings.AUDIT_RETENTION_DAYS = 0
    assert audit_entries_purge(now=now + timedelta(seconds=1), batch_size=1) == 2
    assert not AuditEntry.objects.exists()
