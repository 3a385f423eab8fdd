from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from jobs.models import ScheduledRun, Worker


class Command(BaseCommand):
    help = "Delete finished tasks, scheduled runs and gone workers older than TASK_RETENTION_DAYS."

    def handle(self, *args, **options):
        before = timezone.now() - timedelta(days=settings.TASK_RETENTION_DAYS)
        tasks, _ = DBTaskResult.objects.finished().filter(finished_at__lt=before).delete()
        runs, _ = ScheduledRun.objects.filter(slot__lt=before).delete()
        Worker.objects.filter(seen_at__lt=before).delete()
        self.stdout.write(f"{tasks} finished tasks and {runs} scheduled runs deleted.")
