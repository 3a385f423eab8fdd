"""State changes and who may make them: submitted -> approved | rejected (with reason)."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from ads.models import JobAd, ads_today
from ads.services import job_ad_approve, job_ad_reject, job_ad_submit

from .factories import JobAdFactory

pytestmark = pytest.mark.django_db


def submit(**overrides):
    data = {
        "employer_name": "Bäckerei Sonnenkorn",
        "title": "Verkäufer (m/w/d)",
        "place": "Lindenau",
        "teaser": "Frühaufsteher gesucht.",
        "description": "<p>Brötchen verkaufen.</p>",
        "first_day": ads_today(),
        "last_day": ads_today() + timedelta(days=5),
        "contact_email": "chefin@example.org",
        "contact_name": "Anna Korn",
        "apply_url": "https://example.org/jobs",
        "client_ip": "192.0.2.1",
    }
    return job_ad_submit(**(data | overrides))


def test_submit_stores_a_submitted_ad_and_mails_staff_and_employer(
    moderator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        ad = submit()
    ad.refresh_from_db()
    assert ad.status == JobAd.Status.SUBMITTED
    assert not JobAd.objects.live().exists()
    recipients = sorted(address for message in mail.outbox for address in message.to)
    assert recipients == ["anzeigen@example.org", "chefin@example.org"]
    staff_mail = next(m for m in mail.outbox if m.to == ["anzeigen@example.org"])
    assert "Verkäufer (m/w/d)" in staff_mail.subject
    assert f"/admin/ads/jobad/{ad.pk}/change/" in staff_mail.body


def test_submit_refuses_invalid_data_and_stores_nothing():
    with pytest.raises(ValidationError) as error:
        submit(apply_url="javascript:alert(1)")
    assert "apply_url" in error.value.message_dict
    assert not JobAd.objects.exists()


def test_moderator_approves_and_employer_is_told(moderator, django_capture_on_commit_callbacks):
    ad = JobAdFactory(submitted=True)
    with django_capture_on_commit_callbacks(execute=True):
        approved = job_ad_approve(ad=ad, by=moderator)
    assert approved.status == JobAd.Status.APPROVED
    assert approved.reviewed_by == moderator
    assert approved in JobAd.objects.live()
    assert [m.to for m in mail.outbox] == [["erika@example.org"]]
    assert "freigegeben" in mail.outbox[0].subject


def test_moderator_rejects_with_reason_which_the_employer_receives(
    moderator, django_capture_on_commit_callbacks
):
    ad = JobAdFactory(submitted=True)
    with django_capture_on_commit_callbacks(execute=True):
        job_ad_reject(ad=ad, by=moderator, reason="Bitte ohne Verdienstversprechen.")
    ad.refresh_from_db()
    assert ad.status == JobAd.Status.REJECTED
    assert ad.rejection_reason == "Bitte ohne Verdienstversprechen."
    assert "Bitte ohne Verdienstversprechen." in mail.outbox[0].body


def test_reject_needs_a_reason(moderator):
    ad = JobAdFactory(submitted=True)
    with pytest.raises(ValidationError):
        job_ad_reject(ad=ad, by=moderator, reason="   ")
    ad.refresh_from_db()
    assert ad.status == JobAd.Status.SUBMITTED


def test_staff_without_the_moderation_permission_may_not_decide(django_user_model):
    editor = django_user_model.objects.create_user("redakteur", is_staff=True)
    ad = JobAdFactory(submitted=True)
    with pytest.raises(PermissionDenied):
        job_ad_approve(ad=ad, by=editor)
    with pytest.raises(PermissionDenied):
        job_ad_reject(ad=ad, by=editor, reason="Nein.")
    ad.refresh_from_db()
    assert ad.status == JobAd.Status.SUBMITTED


def test_decided_ads_cannot_be_decided_again(moderator):
    approved = JobAdFactory()
    rejected = JobAdFactory(rejected=True)
    with pytest.raises(ValidationError):
        job_ad_reject(ad=approved, by=moderator, reason="Doch nicht.")
    with pytest.raises(ValidationError):
        job_ad_approve(ad=rejected, by=moderator)
    approved.refresh_from_db()
    rejected.refresh_from_db()
    assert (approved.status, rejected.status) == (JobAd.Status.APPROVED, JobAd.Status.REJECTED)


def test_an_ad_whose_run_has_ended_cannot_be_approved(moderator):
    ad = JobAdFactory(submitted=True, expired=True)
    with pytest.raises(ValidationError):
        job_ad_approve(ad=ad, by=moderator)
    ad.refresh_from_db()
    assert ad.status == JobAd.Status.SUBMITTED


def test_a_failing_mail_server_does_not_undo_a_decision(
    moderator, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9  # nothing listens there
    ad = JobAdFactory(submitted=True)
    with django_capture_on_commit_callbacks(execute=True):
        job_ad_approve(ad=ad, by=moderator)
    ad.refresh_from_db()
    assert ad.status == JobAd.Status.APPROVED


@pytest.mark.parametrize(
    ("title", "has_note"),
    [
        ("Pflegefachkraft (m/w/d)", True),
        ("Koch (w/m/d)", True),
        ("Erzieher (gn*)", True),
        ("Buchhalter (alle Geschlechter)", True),
        ("Developer (all genders)", True),
        ("Koch", False),
        ("Fahrer/in", False),
        ("UX/UI-Designer", False),
    ],
)
def test_gender_note_is_recognised(title, has_note):
    assert JobAd(title=title).has_gender_note is has_note
