import logging
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections

from weather.models import Place
from weather.providers import get_provider
from weather.services import weather_refresh

logger = logging.getLogger("weather.services")


class Command(BaseCommand):
    help = (
        "Fetch current conditions, forecast and warnings for every weather place. "
        "Run it every 15-30 minutes (cron or a systemd timer); pages only read what it stored."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--place", action="append", dest="slugs", metavar="SLUG", help="Only this place."
        )
        parser.add_argument(
            "--every",
            type=int,
            metavar="SECONDS",
            help="Keep running and refresh again every SECONDS (for `make run`; "
            "production uses cron or a systemd timer).",
        )

    def handle(self, *args, slugs=None, every=None, **options):
        provider = get_provider()  # settings are read once per run
        places = Place.objects.all()
        if slugs:
            places = places.filter(slug__in=slugs)
            missing = set(slugs) - set(places.values_list("slug", flat=True))
            if missing:
                raise CommandError(f"No weather place with slug: {', '.join(sorted(missing))}")
        while True:
            failed = self.refresh(list(places.all()), provider)  # places added meanwhile, too
            if not every:
                break
            close_old_connections()  # a long-running loop must not keep a dead connection
            time.sleep(every)
        if failed:
            # A non-zero exit makes cron mail and systemd mark the run as failed.
            raise CommandError(f"{failed} place(s) not fully refreshed; see the log above.")

    def refresh(self, places: list[Place], provider) -> int:
        failed = 0
        for place in places:
            try:
                result = weather_refresh(place=place, provider=provider)
            except Exception:
                # A bug with one place's answer must not stop the others.
                logger.exception("Weather for %s: refresh crashed", place.name)
                failed += 1
                continue
            if result.ok:
                self.stdout.write(f"{place.name}: updated ({provider.name}).")
            else:
                failed += 1
                self.stdout.write(
                    f"{place.name}: kept the last good data for {', '.join(result.failed)}."
                )
        return failed
