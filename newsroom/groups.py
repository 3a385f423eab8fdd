"""Staff groups with exactly the permissions their work needs, created by data migrations."""

from django.contrib.auth.management import create_permissions


def create_permissions_now(apps) -> None:
    """Permissions are normally created after all migrations; a group needs them earlier."""
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None


def ensure_group(group_model, permission_model, name: str, permissions: dict[str, list[str]]):
    """Create (or reset) the group `name` with {app_label: [codename, ...]} permissions."""
    group, _ = group_model.objects.get_or_create(name=name)
    wanted = permission_model.objects.none()
    for app_label, codenames in permissions.items():
        wanted = wanted | permission_model.objects.filter(
            content_type__app_label=app_label, codename__in=codenames
        )
    group.permissions.set(wanted)
    return group
