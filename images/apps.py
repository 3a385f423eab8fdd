from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImagesConfig(AppConfig):
    name = "images"
    verbose_name = _("Image library")

    def ready(self):
        from . import signals  # noqa: F401  (renditions follow their image)
