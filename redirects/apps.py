from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RedirectsConfig(AppConfig):
    name = "redirects"
    verbose_name = _("Redirects")

    def ready(self):
        from articles.invalidation import MISSING
        from newsroom import caching

        # A cached 404 (or an earlier target) at the old address must go.
        caching.watch("redirects.Redirect", MISSING)
