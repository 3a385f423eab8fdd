from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from articles.feeds import LatestArticlesFeed
from articles.sitemaps import ArticleSitemap, CategorySitemap

admin.site.site_header = _("Newsroom administration")
admin.site.site_title = _("Newsroom")

handler500 = "newsroom.views.server_error"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("feed/", LatestArticlesFeed(), name="feed"),
    path(
        "sitemap.xml",
        sitemap,
        {"sitemaps": {"articles": ArticleSitemap, "categories": CategorySitemap}},
        name="sitemap",
    ),
    path("", include("newsroom.site_urls")),
    path("", include("ads.urls")),
    path("", include("weather.urls")),
]
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
# The articles' catch-all pattern for categories comes last.
urlpatterns += [path("", include("articles.urls"))]
