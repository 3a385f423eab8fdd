from django.db import migrations

from ads.groups import ensure_ads_group
from newsroom.groups import create_permissions_now


def create_group(apps, schema_editor):
    create_permissions_now(apps)
    ensure_ads_group(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"))


def remove_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name="Anzeigen").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("ads", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_group, remove_group)]
