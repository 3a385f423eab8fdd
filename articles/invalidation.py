"""Which cached pages an article's change makes stale (newsroom/caching.py bans them).

Pages record what they show as page tags (`caching.add_cache_tags`):

- ``a-<pk>``: the article's own page;
- ``l-<pk>``: every list, box and card that shows the article (headline, teaser, image);
- ``home``, ``section-<pk>``, ``tag-<pk>``, ``author-<pk>``, ``latest`` (the "Neueste
  Artikel" box): lists whose members change when an article appears, goes or moves;
- ``missing``: the "not here" answers at article addresses (404s, old slugs' redirects),
  which a new or moved article may take over;
- ``feed``, ``sitemap``, ``search``: feeds, sitemaps and search results, which show dates
  and text of many articles and are read by machines and a few readers: banned on every
  change a reader can see.

A save that changes nothing a reader sees (or an article no reader sees: a draft, a
scheduled one whose time and place stay) bans nothing. A correction of the text bans the
article's page (and its cards when the teaser comes from the text); publishing, withdrawing
or moving an article bans the lists it leaves and joins, never the other articles' pages.
"""

from datetime import datetime

from django.db.models import Q
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete
from django.utils import timezone

from newsroom import caching

HOME, LATEST, MISSING = "home", "latest", "missing"
FEED, SITEMAP, SEARCH = "feed", "sitemap", "search"
# Shown to readers only by the article itself; every other field but PRIVATE is on cards.
OWN_FIELDS = {
    "body", "lead_image_caption", "correction_note", "updated_at", "seo_title",
    "meta_description", "social_title", "social_text", "social_image_id",
}  # fmt: skip
# Where and when it is listed: moving it changes which lists show it.
PLACE_FIELDS = {"status", "published_at", "expires_at", "category_id", "is_lead_story"}
PRIVATE_FIELDS = {"id", "created_at", "modified_at", "created_by_id"}
DEFERRED = object()
# A tag, author or image shown with more articles than this bans every page instead.
MANY = 500


def page_tag(pk) -> str:
    return f"a-{pk}"


def listed_tag(pk) -> str:
    return f"l-{pk}"


def listed_tags(articles) -> list[str]:
    return [listed_tag(a.pk) for a in articles if a is not None]


def section_tags(category_id) -> list[str]:
    """The tags of a category's lists and its ancestors' (which list their subcategories)."""
    from .models import category_index

    by_pk = {c.pk: c for c in category_index().values()}
    tags, category = [], by_pk.get(category_id)
    while category is not None:
        tags.append(f"section-{category.pk}")
        category = by_pk.get(category.parent_id)
    return tags


def _public(values: dict, now) -> bool:
    return (
        values.get("status") == "published"
        and values.get("published_at") is not None
        and values["published_at"] <= now
        and (values.get("expires_at") is None or values["expires_at"] > now)
    )


def _membership_tags(article, stored: dict) -> set[str]:
    """The lists the article was or is in (its sections before and after a move)."""
    tags = {HOME, LATEST, MISSING}
    for category_id in {stored.get("category_id"), article.category_id} - {None}:
        tags.update(section_tags(category_id))
    if stored:
        # A new article has none yet: adding them bans their pages (_on_relations).
        tags.update(f"tag-{pk}" for pk in article.tags.values_list("pk", flat=True))
        tags.update(f"author-{pk}" for pk in article.authors.values_list("pk", flat=True))
    return tags


def _values(article) -> dict:
    """The article's field values as they are in memory; deferred ones were neither read
    nor set, so they cannot have changed."""
    deferred = article.get_deferred_fields()
    return {
        f.attname: getattr(article, f.attname)
        for f in article._meta.concrete_fields
        if f.attname not in deferred
    }


def _same(stored, value) -> bool:
    # Readers see times to the second, and the admin's form sends no more back: saving it
    # unchanged drops a date's microseconds, which changes nothing shown.
    if isinstance(stored, datetime) and isinstance(value, datetime):
        return stored.replace(microsecond=0) == value.replace(microsecond=0)
    return stored == value


def changed_tags(article, stored: dict, *, deleted=False) -> set[str]:
    """The page tags a save (or delete) of `article` makes stale; `stored`: its values as
    they were read from the database ({} for a new one)."""
    now = timezone.now()
    current = _values(article)
    was_public = bool(stored) and _public(stored, now)
    is_public = not deleted and _public({**stored, **current}, now)
    if deleted or not stored:
        changed = set(current) - PRIVATE_FIELDS
    else:
        # A field set but not read before cannot be compared: it counts as changed.
        changed = {
            name
            for name, value in current.items()
            if name not in PRIVATE_FIELDS and not _same(stored.get(name, DEFERRED), value)
        }
    if not changed:
        return set()
    if not (was_public or is_public):
        # Nobody sees it. A scheduled one moved in time or place changes when the lists it
        # will join end (their s-maxage stops at its publication): they are made again.
        scheduled = "published" in (stored.get("status"), article.status)
        return _membership_tags(article, stored) if scheduled and changed & PLACE_FIELDS else set()
    tags = {page_tag(article.pk), FEED, SITEMAP, SEARCH}
    if changed - OWN_FIELDS or ("body" in changed and not article.lead):
        tags.add(listed_tag(article.pk))  # on cards: headline, teaser (or the text's start)…
    if changed & PLACE_FIELDS or "slug" in changed or was_public != is_public:
        tags |= _membership_tags(article, stored)
    return tags


