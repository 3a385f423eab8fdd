from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NewsroomConfig(AppConfig):
    name = "newsroom"
    verbose_name = _("Site")

    def ready(self):
        from . import caching, checks  # noqa: F401 -- registers the deploy checks

        caching.connect_signals()
