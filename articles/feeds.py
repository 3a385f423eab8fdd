"""RSS 2.0 and Atom feeds of the newest articles: the whole site, and each category with its
subcategories.

Each feed holds the 30 newest articles, read through the same indexed lists as the pages
(`published().for_listing()`, `newest_ids_in` + `in_order`) with authors and tags fetched in
one query each: a feed costs the same few queries with 5 articles or 30.

Teasers are plain text. Atom says so (a summary without type="html"); RSS readers take
<description> as HTML, so there the teaser (and the channel's description, which holds the
category's name) is HTML-escaped before the XML is written: a teaser reading
`<img src=x onerror=alert(1)>` is shown as those characters, never run.

Entries are identified by a `tag:` URI (RFC 4151) of the host and the article's number, not
by their address: the address holds the category path and changes when an article moves,
and an entry whose id changes is shown again as new (RFC 4287, 4.2.6).
"""

import logging
from dataclasses import dataclass

from django.contrib.syndication.views import Feed
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.db.models import prefetch_related_objects
from django.http import Http404, HttpRequest
from django.http.request import split_domain_port
from django.utils.feedgenerator import Atom1Feed, Enclosure, Rss201rev2Feed
from django.utils.html import escape
from django.utils.translation import gettext as _

from images.renditions import CONTENT_TYPES, CROPS
from newsroom.models import SiteSettings

from .models import Article, Category, TaggedArticle, category_index

logger = logging.getLogger(__name__)

FEED_SIZE = 30
DUBLIN_CORE = "http://purl.org/dc/elements/1.1/"
# The date of the ids' `tag:` URIs (RFC 4151: a day on which the site owned its host name).
# Part of every id readers have stored: never change it.
FEED_ID_DATE = "2025"
# A rendition never changes under its name (images.renditions): its size may be kept long.
SIZE_TIMEOUT = 30 * 24 * 3600


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


def tag_uri(request, specific: str) -> str:
    """A permanent id on this site (RFC 4151): `tag:example.org,2025:article-42`."""
    host, _port = split_domain_port(request.get_host())
    return f"tag:{host},{FEED_ID_DATE}:{specific}"


def lead_image_enclosures(request, articles) -> dict[int, Enclosure]:
    """Each lead image's largest 16:9 rendition (1200 px wide, or the original's width if
    smaller) in the fallback format (JPEG, PNG for transparent originals), by article.

    RSS requires the file's length in bytes. The sizes are kept in the app cache and read in
    one go; only a rendition the cache does not know is measured on the storage, and made
    first if nobody has asked for it yet (the first reader's request would make it anyway).
    An image whose original is gone gets no enclosure: its address would answer 404."""
    crop = CROPS["wide"]
    files = {}  # article pk: (renditions, (crop, width, format)), cache key
    for article in articles:
        if article.lead_image:
            renditions = article.lead_image.renditions
            file = (crop, renditions.widths(crop)[-1], renditions.fallback)
            files[article.pk] = renditions, file, f"rendition-size:{renditions.name(*file)}"
    sizes = cache.get_many([key for _r, _f, key in files.values()])
    measured = {}
    for renditions, file, key in files.values():
        if key not in sizes:
            try:
                renditions.generate([file])
                measured[key] = default_storage.size(renditions.name(*file))
            except OSError as exc:  # the original is missing or unreadable
                logger.warning("No enclosure for image %s: %s", renditions.image.pk, exc)
    cache.set_many(measured, timeout=SIZE_TIMEOUT)
    sizes |= measured
    return {
        pk: Enclosure(
            request.build_absolute_uri(renditions.url(*file)),
            str(sizes[key]),
            CONTENT_TYPES[renditions.fallback],
        )
        for pk, (renditions, file, key) in files.items()
        if key in sizes
    }


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

    def feed_guid(self, obj):
        # Atom's feed id: the category's address changes when it is renamed or moved.
        return tag_uri(obj.request, f"feed:category-{obj.category.pk}" if obj.category else "feed")

    def subtitle(self, obj):
        if obj.category is None:
            return _("The latest articles")
        return _("The latest articles in “%(category)s”") % {"category": obj.category.name}

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
        enclosures = lead_image_enclosures(obj.request, articles)
        for article in articles:
            # The category, then the tags; a tag named like the category is the same word.
            article.feed_categories = [article.category.name]
            for name in sorted(tags.get(article.pk, [])):
                if name.casefold() not in {c.casefold() for c in article.feed_categories}:
                    article.feed_categories.append(name)
            article.feed_enclosure = enclosures.get(article.pk)
            article.feed_id = tag_uri(obj.request, f"article-{article.pk}")
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

    def item_guid(self, item):
        return item.feed_id

    def item_guid_is_permalink(self, item):
        return False  # RSS: the guid is an id, not the article's address

    def item_categories(self, item):
        return item.feed_categories

    def item_enclosures(self, item):
        return [item.feed_enclosure] if item.feed_enclosure else []

    def item_extra_kwargs(self, item):
        return {"authors": [author.name for author in item.authors.all()]}


class LatestArticlesRssFeed(LatestArticlesFeed):
    """The same articles as RSS 2.0."""

    feed_type = RssGenerator

    def description(self, obj):
        # RSS requires one for the channel, and readers take it as HTML, as the teasers.
        return escape(self.subtitle(obj))

    def item_description(self, item):
        # Readers take an RSS description as HTML: the plain-text teaser is escaped for it.
        return escape(item.excerpt)
