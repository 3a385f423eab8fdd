import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections

from newsroom.locks import run_lock
from weather.models import Place
from weather.providers import get_provider
from weather.services import weather_refresh_places

# sysexits.h EX_TEMPFAIL ("try again later"): another run still holds the lock.
EXIT_ALREADY_RUNNING = 75


class Command(BaseCommand):
    help = (
        "Fetch current conditions, forecast and warnings for every weather place. "
        "Run it every 15-30 minutes (cron or a systemd timer); pages only read what it stored. "
        "Runs never overlap: while one runs, another exits at once with status 75."
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
        places = Place.objects.refresh_order()
        if slugs:
            places = places.filter(slug__in=slugs)
            missing = set(slugs) - set(places.values_list("slug", flat=True))
            if missing:
                raise CommandError(f"No weather place with slug: {', '.join(sorted(missing))}")
        while True:
            # Locked per round, so that a manual run fits between the rounds of `--every`.
            with run_lock("refresh_weather") as acquired:
                if acquired:
                    failed = self.refresh(list(places.all()), provider)  # new places, too
                elif not every:
                    raise CommandError(
                        "Another refresh_weather run is still going; this one did nothing.",
                        returncode=EXIT_ALREADY_RUNNING,
                    )
                else:
                    failed = 0
                    self.stdout.write("Another refresh_weather run is still going; round skipped.")
            if not every:
                break
            close_old_connections()  # a long-running loop must not keep a dead connection
            time.sleep(every)
        if failed:
            # A non-zero exit makes cron mail and systemd mark the run as failed.
            raise CommandError(f"{failed} place(s) not fully refreshed; see the log above.")

    def refresh(self, places: list[Place], provider) -> int:
        run = weather_refresh_places(
            places=places,
            provider=provider,
            concurrency=settings.WEATHER_CONCURRENCY,
            budget=settings.WEATHER_REFRESH_BUDGET,
        )
        for result in run.results:
            if result.ok:
                self.stdout.write(f"{result.place.name}: updated ({provider.name}).")
            elif "crash" in result.failed:
                self.stdout.write(f"{result.place.name}: refresh crashed; see the log.")
            else:
                self.stdout.write(
                    f"{result.place.name}: kept the last good data for {', '.join(result.failed)}."
                )
        for place in run.not_reached:
            self.stdout.write(f"{place.name}: not reached within the time budget, data kept.")
        return run.failed
