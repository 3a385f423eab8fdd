from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from newsroom.backup import BackupError, backup_create
from newsroom.locks import run_lock


class Command(BaseCommand):
    help = (
        "Write one compressed archive with the database and every media file to BACKUP_DIR, "
        "then delete the archives beyond the newest BACKUP_KEEP. Run it daily, e.g. from cron; "
        "`manage.py restore` brings an archive back."
    )

    def handle(self, *args, **options):
        # Two runs at once (a slow night, a manual run) would race over retention.
        with run_lock("backup") as acquired:
            if not acquired:
                raise CommandError(_("Another backup is still running; this one did nothing."))
            try:
                result = backup_create()
            except BackupError as error:
                # A non-zero exit makes cron mail and systemd mark the run as failed.
                raise CommandError(str(error)) from error
        self.stdout.write(
            ngettext(
                "Backup written: %(path)s (%(size)s, database and %(count)s media file).",
                "Backup written: %(path)s (%(size)s, database and %(count)s media files).",
                result.media_files,
            )
            % {
                "path": result.path,
                "size": filesizeformat(result.size),
                "count": result.media_files,
            }
        )
        for name in result.vanished:
            self.stderr.write(
                _("%(name)s was deleted while the backup ran and is not in it.") % {"name": name}
            )
        for key in result.skipped:
            self.stderr.write(
                _("%(key)s in the bucket has a name no restore would accept; it is not in the "
                  "backup.") % {"key": key}
            )  # fmt: skip
        for path in result.deleted:
            self.stdout.write(
                _("Deleted %(path)s (keeping the newest %(keep)s).")
                % {"path": path.name, "keep": settings.BACKUP_KEEP}
            )
