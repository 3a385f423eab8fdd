"""The job-ad e-mails: subjects are plain text, names as the employer typed them."""

import pytest
from django.core import mail

from ads import emails
from ads.models import JobAd

from .factories import JobAdFactory

pytestmark = pytest.mark.django_db

EMPLOYER = "Müller & Söhne GmbH"
TITLE = 'Koch (m/w/d) für "Bistro" <Mitte>, Mario\'s Bar'


def test_every_subject_shows_the_names_as_typed_not_as_html(moderator):
    # Quotes, "&", "<" and ">" reach the ad from older rows, imports or the admin; an
    # e-mail subject is plain text, where "&amp;" would be shown as such.
    ad = JobAdFactory(submitted=True, employer_name=EMPLOYER, title=TITLE)
    emails.send_submission_notices(ad)  # to the ad staff and to the employer
    ad.status = JobAd.Status.APPROVED
    emails.send_decision(ad)
    ad.status, ad.rejection_reason = JobAd.Status.REJECTED, "Bitte mit Gehaltsangabe."
    emails.send_decision(ad)

    assert len(mail.outbox) == 4
    for message in mail.outbox:
        assert TITLE in message.subject, message.subject
        assert "&amp;" not in message.subject and "&quot;" not in message.subject
        assert "\n" not in message.subject
        assert TITLE in message.body
    staff = next(m for m in mail.outbox if m.to == ["anzeigen@example.org"])
    assert f"{EMPLOYER} – {TITLE}" in staff.subject
