"""Who hears of what: the recipients of each kind of notification, and creating them."""

from datetime import timedelta
from functools import partial

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from articles.models import Article, ArticleComment, StatusChange

from . import mail
from .models import MailSettings, Notification

# A second notification of these kinds about the same article within the digest window is
# not made: submitting, withdrawing and submitting again is one thing to look at.
ONCE_PER_WINDOW = {
    Notification.Kind.SUBMITTED,
    Notification.Kind.CORRECTION,
    Notification.Kind.PUBLISHED,
    Notification.Kind.SCHEDULED,
}


def digest_window() -> timedelta:
    return timedelta(minutes=settings.NOTIFICATION_DIGEST_MINUTES)


def editors_on_duty():
    """Active staff who may publish (Chef vom Dienst by group or by their own permission,
    administrators)."""
    publish = Permission.objects.filter(
        content_type__app_label="articles", codename="publish_article"
    )
    users = get_user_model().objects.filter(is_active=True, is_staff=True)
    return users.filter(
        Q(is_superuser=True) | Q(groups__permissions__in=publish) | Q(user_permissions__in=publish)
    ).distinct()


def article_people(article: Article) -> set[int]:
    """The ids of the article's authors' user accounts and of whoever created it."""
    ids = set(article.authors.filter(user__isnull=False).values_list("user_id", flat=True))
    if article.created_by_id:
        ids.add(article.created_by_id)
    return ids


def conversation_people(article: Article) -> set[int]:
    """The authors and creator, and whoever commented or changed the status."""
    ids = article_people(article)
    ids.update(StatusChange.objects.filter(article=article).values_list("user_id", flat=True))
    ids.update(ArticleComment.objects.filter(article=article).values_list("user_id", flat=True))
    ids.discard(None)
    return ids


def notify(recipients, kind: str, article: Article, actor=None, **fields) -> list[Notification]:
    """Make `kind` notifications about `article` for `recipients` (a user queryset or ids),
    never for the actor; their e-mail goes out after the commit for whoever is due."""
    if hasattr(recipients, "values"):
        recipients = recipients.values("pk")
    users = get_user_model().objects.filter(is_active=True, pk__in=recipients)
    if actor is not None:
        users = users.exclude(pk=actor.pk)
    users = list(users.only("pk", "email"))
    now = timezone.now()
    if users and kind in ONCE_PER_WINDOW:
        told = set(
            Notification.objects.filter(
                kind=kind,
                article=article,
                recipient__in=users,
                created_at__gte=now - digest_window(),
            ).values_list("recipient_id", flat=True)
        )
        users = [user for user in users if user.pk not in told]
    if not users:
        return []
    off = set(
        MailSettings.objects.filter(user__in=users, enabled=False).values_list("user_id", flat=True)
    )
    mailed = {user.pk for user in users if user.email and user.pk not in off}
    # The row the sender claims (notifications.mail); made here, once per user.
    MailSettings.objects.bulk_create(
        [MailSettings(user_id=pk) for pk in mailed], ignore_conflicts=True
    )
    notifications = Notification.objects.bulk_create(
        Notification(
            recipient=user,
            actor=actor,
            kind=kind,
            article=article,
            created_at=now,
            mail_pending=user.pk in mailed,
            **fields,
        )
        for user in users
    )
    if mailed:
        transaction.on_commit(partial(mail.send_due, user_ids=sorted(mailed)))
    return notifications
