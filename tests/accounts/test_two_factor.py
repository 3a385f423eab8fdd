"""Two-factor login: required for administrators and the Chef vom Dienst, offered to all."""

import re
from base64 import b32encode

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.services import recovery_codes_issue
from tests.factories import ArticleFactory

from .conftest import PASSWORD, app_code, app_device, log_in

pytestmark = pytest.mark.django_db


def set_up_app(client) -> TOTPDevice:
    """Open the setup page and confirm the app with the code it would show."""
    page = client.get(reverse("accounts:setup"))
    assert page.status_code == 200
    device = TOTPDevice.objects.get(confirmed=False)
    secret = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', page.content.decode()).group(1)
    assert secret.replace(" ", "") == b32encode(device.bin_key).decode()
    response = client.post(reverse("accounts:setup"), {"otp_token": app_code(device)})
    assert response.status_code == 302
    return device


def test_the_chef_vom_dienst_must_set_up_the_app_first(client, editor):
    assert log_in(client, "miriam").status_code == 302
    for path in [reverse("admin:index"), reverse("admin:articles_article_changelist")]:
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:setup"))
    page = client.get(reverse("accounts:setup")).content.decode()
    assert "Ihre Rolle verlangt die Zwei-Faktor-Anmeldung" in page
    assert "<svg" in page  # the QR code, drawn on the server
    assert 'id="totp-secret"' in page

    set_up_app(client)
    assert client.get(reverse("admin:index")).status_code == 200


def test_an_administrator_must_set_it_up_too(client, django_user_model):
    django_user_model.objects.create_superuser("chefin", password=PASSWORD)
    log_in(client, "chefin")
    assert client.get(reverse("admin:index"))["Location"].startswith(reverse("accounts:setup"))


def test_setup_refuses_a_wrong_code_and_keeps_the_secret(client, editor):
    client.force_login(editor)
    client.get(reverse("accounts:setup"))
    device = TOTPDevice.objects.get(user=editor)
    wrong = f"{(int(app_code(device)) + 1) % 1_000_000:06d}"
    response = client.post(reverse("accounts:setup"), {"otp_token": wrong})
    assert response.status_code == 200
    assert "Dieser Code passt nicht" in response.content.decode()
    assert wrong in response.content.decode()  # what was typed stays in the field
    device.refresh_from_db()
    assert not device.confirmed
    # A reload shows the same secret: what the phone scanned stays valid.
    client.get(reverse("accounts:setup"))
    assert list(TOTPDevice.objects.filter(user=editor)) == [device]
    assert client.get(reverse("admin:index")).status_code == 302


def test_setup_shows_ten_recovery_codes_once(client, editor):
    client.force_login(editor)
    set_up_app(client)
    page = client.get(reverse("accounts:recovery-codes"))
    codes = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", page.content.decode())
    assert len(codes) == 10
    assert set(codes) == set(StaticToken.objects.values_list("token", flat=True))
    assert "drucken" in page.content.decode()
    # Shown once: afterwards the page only leads back to the setup.
    assert client.get(reverse("accounts:recovery-codes")).status_code == 302


def test_with_the_app_the_login_needs_its_code(client, editor):
    device = app_device(editor)

    response = log_in(client, "miriam")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Bitte geben Sie auch den Code aus Ihrer Authenticator-App ein" in page
    assert f'value="{PASSWORD}"' in page  # the password is not lost
    assert "_auth_user_id" not in client.session

    wrong = f"{(int(app_code(device)) + 1) % 1_000_000:06d}"
    response = log_in(client, "miriam", code=wrong)
    assert response.status_code == 200
    assert "Dieser Code ist falsch oder abgelaufen" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_right_code_opens_the_admin(client, editor):
    device = app_device(editor)
    code = app_code(device)
    assert log_in(client, "miriam", code=code[:3] + " " + code[3:]).status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200
    # The same code cannot be used twice (someone who watched it being typed).
    assert log_in(Client(), "miriam", code=code).status_code == 200


