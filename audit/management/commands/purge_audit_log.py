from django.conf import settings
from django.core.management.base import BaseCommand

from audit.services import audit_entries_purge


class Command(BaseCommand):
    help = (
        "Delete audit log entries older than AUDIT_RETENTION_DAYS days (run daily, e.g. from cron)."
    )

    def handle(self, *args, **options):
        deleted = audit_entries_purge()
        self.stdout.write(
            f"{deleted} audit log entr{'y' if deleted == 1 else 'ies'} deleted "
            f"(retention: {settings.AUDIT_RETENTION_DAYS} days)."
        )
