from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.contrib.sitemaps import views as sitemaps
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from articles.feeds import LatestArticlesFeed
from articles.sitemaps import ArticleSitemap, CategorySitemap

admin.site.site_header = _("Newsroom administration")
admin.site.site_title = _("Newsroom")

handler500 = "newsroom.views.server_error"

SITEMAPS = {"articles": ArticleSitemap, "categories": CategorySitemap}

urlpatterns = [
    path("admin/", admin.site.urls),
    path("feed/", LatestArticlesFeed(), name="feed"),
    # An index of sections, each paginated: every article is listed, not only the newest
    # page of them.
    path(
        "sitemap.xml",
        sitemaps.index,
        {"sitemaps": SITEMAPS, "sitemap_url_name": "sitemap-section"},
        name="sitemap",
    ),
    path(
        "sitemap-<section>.xml",
        sitemaps.sitemap,
        {"sitemaps": SITEMAPS},
        name="sitemap-section",
    ),
    path("", include("newsroom.site_urls")),
    path("", include("ads.urls")),
    path("", include("weather.urls")),
]
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
# The articles' catch-all pattern for categories comes last.
urlpatterns += [path("", include("articles.urls"))]
