import os

from django.core.management.base import CommandError
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV, run_with_reloader
from django_tasks_db.management.commands import db_worker

from jobs.worker import RetryingWorker


class Command(db_worker.Command):
    help = (
        "Run background tasks (all queues by default), retrying failed ones with backoff "
        "and taking over those of lost workers; --schedule also enqueues scheduled jobs."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.set_defaults(queue_name="*")
        parser.add_argument(
            "--schedule",
            action="store_true",
            help="Also enqueue the scheduled jobs that are due (as `run_schedule` does).",
        )

    def handle(self, *, verbosity, queue_name, exclude_queues, reload, schedule=False, **options):
        self.configure_logging(verbosity)
        queue_names = queue_name.split(",")
        excluded = exclude_queues.split(",") if exclude_queues else []
        if excluded and "*" not in queue_names:
            raise CommandError("--exclude-queues can only be used with --queue-name=*")
        worker = RetryingWorker(
            schedule=schedule,
            queue_names=queue_names,
            excluded_queue_names=excluded,
            **{key: options[key] for key in (
                "interval", "batch", "backend_name", "startup_delay", "max_tasks", "worker_id"
            )},
        )  # fmt: skip
        if reload and not options["batch"]:
            if os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
                worker.configure_signals()
            run_with_reloader(worker.run)
        else:
            worker.configure_signals()
            worker.run()
