from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from accounts.forms import AdminLoginForm
from articles import sitemaps as article_sitemaps
from articles.feeds import LatestArticlesFeed, LatestArticlesRssFeed
from newsroom.caching import LIST, cache_tags

admin.site.site_header = _("Newsroom administration")
admin.site.site_title = _("Newsroom")
# The login asks for the second factor's code too (accounts/).
admin.site.login_form = AdminLoginForm
admin.site.login_template = "accounts/login.html"

handler500 = "newsroom.views.server_error"

urlpatterns = [
    # Setting up the second factor, below the admin's address (its caching and headers).
    path(_("admin/two-factor/"), include("accounts.urls")),
    path("admin/", admin.site.urls),
    # The newest articles as Atom and RSS: the site, and a category with its subcategories.
    path("feed/", cache_tags(LIST)(LatestArticlesFeed()), name="feed"),
    path("feed/rss/", cache_tags(LIST)(LatestArticlesRssFeed()), name="feed-rss"),
    path(
        _("feed/category/<path:path>/"),
        cache_tags(LIST)(LatestArticlesFeed()),
        name="feed-category",
    ),
    path(
        _("feed/rss/category/<path:path>/"),
        cache_tags(LIST)(LatestArticlesRssFeed()),
        name="feed-category-rss",
    ),
    # An index of sections by id range: every article is listed, each section is bounded.
    path("sitemap.xml", cache_tags(LIST)(article_sitemaps.index), name="sitemap"),
    path(
        "sitemap-<section>.xml",
        cache_tags(LIST)(article_sitemaps.section),
        name="sitemap-section",
    ),
    path("", include("newsroom.site_urls")),
    path("", include("ads.urls")),
    path("", include("readership.urls")),
    path("", include("weather.urls")),
    path("", include("images.urls")),
]
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
# The articles' catch-all pattern for categories comes last.
urlpatterns += [path("", include("articles.urls"))]
