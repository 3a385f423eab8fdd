"""The workflow's events, turned into notifications (connected in NotificationsConfig)."""

from django.db.models.signals import post_save
from django.utils import timezone

from articles.models import Article, ArticleComment, PendingChange, StatusChange

from . import services
from .models import Notification

Status = Article.Status


def on_status_change(sender, instance: StatusChange, created, raw=False, **kwargs):
    if not created or raw:
        return
    article, actor, comment = instance.article, instance.user, instance.comment
    if instance.to_status == Status.REVIEW:
        services.notify(
            services.editors_on_duty(), Notification.Kind.SUBMITTED, article, actor, text=comment
        )
    elif instance.to_status == Status.PUBLISHED:
        if article.published_at > timezone.now():
            kind, fields = Notification.Kind.SCHEDULED, {"scheduled_for": article.published_at}
        else:
            kind, fields = Notification.Kind.PUBLISHED, {}
        services.notify(services.article_people(article), kind, article, actor, **fields)
    elif (instance.from_status, instance.to_status) == (Status.REVIEW, Status.DRAFT):
        services.notify(
            services.article_people(article),
            Notification.Kind.RETURNED,
            article,
            actor,
            text=comment,
        )


def on_pending_change(sender, instance: PendingChange, created, raw=False, **kwargs):
    if raw:
        return
    if created:
        services.notify(
            services.editors_on_duty(),
            Notification.Kind.CORRECTION,
            instance.article,
            instance.created_by,
            pending_change=instance,
            text=instance.comment,
        )
        return
    kind = {
        PendingChange.State.APPROVED: Notification.Kind.CORRECTION_APPROVED,
        PendingChange.State.REJECTED: Notification.Kind.CORRECTION_REJECTED,
    }.get(instance.state)
    # The decision is saved once (articles.workflow); a later save of it tells no one again.
    if kind is None or not instance.created_by_id:
        return
    if Notification.objects.filter(pending_change=instance, kind=kind).exists():
        return
    services.notify(
        [instance.created_by_id],
        kind,
        instance.article,
        instance.decided_by,
        pending_change=instance,
        text=instance.reason,
    )


def on_comment(sender, instance: ArticleComment, created, raw=False, **kwargs):
    if not created or raw:
        return
    article = instance.article
    services.notify(
        services.conversation_people(article),
        Notification.Kind.COMMENT,
        article,
        instance.user,
        text=instance.text,
    )


def connect():
    post_save.connect(on_status_change, sender=StatusChange, dispatch_uid="notify_status")
    post_save.connect(on_pending_change, sender=PendingChange, dispatch_uid="notify_pending")
    post_save.connect(on_comment, sender=ArticleComment, dispatch_uid="notify_comment")
