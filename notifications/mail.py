"""E-mail for notifications: the first to a recipient at once, the ones following within
NOTIFICATION_DIGEST_MINUTES gathered into one digest when the window has passed.

The first mail is enqueued right after a notification is committed; the digests that
become due by time are sent by `manage.py send_notifications`, which the worker's schedule
runs every minute (jobs.schedule). Each send first
claims the recipient's MailSettings row with a conditional UPDATE (last mailed before the
window), so two processes never send the same mail: the second finds nothing to claim.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from newsroom.models import SiteSettings

from .models import MailSettings, Notification

logger = logging.getLogger(__name__)


def _cutoff(now):
    return now - timedelta(minutes=settings.NOTIFICATION_DIGEST_MINUTES)


def _due(cutoff) -> Q:
    return Q(last_mailed_at__isnull=True) | Q(last_mailed_at__lte=cutoff)


def send_due(user_ids=None, now=None) -> int:
    """Send every mail that is due (only to `user_ids` if given); the number of mails."""
    now = now or timezone.now()
    cutoff = _cutoff(now)
    due = MailSettings.objects.filter(_due(cutoff), user__notifications__mail_pending=True)
    if user_ids is not None:
        due = due.filter(user_id__in=user_ids)
    ids = sorted(set(due.values_list("user_id", flat=True)))
    return sum(_send_to(user_id, now, cutoff) for user_id in ids)


def _send_to(user_id: int, now, cutoff) -> int:
    try:
        with transaction.atomic():
            claimed = MailSettings.objects.filter(_due(cutoff), user_id=user_id).update(
                last_mailed_at=now
            )
            if not claimed:  # mailed within the window, by this or another process
                return 0
            # "of": PostgreSQL locks no outer-joined rows (the actor may be gone).
            pending = Notification.objects.select_for_update(of=("self",)).filter(
                recipient_id=user_id, mail_pending=True
            )
            notifications = list(
                pending.select_related("article", "actor", "recipient__notification_mail")
                .defer("article__body")
                .order_by("created_at", "pk")
            )
            Notification.objects.filter(pk__in=[n.pk for n in notifications]).update(
                mail_pending=False, mailed_at=now
            )
            if not notifications:
                transaction.set_rollback(True)  # nothing sent: not "last mailed" either
                return 0
            recipient = notifications[0].recipient
            if not recipient.email or not recipient.notification_mail.enabled:
                return 0  # switched off or no address since: these are not mailed
            _mail(recipient, notifications)  # failing, it undoes the claim: tried again later
    except Exception:  # SMTP errors come in many classes; none may break the request
        logger.exception("Could not send the notifications e-mail to user %s", user_id)
        return 0
    return 1


def _mail(recipient, notifications: list[Notification]) -> None:
    base = settings.SITE_URL
    with translation.override(settings.LANGUAGE_CODE):
        items = [{"notification": n, "url": f"{base}{n.get_target_url()}"} for n in notifications]
        context = {
            "site_name": SiteSettings.load().site_name,
            "recipient": recipient,
            "items": items,
            "settings_url": f"{base}{reverse('notifications:settings')}",
            "list_url": f"{base}{reverse('notifications:list')}",
        }
        # Plain text: autoescaping is off in the templates; the subject is one line.
        subject = render_to_string("notifications/email/subject.txt", context)
        body = render_to_string("notifications/email/body.txt", context)
    send_mail(" ".join(subject.split()), body, None, [recipient.email])
