from django.db import migrations

from articles.groups import GROUP_NAME, ensure_newsroom_group
from newsroom.groups import create_permissions_now


def create_group(apps, schema_editor):
    create_permissions_now(apps)
    ensure_newsroom_group(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"))


def remove_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_group, remove_group)]
