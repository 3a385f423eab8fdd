from django.contrib.syndication.views import Feed
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext_lazy as _

from newsroom.models import SiteSettings

from .models import Article


class LatestArticlesFeed(Feed):
    """The 30 newest articles as Atom, for feed readers and aggregators."""

    feed_type = Atom1Feed
    link = "/"
    subtitle = _("The latest articles")

    def title(self):
        return SiteSettings.load().site_name

    def items(self):
        return Article.objects.published().for_listing()[:30]

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        return item.excerpt

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        # Atom requires <updated> on every entry.
        return item.updated_at or item.published_at

    def item_categories(self, item):
        return [item.category.name]
