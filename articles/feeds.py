"""RSS 2.0 and Atom feeds of the newest articles: the whole site, and each category with its
subcategories.

Each feed holds the 30 newest articles, read through the same indexed lists as the pages
(`published().for_listing()`, `newest_ids_in` + `in_order`) with authors and tags fetched in
one query each: a feed costs the same few queries with 5 articles or 30.

Teasers are plain text. Atom says so (a summary without type="html"); RSS readers take
<description> as HTML, so there the teaser is HTML-escaped before the XML is written: a
teaser reading `<img src=x onerror=alert(1)>` is shown as those characters, never run.
"""

from dataclasses import dataclass

from django.contrib.syndication.views import Feed
from django.db.models import prefetch_related_objects
from django.http import Http404, HttpRequest
from django.utils.feedgenerator import Atom1Feed, Enclosure, Rss201rev2Feed
from django.utils.html import escape
from django.utils.translation import gettext as _

from images.renditions import CONTENT_TYPES, CROPS
from newsroom.models import SiteSettings

from .models import Article, Category, TaggedArticle, category_index

FEED_SIZE = 30
DUBLIN_CORE = "http://purl.org/dc/elements/1.1/"


class AtomGenerator(Atom1Feed):
    """Atom with an <author> for each of the article's authors, and the teaser as a
    plain-text summary (Django marks the summary type="html")."""

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, {**item, "description": None, "author_name": None})
        for name in item["authors"]:
            handler.startElement("author", {})
            handler.addQuickElement("name", name)
            handler.endElement("author")
        if item["description"]:
            handler.addQuickElement("summary", item["description"])  # type="text" by default


class RssGenerator(Rss201rev2Feed):
    """RSS 2.0 with a <dc:creator> for each author (RSS's <author> wants an e-mail address)."""

    def rss_attributes(self):
        return {**super().rss_attributes(), "xmlns:dc": DUBLIN_CORE}

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, {**item, "author_name": None})
        for name in item["authors"]:
            handler.addQuickElement("dc:creator", name)


@dataclass(frozen=True)
class FeedSource:
    """What one request's feed is about (the Feed instance is shared by all requests)."""

    request: HttpRequest
    category: Category | None = None


def lead_image_enclosure(request, article) -> Enclosure | None:
    """The lead image's largest 16:9 rendition (1200 px wide, or the original's width if
    smaller) in the fallback format (JPEG, PNG for transparent originals)."""
    if not article.lead_image:
        return None
    renditions = article.lead_image.renditions
    url, _width, _height = renditions.largest(CROPS["wide"])
    # A rendition's size is known only once it is made (on first request); the RSS Best
    # Practices Profile asks for length "0" when the size is unknown.
    return Enclosure(request.build_absolute_uri(url), "0", CONTENT_TYPES[renditions.fallback])


class LatestArticlesFeed(Feed):
    """The newest articles as Atom: the whole site, or one category with its subcategories
    (`path`: the category's path, as in its address)."""

    feed_type = AtomGenerator

    def get_object(self, request, path=None):
        if path is None:
            return FeedSource(request)
        category = category_index(request).get(path)
        if category is None:
            raise Http404
        return FeedSource(request, category)

    def title(self, obj):
        site_name = SiteSettings.load(obj.request).site_name
        return f"{obj.category.name} – {site_name}" if obj.category else site_name

    def link(self, obj):
        return obj.category.get_absolute_url() if obj.category else "/"

    def subtitle(self, obj):
        if obj.category is None:
            return _("The latest articles")
        return _("The latest articles in “%(category)s”") % {"category": obj.category.name}

    def description(self, obj):  # RSS requires one for the channel
        return self.subtitle(obj)

    def author_name(self, obj):
        # Atom requires an author for the feed when an entry has none (RFC 4287, 4.1.1).
        return SiteSettings.load(obj.request).site_name

    def items(self, obj):
        if obj.category is None:
            articles = list(Article.objects.published().for_listing()[:FEED_SIZE])
        else:
            subtree = obj.category.subtree(obj.request)
            articles = Article.objects.in_order(Article.objects.newest_ids_in(subtree, FEED_SIZE))
        prefetch_related_objects(articles, "authors")
        # The tags' names straight from the links: taggit's prefetch adds a DISTINCT (a sort).
        tags: dict[int, list[str]] = {}
        links = TaggedArticle.objects.filter(content_object__in=articles)
        for pk, name in links.values_list("content_object_id", "tag__name"):
            tags.setdefault(pk, []).append(name)
        for article in articles:
            article.feed_tags = sorted(tags.get(article.pk, []))
            article.feed_enclosure = lead_image_enclosure(obj.request, article)
        return articles

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
        return [item.category.name, *item.feed_tags]

    def item_enclosures(self, item):
        return [item.feed_enclosure] if item.feed_enclosure else []

    def item_extra_kwargs(self, item):
        return {"authors": [author.name for author in item.authors.all()]}


class LatestArticlesRssFeed(LatestArticlesFeed):
    """The same articles as RSS 2.0."""

    feed_type = RssGenerator

    def item_description(self, item):
        # Readers take an RSS description as HTML: the plain-text teaser is escaped for it.
        return escape(item.excerpt)
