"""What happened to an article that someone should know about, for the admin and by e-mail.

A notification belongs to one recipient. It is shown in the admin (the bell in the header,
the list) until read; by e-mail it goes out at once when the recipient had no mail within
the last NOTIFICATION_DIGEST_MINUTES, else with the next digest (notifications.mail).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from articles.models import Article, PendingChange

# The bell counts at most this many: a number beyond says nothing more than "99+".
COUNT_LIMIT = 100


class NotificationQuerySet(models.QuerySet):
    def unread(self):
        return self.filter(read_at__isnull=True)

    def unread_count(self, user) -> int:
        """Unread notifications of `user`, counted up to COUNT_LIMIT (one indexed query)."""
        return self.filter(recipient=user).unread()[:COUNT_LIMIT].count()

    def for_list(self, user):
        return (
            self.filter(recipient=user)
            .select_related("actor", "article", "pending_change")
            .only(
                *("kind", "text", "scheduled_for", "created_at", "read_at", "recipient_id"),
                *("actor__username", "actor__first_name", "actor__last_name"),
                *("article__title", "pending_change__id"),
            )
            .order_by("-created_at", "-pk")
        )

    def mark_read(self) -> int:
        return self.unread().update(read_at=timezone.now())


class Notification(models.Model):
    class Kind(models.TextChoices):
        # To the editors on duty (Chef vom Dienst):
        SUBMITTED = "submitted", _("Submitted for review")
        CORRECTION = "correction", _("Correction waiting for approval")
        # To the article's authors:
        PUBLISHED = "published", _("Published")
        SCHEDULED = "scheduled", _("Scheduled")
        RETURNED = "returned", _("Sent back")
        CORRECTION_APPROVED = "approved", _("Correction approved")
        CORRECTION_REJECTED = "rejected", _("Correction rejected")
        # To the conversation's participants:
        COMMENT = "comment", _("Reply")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    article = models.ForeignKey(
        Article, verbose_name=_("article"), on_delete=models.CASCADE, related_name="+"
    )
    pending_change = models.ForeignKey(
        PendingChange, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    text = models.TextField(_("comment"), blank=True)  # the comment, reply or reason
    scheduled_for = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(_("at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    # True until mailed (or given up: e-mail switched off meanwhile, no address).
    mail_pending = models.BooleanField(default=False)
    mailed_at = models.DateTimeField(null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            # The list, newest first; the "one per article" check.
            models.Index(fields=["recipient", "-created_at"], name="notification_list_idx"),
            # The bell on every admin page, and the mails still to send: small partial ones.
            models.Index(
                fields=["recipient"],
                condition=Q(read_at__isnull=True),
                name="notification_unread_idx",
            ),
            models.Index(
                fields=["recipient"], condition=Q(mail_pending=True), name="notification_mail_idx"
            ),
        ]

    def __str__(self):
        return self.summary()

    def summary(self) -> str:
        """One sentence in German: what happened, to which article."""
        values = {"actor": self.actor_name, "title": self.article.title}
        if self.kind == self.Kind.SCHEDULED and self.scheduled_for:
            moment = timezone.localtime(self.scheduled_for)
            values["moment"] = formats.date_format(moment, "d.m.Y, H:i")
        return gettext(SUMMARIES[self.kind]) % values

    @property
    def actor_name(self) -> str:
        if self.actor is None:
            return gettext("Someone")
        return self.actor.get_full_name() or self.actor.get_username()

    @property
    def text_label(self) -> str:
        if self.kind == self.Kind.CORRECTION_REJECTED:
            return gettext("Reason")
        return gettext("Comment")

    def get_target_url(self) -> str:
        """The admin page the notification is about (a correction's own page for those)."""
        if self.pending_change_id and self.kind == self.Kind.CORRECTION:
            return reverse("admin:articles_pendingchange_change", args=[self.pending_change_id])
        return reverse("admin:articles_article_change", args=[self.article_id])


# English msgids, translated when shown (the recipient's language, not the sender's).
SUMMARIES = {
    Notification.Kind.SUBMITTED: _("%(actor)s submitted “%(title)s” for review."),
    Notification.Kind.CORRECTION: _(
        "%(actor)s made a correction to “%(title)s”; it waits for approval."
    ),
    Notification.Kind.PUBLISHED: _("“%(title)s” is published (by %(actor)s)."),
    Notification.Kind.SCHEDULED: _("“%(title)s” is scheduled for %(moment)s (by %(actor)s)."),
    Notification.Kind.RETURNED: _("%(actor)s sent “%(title)s” back to draft."),
    Notification.Kind.CORRECTION_APPROVED: _(
        "Your correction to “%(title)s” was approved by %(actor)s."
    ),
    Notification.Kind.CORRECTION_REJECTED: _(
        "Your correction to “%(title)s” was rejected by %(actor)s."
    ),
    Notification.Kind.COMMENT: _("%(actor)s replied on “%(title)s”."),
}


class MailSettings(models.Model):
    """A user's choice about e-mail, and when the last one went out (for the digest)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="notification_mail",
    )
    enabled = models.BooleanField(
        _("E-mail notifications"),
        default=True,
        help_text=_(
            "Notifications also by e-mail: the first at once, further ones within a few "
            "minutes gathered into one message. In the admin you see them either way."
        ),
    )
    last_mailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("e-mail setting")
        verbose_name_plural = _("e-mail settings")

    def __str__(self):
        return str(self.user)
