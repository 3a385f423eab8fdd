"""Contact data of rejected and ended ads is deleted after the retention period."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from ads.models import JobAd, SubmissionAttempt, ads_today

from .factories import JobAdFactory

pytestmark = pytest.mark.django_db


def contact(ad):
    ad.refresh_from_db()
    return (ad.contact_name, ad.contact_email, ad.contact_phone)


def test_purge_deletes_old_contacts_only(settings, capsys):
    settings.ADS_CONTACT_RETENTION_DAYS = 30
    today = ads_today()
    long_rejected = JobAdFactory(rejected=True, reviewed_at=timezone.now() - timedelta(days=31))
    fresh_rejected = JobAdFactory(rejected=True, reviewed_at=timezone.now() - timedelta(days=29))
    long_ended = JobAdFactory(
        first_day=today - timedelta(days=60), last_day=today - timedelta(days=31)
    )
    fresh_ended = JobAdFactory(
        first_day=today - timedelta(days=60), last_day=today - timedelta(days=29)
    )
    never_decided = JobAdFactory(
        submitted=True, first_day=today - timedelta(days=60), last_day=today - timedelta(days=31)
    )
    live = JobAdFactory()

    call_command("purge_ad_contacts")

    for ad in (long_rejected, long_ended, never_decided):
        assert contact(ad) == ("", "", "")
        assert ad.contact_purged_at is not None
    for ad in (fresh_rejected, fresh_ended, live):
        assert contact(ad) == ("Erika Musterfrau", "erika@example.org", "0123 45678")
    # The ads themselves (and the reason) stay for the records.
    assert JobAd.objects.count() == 6
    long_rejected.refresh_from_db()
    assert long_rejected.rejection_reason == "Unseriös."
    assert "3 job ad(s)" in capsys.readouterr().out


def test_purge_also_drops_old_rate_limit_rows(settings):
    SubmissionAttempt.objects.create(key="a" * 64, created_at=timezone.now() - timedelta(days=2))
    recent = SubmissionAttempt.objects.create(key="b" * 64)
    call_command("purge_ad_contacts")
    assert list(SubmissionAttempt.objects.all()) == [recent]
