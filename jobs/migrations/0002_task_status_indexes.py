from django.db import migrations

TABLE = "django_tasks_database_dbtaskresult"


def index(status: str) -> migrations.RunSQL:
    # On django-tasks-db's table, which keeps an index for READY tasks only: /metrics counts
    # running and failed tasks at every scrape, among weeks of finished ones.
    name = f"jobs_task_{status.lower()}_idx"
    return migrations.RunSQL(
        f"CREATE INDEX {name} ON {TABLE} (status) WHERE status = '{status}'",
        f"DROP INDEX {name}",
    )


class Migration(migrations.Migration):
    dependencies = [
        ("jobs", "0001_initial"),
        ("django_tasks_database", "0021_conditional_partial_index_ordering"),
    ]

    operations = [index("RUNNING"), index("FAILED")]
