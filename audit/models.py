from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Action(models.TextChoices):
    LOGIN = "login", _("Login")
    LOGIN_FAILED = "login_failed", _("Failed login")
    LOCKOUT = "lockout", _("Locked out")
    PUBLISH = "publish", _("Published")
    UNPUBLISH = "unpublish", _("Unpublished")
    AD_APPROVE = "ad_approve", _("Job ad approved")
    AD_REJECT = "ad_reject", _("Job ad rejected")
    DELETE = "delete", _("Deleted")
    SETTINGS_CHANGE = "settings_change", _("Site settings changed")
    USER_CHANGE = "user_change", _("User or group changed")


class AuditEntry(models.Model):
    """One staff action that matters, kept for AUDIT_RETENTION_DAYS (manage.py
    purge_audit_log). Written by audit.services; read-only for everybody."""

    Action = Action

    created_at = models.DateTimeField(_("when"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Kept as text: the entry outlives the user's account.
    actor_name = models.CharField(_("by"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    content_type = models.ForeignKey(
        ContentType,
        verbose_name=_("object type"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    object_id = models.CharField(_("object ID"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    detail = models.TextField(_("details"), blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("audit log entry")
        verbose_name_plural = _("audit log")
        # The admin reads the newest page (all entries or one action's) and the purge
        # deletes by date: each walks an index and stops, whatever the table's size.
        indexes = [
            models.Index(fields=["created_at", "id"], name="audit_newest_idx"),
            models.Index(fields=["action", "created_at", "id"], name="audit_action_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(action__in=Action.values),
                name="audit_action_valid",
            )
        ]

    def __str__(self):
        return f"{self.get_action_display()}: {self.object_repr or self.actor_name}"
