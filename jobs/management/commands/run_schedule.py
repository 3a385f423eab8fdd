from django.core.management.base import BaseCommand

from jobs import schedule


class Command(BaseCommand):
    help = (
        "Enqueue the scheduled jobs that are due (settings.TASK_SCHEDULE), once across all "
        "servers. Run it every minute (deploy/systemd/newsroom-schedule.timer)."
    )

    def handle(self, *args, **options):
        enqueued = schedule.enqueue_due()
        self.stdout.write(f"Enqueued: {', '.join(enqueued)}" if enqueued else "Nothing due.")
