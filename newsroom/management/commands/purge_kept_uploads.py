from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand
from django.utils import timezone

from newsroom.uploads import KEPT_DIR, KEPT_MAX_AGE


class Command(BaseCommand):
    help = (
        f"Delete images kept for a form after a validation error ({KEPT_DIR}/ in the media "
        "storage) that are older than 24 hours: their tokens have expired, so no form can "
        "use them any more. Run it daily, e.g. from cron."
    )

    def handle(self, *args, **options):
        try:
            _dirs, files = default_storage.listdir(KEPT_DIR)
        except FileNotFoundError:
            files = []  # nothing has been kept yet
        cutoff = timezone.now() - KEPT_MAX_AGE
        deleted = 0
        for filename in files:
            path = f"{KEPT_DIR}/{filename}"
            if default_storage.get_modified_time(path) < cutoff:
                default_storage.delete(path)
                deleted += 1
        self.stdout.write(f"{deleted} kept upload(s) deleted.")
