"""The admin's start page: what is waiting for whom, each with a count and the first items.

Every section reads a small part of the archive through an index (one status, the last
few days, the waiting corrections or ads): one count and one short list, so the page costs
the same number of queries with a hundred articles as with a hundred thousand.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode

from django import template
from django.urls import NoReverseMatch, reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ads.models import JobAd
from articles.models import Article, PendingChange

register = template.Library()

LIMIT = 5  # items listed per section
RECENT_DAYS = 7


@dataclass
class Item:
    label: str
    url: str | None
    note: str


@dataclass
class Section:
    title: str
    count: str  # the number as a short sentence, e.g. "3 Entwürfe"
    items: list[Item]
    all_url: str | None


def admin_url(name: str, *args, query: dict | None = None) -> str | None:
    """The admin page `name` (with `query`), or None while no admin serves it."""
    try:
        url = reverse(f"admin:{name}", args=args)
    except NoReverseMatch:
        return None
    return f"{url}?{urlencode(query)}" if query else url


def may_view(user, model) -> bool:
    # As ModelAdmin.has_view_permission: whoever may change objects may look at them.
    app_label, name = model._meta.app_label, model._meta.model_name
    return user.has_perm(f"{app_label}.view_{name}") or user.has_perm(f"{app_label}.change_{name}")


def when(moment: datetime) -> str:
    return formats.date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")


def name_of(user) -> str:
    return (user.get_full_name() or user.get_username()) if user else "–"


def article_item(article: Article, note: str) -> Item:
    return Item(article.title, admin_url("articles_article_change", article.pk), note)


def article_sections(user, now: datetime) -> list[Section]:
    since = now - timedelta(days=RECENT_DAYS)
    # The lists need no bodies (long, and fetched by the dozen here).
    articles = Article.objects.only(
        "title", "status", "published_at", "expires_at", "modified_at", "created_by"
    )
    drafts = articles.filter(status=Article.Status.DRAFT, created_by=user)
    review = articles.filter(status=Article.Status.REVIEW)
    published = articles.filter(status=Article.Status.PUBLISHED)
    scheduled = published.filter(published_at__gt=now)
    live = published.filter(published_at__lte=now)
    recent = live.filter(published_at__gte=since)

    # The changelist's filters, or lookups on the article's own fields that it applies as
    # given: "show all" lists exactly what is counted here.
    def changelist(**query) -> str | None:
        return admin_url("articles_article_changelist", query=query)

    count = drafts.count()
    my_drafts = Section(
        _("My drafts"),
        ngettext("%(count)d draft", "%(count)d drafts", count) % {"count": count},
        [
            article_item(a, _("saved %(when)s") % {"when": when(a.modified_at)})
            for a in drafts.order_by("-modified_at", "-pk")[:LIMIT]
        ],
        changelist(status__exact=Article.Status.DRAFT, von="mir"),  # ArticleAdmin's MineFilter
    )

    count = review.count()
    waiting = Section(
        _("Waiting for review"),
        ngettext("%(count)d article waiting", "%(count)d articles waiting", count)
        % {"count": count},
        [
            article_item(a, _("by %(name)s") % {"name": name_of(a.created_by)})
            for a in review.select_related("created_by").order_by("-published_at", "-pk")[:LIMIT]
        ],
        changelist(status__exact=Article.Status.REVIEW),
    )

    count = scheduled.count()
    upcoming = Section(
        _("Scheduled"),
        ngettext("%(count)d article scheduled", "%(count)d articles scheduled", count)
        % {"count": count},
        # The next to go live first.
        [article_item(a, a.status_label) for a in scheduled.order_by("published_at", "pk")[:LIMIT]],
        changelist(status__exact=Article.Status.PUBLISHED, published_at__gt=now),
    )

    # Counting every published article would read the whole archive: count the last days.
    count = recent.count()
    latest = Section(
        _("Recently published"),
        ngettext(
            "%(count)d article in the last %(days)d days",
            "%(count)d articles in the last %(days)d days",
            count,
        )
        % {"count": count, "days": RECENT_DAYS},
        [
            article_item(a, when(a.published_at))
            for a in live.order_by("-published_at", "-pk")[:LIMIT]
        ],
        changelist(
            status__exact=Article.Status.PUBLISHED, published_at__gte=since, published_at__lte=now
        ),
    )
    return [my_drafts, waiting, upcoming, latest]


def corrections_section() -> Section:
    waiting = PendingChange.objects.waiting()
    count = waiting.count()
    items = []
    rows = waiting.select_related("article", "created_by").defer("data", "article__body")
    for change in rows[:LIMIT]:
        # Without an admin page for the correction, the article's page is the next best.
        url = admin_url("articles_pendingchange_change", change.pk) or admin_url(
            "articles_article_change", change.article_id
        )
        note = _("by %(name)s, %(when)s") % {
            "name": name_of(change.created_by),
            "when": when(change.created_at),
        }
        items.append(Item(change.article.title, url, note))
    return Section(
        _("Corrections waiting for approval"),
        ngettext("%(count)d correction waiting", "%(count)d corrections waiting", count)
        % {"count": count},
        items,
        admin_url(
            "articles_pendingchange_changelist",
            query={"state__exact": PendingChange.State.PENDING},
        ),
    )


def job_ads_section() -> Section:
    waiting = JobAd.objects.filter(status=JobAd.Status.SUBMITTED)
    count = waiting.count()
    return Section(
        _("Job ads waiting for moderation"),
        ngettext("%(count)d job ad waiting", "%(count)d job ads waiting", count) % {"count": count},
        [
            Item(
                str(ad),
                admin_url("ads_jobad_change", ad.pk),
                _("submitted %(when)s") % {"when": when(ad.submitted_at)},
            )
            # The oldest waiting first, as in the moderation queue.
            for ad in waiting.order_by("submitted_at", "pk")[:LIMIT]
        ],
        admin_url("ads_jobad_changelist", query={"status__exact": JobAd.Status.SUBMITTED}),
    )


@register.simple_tag(takes_context=True)
def dashboard_sections(context: template.Context) -> list[Section]:
    """What the current user may see: `{% dashboard_sections as sections %}`."""
    user = context["request"].user
    # Whole seconds: the same moment goes into the counts and the links' query strings.
    now = timezone.localtime().replace(microsecond=0)
    sections = []
    if may_view(user, Article):
        sections += article_sections(user, now)
    if may_view(user, PendingChange):
        sections.append(corrections_section())
    if user.has_perm("ads.moderate_jobad"):
        sections.append(job_ads_section())
    return sections


@register.simple_tag(takes_context=True)
def imprint_warning(context) -> dict | None:
    """The warning for the start page while the Impressum lacks mandatory details, for
    those who may fix it (link to the site settings); None otherwise."""
    from newsroom.admin import imprint_warning as warning_text
    from newsroom.models import SiteSettings

    request = context["request"]
    if not request.user.has_perm("newsroom.change_sitesettings"):
        return None
    settings = SiteSettings.load(request)
    text = warning_text(settings)
    if not text:
        return None
    if SiteSettings.objects.filter(pk=1).exists():
        url = reverse("admin:newsroom_sitesettings_change", args=[1])
    else:
        url = reverse("admin:newsroom_sitesettings_add")
    return {"text": text, "url": url}
