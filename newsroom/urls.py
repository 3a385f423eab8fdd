from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from accounts.forms import AdminLoginForm
from ads import sitemaps as ad_sitemaps
from articles import sitemaps as article_sitemaps
from articles.feeds import LatestArticlesFeed, LatestArticlesRssFeed
from articles.invalidation import FEED
from newsroom import sitemaps, views
from newsroom.caching import LIST, cache_tags
from weather import sitemaps as weather_sitemaps

admin.site.site_header = _("Newsroom administration")
admin.site.site_title = _("Newsroom")
# The login asks for the second factor's code too (accounts/).
admin.site.login_form = AdminLoginForm
admin.site.login_template = "accounts/login.html"

handler500 = "newsroom.views.server_error"

# The sections of the sitemap index, app by app (see newsroom.sitemaps).
SITEMAPS = {
    "sections": [
        sitemaps.sitemap_sections,
        article_sitemaps.sitemap_sections,
        ad_sitemaps.sitemap_sections,
        weather_sitemaps.sitemap_sections,
    ]
}

urlpatterns = [
    # Setting up the second factor, below the admin's address (its caching and headers).
    path(_("admin/two-factor/"), include("accounts.urls")),
    path(_("admin/notifications/"), include("notifications.urls")),
    path("admin/", admin.site.urls),
    # The newest articles as Atom and RSS: the site, and a category with its subcategories.
    path("feed/", cache_tags(LIST, FEED)(LatestArticlesFeed()), name="feed"),
    path("feed/rss/", cache_tags(LIST, FEED)(LatestArticlesRssFeed()), name="feed-rss"),
    path(
        _("feed/category/<path:path>/"),
        cache_tags(LIST, FEED)(LatestArticlesFeed()),
        name="feed-category",
    ),
    path(
        _("feed/rss/category/<path:path>/"),
        cache_tags(LIST, FEED)(LatestArticlesRssFeed()),
        name="feed-category-rss",
    ),
    # The sitemap index of every app's sections (articles by id range: each one bounded),
    # and robots.txt, which names it.
    path("sitemap.xml", sitemaps.index, SITEMAPS, name="sitemap"),
    path("sitemap-<section>.xml", sitemaps.section, SITEMAPS, name="sitemap-section"),
    path("robots.txt", sitemaps.robots_txt, SITEMAPS, name="robots"),
    path("", include("newsroom.site_urls")),
    path("", include("ads.urls")),
    path("", include("readership.urls")),
    path("", include("weather.urls")),
    path("", include("images.urls")),
]
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
    # In debug a missing page shows Django's technical 404: these show the designed ones.
    urlpatterns += [
        path("404/", views.preview_not_found),
        path("500/", views.server_error),
    ]
# The articles' catch-all pattern for categories comes last.
urlpatterns += [path("", include("articles.urls"))]
