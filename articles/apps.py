from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def ensure_roles(sender, **kwargs):
    """After every migrate (and every flush) the roles have exactly their permissions: the
    data migrations create them, this keeps them current when permissions are added."""
    from django.contrib.auth.models import Group, Permission

    from .groups import ensure_groups

    ensure_groups(Group, Permission)


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = _("Articles")

    def ready(self):
        from . import invalidation

        post_migrate.connect(ensure_roles, sender=self)
        invalidation.connect()
