"""Make the renditions of library images ahead of time (after an import, after a change of
crops or widths in images.renditions), so that no reader waits for one to be made."""

from django.core.management.base import BaseCommand
from django.db.models import Q

from images import renditions
from images.models import Image


class Command(BaseCommand):
    help = "Stores the renditions of library images that are missing; --force renews all."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Replace existing renditions.")
        parser.add_argument(
            "--since", metavar="YYYY-MM-DD", help="Only images uploaded or changed since then."
        )

    def handle(self, *args, force=False, since=None, **options):
        images = Image.objects.order_by("pk")
        if since:
            images = images.filter(Q(created_at__date__gte=since) | Q(updated_at__date__gte=since))
        images_done = written = failed = 0
        for image in images.iterator(chunk_size=200):
            renditions.delete_outdated(image)
            try:
                written += image.renditions.generate(force=force)
            except OSError as exc:  # a missing or unreadable original: report, go on
                failed += 1
                self.stderr.write(f"{image.file.name}: {exc}")
            images_done += 1
        self.stdout.write(
            f"{images_done} images, {written} renditions stored, {failed} originals unreadable."
        )
