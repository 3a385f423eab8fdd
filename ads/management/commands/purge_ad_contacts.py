from django.conf import settings
from django.core.management.base import BaseCommand

from ads.services import job_ad_contacts_purge


class Command(BaseCommand):
    help = (
        "Delete the contact details of rejected and ended job ads after "
        "ADS_CONTACT_RETENTION_DAYS days (run daily, e.g. from cron)."
    )

    def handle(self, *args, **options):
        purged = job_ad_contacts_purge()
        self.stdout.write(
            f"Contact data deleted from {purged} job ad(s) "
            f"(retention: {settings.ADS_CONTACT_RETENTION_DAYS} days)."
        )
