"""Ad slots, the "Unsere Empfehlung" job box and the newest job ads for the sidebar.

All banner slots of a page share one query: the first `ad_slot` renders the live banners
of every slot into the app cache, where they stay until an ad changes. The job box and
the newest job ads cost one more each.
"""

import random
import time
from collections import defaultdict

from django import template
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from ads.models import JOBS, Banner, JobAd, job_tag
from newsroom import caching
from newsroom.caching import ADS, add_cache_tags

register = template.Library()

# The job box rotates among this many live ads when the page comes from a cache.
JOB_BOX_CANDIDATES = 8


def _live(request, name: str, render, *tags: str):
    """Rendered ads from the app cache, kept until an ad changes: every slot of a page
    shares one query, and later pages none."""
    add_cache_tags(request, ADS, *tags)
    return caching.cached(name, [ADS], render, request)


def _live_banners_by_slot() -> dict[str, list[Banner]]:
    slots = defaultdict(list)
    for banner in Banner.objects.live():
        slots[banner.slot].append(banner)
    return dict(slots)


def _rendered_slots() -> dict[str, list[tuple[int, str]]]:
    """Each slot's HTML once per live banner, as (weight, HTML) with that banner shown and
    the others along for ads.js: rendered once until an ad changes, picked per page."""
    slots = {}
    for slot, banners in _live_banners_by_slot().items():
        rendered = [
            render_to_string("ads/_banner.html", {"banner": b, "slot": slot}) for b in banners
        ]
        slots[slot] = [
            (
                banner.weight,
                render_to_string(
                    "ads/slot.html",
                    {
                        "slot": slot,
                        "banner": mark_safe(html),  # rendered from our template, escaped there
                        "alternatives": [mark_safe(h) for h in rendered if h is not html],
                    },
                ),
            )
            for banner, html in zip(banners, rendered, strict=True)
        ]
    return slots


def _newest_job_ads(count: int) -> list[dict[str, str]]:
    ads = JobAd.objects.for_board().only("pk", "title", "employer_name", "place")[:count]
    return [
        {
            "url": ad.get_absolute_url(),
            "title": ad.title,
            "employer": ad.employer_name,
            "place": ad.place,
        }
        for ad in ads
    ]


def _rendered_job_cards() -> list[tuple[int, str]]:
    return [
        (ad.pk, render_to_string("ads/_job_card.html", {"ad": ad}))
        for ad in JobAd.objects.live().order_by("?")[:JOB_BOX_CANDIDATES]
    ]


@register.simple_tag(takes_context=True)
def ads_script(context) -> str:
    """The counting/rotation script, once per page and only on pages that show ads."""
    request = context.get("request")
    if request is not None:
        if getattr(request, "_ads_script_done", False):
            return ""
        request._ads_script_done = True
    return format_html(
        '<script src="{}" data-endpoint="{}" data-rendered="{}" defer></script>',
        static("ads/ads.js"),
        reverse("ads:seen"),
        int(time.time()),
    )


@register.simple_tag(takes_context=True)
def ad_slot(context, name: str) -> str:
    """A banner slot ("leaderboard", "header", "sidebar", "article", "footer").

    The server picks one live banner by weight; the others travel along in a <template>
    so that ads.js can pick again when the HTML was served from a cache.
    """
    choices = _live(context.get("request"), "banner-slots", _rendered_slots).get(name)
    if not choices:
        return ""
    chosen = random.choices([html for _, html in choices], weights=[w for w, _ in choices])[0]
    return mark_safe(chosen + ads_script(context))  # both rendered and escaped by us


@register.simple_tag(takes_context=True)
def job_ad_box(context) -> str:
    """One live job ad, chosen at random, plus a few others for rotation by ads.js. The
    page follows each of them (`job-<id>`) and, where `jobs` is kept, every new one."""
    request = context.get("request")
    cards = _live(request, "job-box-cards", _rendered_job_cards, JOBS)
    if not cards:
        return ""
    add_cache_tags(request, *(job_tag(pk) for pk, _ in cards))
    cards = [mark_safe(card) for _, card in random.sample(cards, len(cards))]  # fresh order
    return render_to_string(
        "ads/job_ad_box.html",
        {"request": request, "job": cards[0], "alternatives": cards[1:]},
    )


@register.inclusion_tag("ads/newest_job_ads.html", takes_context=True)
def newest_job_ads(context, count: int = 3) -> dict:
    """The newest live job ads as a short list, for the sidebar; nothing without any."""
    count = int(count)
    jobs = _live(
        context.get("request"), f"newest-job-ads-{count}", lambda: _newest_job_ads(count), JOBS
    )
    return {"jobs": jobs}


@register.filter
def percent(rate: float | None) -> str:
    """A click-through rate for the statistics: 0.0125 -> "1,25 %"; none without impressions."""
    if rate is None:
        return "–"
    return f"{number_format(rate * 100, decimal_pos=2)} %"
