from django.contrib.sitemaps import Sitemap
from django.db.models import Max

from .models import Article, Category


class ArticleSitemap(Sitemap):
    changefreq = "daily"
    limit = 5000

    def items(self):
        return Article.objects.published().select_related("category").order_by("-published_at")

    def lastmod(self, item):
        return item.updated_at or item.published_at

    def get_latest_lastmod(self):
        # For the index; Django's default would load every article to find the newest date.
        dates = self.items().aggregate(Max("published_at"), Max("updated_at")).values()
        return max((d for d in dates if d), default=None)


class CategorySitemap(Sitemap):
    changefreq = "hourly"

    def items(self):
        return Category.objects.all()