def test_a_recovery_code_works_once(editor):
    app_device(editor)
    code = recovery_codes_issue(user=editor)[0]
    first = Client()
    assert log_in(first, "miriam", code=code.upper()).status_code == 302
    assert first.get(reverse("admin:index")).status_code == 200
    again = log_in(Client(), "miriam", code=code)
    assert again.status_code == 200
    assert "jeder Wiederherstellungscode gilt nur einmal" in again.content.decode()


def test_a_session_without_the_code_must_log_in_again(client, editor):
    """E.g. opened before the app was set up in another browser."""
    app_device(editor)
    client.force_login(editor)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    assert "_auth_user_id" not in client.session
    # Nor can such a session make itself new recovery codes.
    client.force_login(editor)
    assert client.post(reverse("accounts:setup")).status_code == 302
    assert not StaticToken.objects.exists()


def test_a_journalist_is_offered_the_app_but_not_forced(client, writer):
    assert log_in(client, "selin").status_code == 302
    index = client.get(reverse("admin:index"))
    assert index.status_code == 200
    assert f'href="{reverse("accounts:setup")}">Zwei-Faktor-Anmeldung</a>' in (
        index.content.decode()
    )
    set_up_app(client)
    client.post(reverse("admin:logout"))
    assert log_in(client, "selin").status_code == 200  # from now on with the code
    assert "_auth_user_id" not in client.session


def test_once_set_up_the_page_offers_new_recovery_codes(client, writer):
    device = app_device(writer)
    old = recovery_codes_issue(user=writer)
    log_in(client, "selin", code=app_code(device))
    page = client.get(reverse("accounts:setup"))
    assert "Zwei-Faktor-Anmeldung eingerichtet" in page.content.decode()
    response = client.post(reverse("accounts:setup"))
    assert response["Location"] == reverse("accounts:recovery-codes")
    new = set(StaticToken.objects.values_list("token", flat=True))
    assert len(new) == 10 and not new & set(old)


def test_without_the_requirement_the_editor_gets_in_with_the_password(client, editor, settings):
    settings.OTP_REQUIRED = False  # what `make run` sets for its demo logins
    assert log_in(client, "miriam").status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200


def test_the_setup_needs_a_staff_login(client, django_user_model):
    assert client.get(reverse("accounts:setup"))["Location"].startswith(reverse("admin:login"))
    reader = django_user_model.objects.create_user("leser", password=PASSWORD)
    client.force_login(reader)
    assert client.get(reverse("accounts:setup"))["Location"].startswith(reverse("admin:login"))
    assert not TOTPDevice.objects.exists()


def test_an_administrator_resets_a_lost_phone_in_the_admin(django_user_model, editor):
    boss = django_user_model.objects.create_superuser("chefin", password=PASSWORD)
    admin = Client()
    log_in(admin, "chefin", code=app_code(app_device(boss)))
    lost = app_device(editor)
    changelist = reverse("admin:otp_totp_totpdevice_changelist")
    assert "miriam" in admin.get(changelist).content.decode()
    response = admin.post(
        changelist, {"action": "delete_selected", "_selected_action": [lost.pk], "post": "yes"}
    )
    assert response.status_code == 302
    # Miriam logs in with her password and is led to set up her new phone.
    client = Client()
    assert log_in(client, "miriam").status_code == 302
    assert client.get(reverse("admin:index"))["Location"].startswith(reverse("accounts:setup"))


def test_before_the_setup_no_staff_right_works_outside_the_admin_either(client, editor):
    """A password alone must not open what the admin guards: draft previews on the public
    site, the editor's image upload."""
    draft = ArticleFactory(status="draft")
    log_in(client, "miriam")
    for response in [
        client.get(draft.get_absolute_url()),
        client.post(reverse("articles:editor-upload")),
    ]:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:setup"))
    set_up_app(client)
    assert client.get(draft.get_absolute_url()).status_code == 200  # the preview
