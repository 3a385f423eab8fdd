from django.db import migrations

from articles.groups import EDITOR_GROUP_NAME, ensure_groups
from newsroom.groups import create_permissions_now


def update_groups(apps, schema_editor):
    create_permissions_now(apps)
    ensure_groups(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"))


def remove_editor_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=EDITOR_GROUP_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0006_workflow"),
    ]

    operations = [migrations.RunPython(update_groups, remove_editor_group)]
