from django.core.management.base import BaseCommand
from django.db import transaction

import ads.demo
import articles.demo
import newsroom.demo
import readership.demo
import weather.demo


class Command(BaseCommand):
    help = "Fill the database with the demo portal (safe to run again: nothing is duplicated)."

    def handle(self, *args, **options):
        with transaction.atomic():
            newsroom.demo.load(stdout=self.stdout)
            articles.demo.load(stdout=self.stdout)
            readership.demo.load(stdout=self.stdout)
            ads.demo.load(stdout=self.stdout)
            weather.demo.load(stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo portal ready."))
        self.stdout.write(newsroom.demo.logins())
