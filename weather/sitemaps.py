"""The weather pages' section of the sitemap index (newsroom.sitemaps)."""

from newsroom.caching import WEATHER
from newsroom.sitemaps import OnePageSection, Sections

from .models import Place


class WeatherSitemap(OnePageSection):
    """A page per place: /wetter/ for the default place, /wetter/<slug>/ for the others."""

    changefreq = "hourly"
    cache_tags = (WEATHER,)

    def items(self):
        return Place.objects.only("slug", "is_default")

    def probe(self):
        return Place.objects.all()


def sitemap_sections() -> Sections:
    return {"weather": WeatherSitemap()}
