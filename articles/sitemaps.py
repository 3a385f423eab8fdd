from django.contrib.sitemaps import Sitemap

from .models import Article, Category


class ArticleSitemap(Sitemap):
    changefreq = "daily"
    limit = 5000

    def items(self):
        return Article.objects.published().select_related("category").order_by("-published_at")

    def lastmod(self, item):
        return item.updated_at or item.published_at


class CategorySitemap(Sitemap):
    changefreq = "hourly"

    def items(self):
        return Category.objects.all()
