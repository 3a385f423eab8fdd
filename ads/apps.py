from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def ensure_role(sender, **kwargs):
    """The "Anzeigen" group keeps exactly its permissions after every migrate (and flush)."""
    from django.contrib.auth.models import Group, Permission

    from .groups import ensure_ads_group

    ensure_ads_group(Group, Permission)


class AdsConfig(AppConfig):
    name = "ads"
    verbose_name = _("Ads")

    def ready(self):
        from newsroom import caching

        from .models import JOBS

        post_migrate.connect(ensure_role, sender=self)
        # Banners are on every page (`ads`, newsroom.caching); job ads only where `jobs` is.
        caching.watch("ads.JobAd", JOBS, versions=[caching.ADS])
        caching.watch("ads.Banner", caching.ADS)
