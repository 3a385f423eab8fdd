from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from newsroom.backup import BackupError, archives, backup_restore


class Command(BaseCommand):
    help = (
        "Restore an archive written by `manage.py backup`: the database and the media files. "
        "Onto an empty install (migrated, no data, no media) unless --replace is given; the "
        "archive is checked completely before anything is changed."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", nargs="?", help="The archive (newsroom-….tar.gz).")
        parser.add_argument(
            "--latest", action="store_true", help="The newest archive in BACKUP_DIR."
        )
        parser.add_argument(
            "--replace",
            action="store_true",
            help="Overwrite the data of this install (the whole database, and media files "
            "of the same name).",
        )

    def handle(self, *args, archive=None, latest=False, replace=False, **options):
        if bool(archive) == latest:
            raise CommandError(_("Name one archive, or pass --latest."))
        if latest:
            found = archives()
            if not found:
                raise CommandError(
                    _("There is no archive in %(dir)s.") % {"dir": settings.BACKUP_DIR}
                )
            archive = found[-1]
        try:
            result = backup_restore(archive=Path(archive), replace=replace)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            ngettext(
                "Restored %(path)s from %(created)s: the database and %(count)s media file.",
                "Restored %(path)s from %(created)s: the database and %(count)s media files.",
                result.media_files,
            )
            % {
                "path": archive,
                "created": formats.date_format(
                    timezone.localtime(result.created), "DATETIME_FORMAT"
                ),
                "count": result.media_files,
            }
        )
        if result.migrations_pending:
            self.stdout.write(
                _("The archive is older than this version: run `manage.py migrate` now.")
            )
