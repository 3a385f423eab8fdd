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

        from .models import JOBS, job_tag

        def job_ad_changed(sender, instance, **kwargs):
            caching.invalidate(JOBS, job_tag(instance.pk), versions=[caching.ADS])

        post_migrate.connect(ensure_role, sender=self)
        # Banners are on every page (`ads`, newsroom.caching); job ads where `jobs` is (job
        # pages, the sidebar's list) and where that ad is shown (`job-<id>`: job boxes).
        caching.watch("ads.JobAd", receiver=job_ad_changed)
        caching.watch("ads.Banner", caching.ADS)
