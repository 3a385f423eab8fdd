from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from wordpress.importer import import_wordpress
from wordpress.wxr import WXRError


class Command(BaseCommand):
    help = _(
        "Import a WordPress export (Tools → Export, “All content”: a WXR file, also .xml.gz): "
        "authors, categories, tags, images, posts and pages, and a redirect for every old "
        "address. Safe to repeat while the old site still publishes."
    )

    def add_arguments(self, parser):
        parser.add_argument("export", help=_("The WXR file (.xml or .xml.gz)."))
        parser.add_argument(
            "--uploads",
            help=_(
                "The copied wp-content/uploads folder. Files not found there are downloaded "
                "from the old site."
            ),
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help=_("Check and report everything, write nothing."),
        )

    def handle(self, *args, export, uploads=None, dry_run=False, **options):
        try:
            report = import_wordpress(export, uploads=uploads, dry_run=dry_run, stream=self.stderr)
        except FileNotFoundError as error:
            raise CommandError(_("File not found: %(name)s") % {"name": error.filename}) from error
        except WXRError as error:
            raise CommandError(
                _("The export was refused, nothing was imported. %(reason)s") % {"reason": error}
            ) from error
        self.stdout.write("\n".join(report.lines()))