def _stored(instance) -> dict:
    # Article.save() renews it after its post_save: the values before this save.
    return getattr(instance, "_stored", None) or {}


def _ban(tags: set[str]) -> None:
    if tags:
        # `list` is dropped in the app cache only: no page is banned for being a list.
        caching.invalidate(*sorted(tags), versions=[caching.LIST])


def _on_save(sender, instance, raw=False, **kwargs):
    # An article's own parts (kept in the app cache for previews too) follow every save.
    caching.invalidate_object(f"article-{instance.pk}")
    if raw:  # loaddata: every page
        caching.invalidate(caching.ALL, caching.LIST)
    else:
        _ban(changed_tags(instance, _stored(instance)))


def _before_delete(sender, instance, **kwargs):
    # The lists it is in, read while its tags and authors are still attached.
    instance._delete_tags = changed_tags(
        instance, _stored(instance) or _values(instance), deleted=True
    )


def _on_delete(sender, instance, **kwargs):
    caching.invalidate_object(f"article-{instance.pk}")
    _ban(getattr(instance, "_delete_tags", set()))


def _on_relations(sender, instance, action, reverse, model, pk_set, **kwargs):
    """Tags or authors added to or removed from an article."""
    if reverse:
        # From a tag's or an author's side (rare: a merge in the admin): every page.
        if action.startswith("post_"):
            caching.invalidate(caching.ALL, caching.LIST)
        return
    prefix = "tag" if model.__name__ == "Tag" else "author"
    related = instance.tags if prefix == "tag" else instance.authors
    if action == "pre_clear":
        instance._cleared = set(related.values_list("pk", flat=True))  # known only now
        return
    if action == "post_clear":
        pk_set = instance.__dict__.pop("_cleared", set())
    elif not action.startswith("post_"):
        return
    caching.invalidate_object(f"article-{instance.pk}")
    if pk_set and instance.is_public:
        _ban({page_tag(instance.pk), FEED, SITEMAP, SEARCH, *(f"{prefix}-{pk}" for pk in pk_set)})


def _on_shown_change(sender, instance, **kwargs):
    """A tag's, an author's or an image's name, alt text, credit, photo or focal point:
    shown on the pages of the articles with it, and an author's or tag's own page. A new
    one is on no page yet; a deleted one leaves every page (rare)."""
    from .models import Article, Author, Tag

    if kwargs.get("created"):
        return
    if "created" not in kwargs:  # post_delete: its articles are no longer known
        caching.invalidate(caching.ALL, caching.LIST)
        return
    if isinstance(instance, Tag):
        articles = Article.objects.filter(tags=instance)
        own = [f"tag-{instance.pk}"]
    elif isinstance(instance, Author):
        articles = Article.objects.filter(authors=instance)
        own = [f"author-{instance.pk}"]
    else:
        articles = Article.objects.filter(
            Q(lead_image=instance) | Q(social_image=instance) | Q(text_images=instance)
        )
        authors = Author.objects.filter(photo=instance).values_list("pk", flat=True)
        own = [f"author-{pk}" for pk in authors]
    pks = set(articles.published().values_list("pk", flat=True)[:MANY])
    if len(pks) >= MANY:
        # On so many pages that one ban of them all is cheaper than a tag for each.
        caching.invalidate(caching.ALL, caching.LIST)
        return
    for pk in pks:
        caching.invalidate_object(f"article-{pk}")
    tags = {*own, *(page_tag(pk) for pk in pks), *(listed_tag(pk) for pk in pks)}
    if pks:
        tags |= {FEED, SITEMAP, SEARCH}
    caching.invalidate(*sorted(tags), versions=[caching.ALL, caching.LIST])


def connect() -> None:
    """Called once from ArticlesConfig.ready()."""
    from .models import Article

    # The navigation and every address below a category: every page.
    caching.watch("articles.Category", caching.ALL)
    caching.ends_by_time(caching.LIST, Article.objects.next_change_after)

    post_save.connect(_on_save, sender=Article, dispatch_uid="cache:article:save")
    pre_delete.connect(_before_delete, sender=Article, dispatch_uid="cache:article:pre-delete")
    post_delete.connect(_on_delete, sender=Article, dispatch_uid="cache:article:delete")
    for through in (Article.tags.through, Article.authors.through):
        m2m_changed.connect(_on_relations, sender=through, dispatch_uid=f"cache:{through}")
    for sender in ("articles.Tag", "articles.Author", "images.Image"):
        caching.watch(sender, receiver=_on_shown_change)
