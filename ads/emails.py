"""E-mails about job ads: to the "Anzeigen" group and to the employer.

Sent after the database commit; a failing mail server is logged and never undoes a
submission or a decision.
"""

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from .groups import GROUP_NAME

logger = logging.getLogger(__name__)


def _send(template: str, context: dict, recipients: list[str]) -> None:
    if not recipients:
        return
    with translation.override(settings.LANGUAGE_CODE):
        context = {"site_url": settings.SITE_URL, **context}
        # Plain text, not HTML: both templates turn autoescaping off ("Müller & Söhne",
        # not "Müller &amp; Söhne"). The subject is joined into one line.
        subject = render_to_string(f"ads/email/{template}_subject.txt", context)
        body = render_to_string(f"ads/email/{template}.txt", context)
    try:
        send_mail(" ".join(subject.split()), body, None, recipients)
    except Exception:  # SMTP errors come in many classes; none may break the request
        logger.exception("Could not send the %s e-mail for a job ad", template)


def moderator_addresses() -> list[str]:
    users = get_user_model().objects.filter(groups__name=GROUP_NAME, is_active=True)
    return sorted(set(users.exclude(email="").values_list("email", flat=True)))


def send_submission_notices(ad) -> None:
    context = {
        "ad": ad,
        "admin_path": reverse("admin:ads_jobad_change", args=[ad.pk]),
    }
    _send("submitted_staff", context, moderator_addresses())
    if ad.contact_email:
        _send("submitted_employer", context, [ad.contact_email])


def send_decision(ad) -> None:
    if ad.contact_email:
        _send(f"decision_{ad.status}", {"ad": ad}, [ad.contact_email])
