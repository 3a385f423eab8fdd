from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

import ads.demo
import articles.demo
import newsroom.demo
import readership.demo
import weather.demo


class Command(BaseCommand):
    help = "Fill the database with the demo portal (safe to run again: nothing is duplicated)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--demo-logins",
            action="store_true",
            help="Also create the demo logins when DEBUG is off (their password is public).",
        )

    def handle(self, *args, demo_logins=False, **options):
        # The demo logins' password is printed in the README: never on a real site by chance.
        logins = settings.DEBUG or demo_logins
        with transaction.atomic():
            newsroom.demo.load(stdout=self.stdout, logins=logins)
            articles.demo.load(stdout=self.stdout)
            readership.demo.load(stdout=self.stdout)
            ads.demo.load(stdout=self.stdout)
            weather.demo.load(stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo portal ready."))
        if logins:
            self.stdout.write(newsroom.demo.logins())
        else:
            self.stdout.write(
                self.style.WARNING(
                    "No demo logins created: DEBUG is off and their password is public. "
                    "Create staff accounts with createsuperuser, or pass --demo-logins."
                )
            )
