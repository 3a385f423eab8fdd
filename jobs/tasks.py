from django.core.management import call_command
from django_tasks import task


@task()
def run_command(name: str, *args: str) -> None:
    """A scheduled job: a management command, as a cron line would have run it."""
    call_command(name, *args)
