from django.core.management.base import BaseCommand

from notifications.mail import send_due


class Command(BaseCommand):
    help = "Send the notification e-mails that are due (e.g. every minute from a timer)."

    def handle(self, *args, **options):
        sent = send_due()
        if options["verbosity"] > 1 or sent:
            self.stdout.write(f"{sent} e-mail(s) sent.")
