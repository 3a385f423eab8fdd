"""Writing and purging the audit log. Every entry goes through audit_entry_create."""

import ipaddress
import logging
from contextvars import ContextVar
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import DatabaseError, models, transaction
from django.utils import timezone

from .models import AuditEntry

logger = logging.getLogger(__name__)

# The address of the request being handled (audit.middleware), for entries written where no
# request is at hand: services, the admin's own log.
current_ip: ContextVar[str] = ContextVar("audit_current_ip", default="")
# True while the admin's bulk delete runs: it records its objects itself (audit.admin).
bulk_deleting: ContextVar[bool] = ContextVar("audit_bulk_deleting", default=False)


def _address(value: str) -> str | None:
    """A valid address or None (PostgreSQL's inet column refuses anything else)."""
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def audit_entry_create(
    *,
    action: str,
    actor=None,
    obj: models.Model | None = None,
    content_type: ContentType | None = None,
    object_id: str = "",
    object_repr: str = "",
    detail: str = "",
    ip: str | None = None,
) -> AuditEntry | None:
    """Record one staff action; `obj` names the object, or content_type/object_id/
    object_repr for one that is gone. The address defaults to the current request's.

    A failure to write is logged with everything the entry held, never raised: the action
    it records (a deletion, a publication) has happened and must not fail because of it."""
    if obj is not None:
        content_type = ContentType.objects.get_for_model(obj, for_concrete_model=False)
        object_id, object_repr = str(obj.pk), str(obj)
    entry = AuditEntry(
        action=action,
        actor=actor if actor is not None and actor.pk else None,
        actor_name=actor.get_username() if actor is not None else "",
        content_type=content_type,
        object_id=str(object_id or "")[:64],
        object_repr=(object_repr or "")[:200],
        detail=detail,
        ip_address=_address(current_ip.get() if ip is None else ip),
    )
    try:
        # A savepoint: inside the action's transaction a failed insert leaves it usable.
        with transaction.atomic():
            entry.save()
    except DatabaseError:
        logger.exception(
            "Audit entry not written: %s by %r on %s %s (%r) from %s: %s",
            action, entry.actor_name, content_type, object_id, object_repr,
            entry.ip_address, detail,
        )  # fmt: skip
        return None
    return entry


def audit_entries_purge(*, now: datetime | None = None, batch_size: int = 5000) -> int:
    """Delete entries older than AUDIT_RETENTION_DAYS, a batch per statement so that no
    long transaction locks the table. Returns the number deleted."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.AUDIT_RETENTION_DAYS)
    deleted = 0
    while True:
        batch = list(
            AuditEntry.objects.filter(created_at__lt=cutoff)
            .order_by("created_at", "id")
            .values_list("pk", flat=True)[:batch_size]
        )
        if not batch:
            return deleted
        deleted += AuditEntry.objects.filter(pk__in=batch).delete()[0]
