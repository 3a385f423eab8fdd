"""Planning for the editor on duty: the "Planen…" action of the article form and the week
view ("Wochenplanung", <admin>/articles/article/planung/).

The week view shows seven days from a given one (`?von=YYYY-MM-DD`, today by default), each
with its articles grouped by main section: those dated that day (scheduled, or live since
earlier that day) and those going offline on it. Two queries through the date indexes,
whatever the archive holds (the sections come from the cached category index).
"""

from datetime import date, datetime, time, timedelta

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from .models import Article, main_categories

DAYS = 7
START_PARAM = "von"


def _midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def week(start: date) -> list[dict]:
    """The DAYS days from `start`, each {"date", "sections": [(main category, entries)]},
    an entry {"moment", "article", "offline": bool} in time order."""
    days = [start + timedelta(days=n) for n in range(DAYS)]
    begin, end = _midnight(days[0]), _midnight(days[-1] + timedelta(days=1))
    articles = Article.objects.select_related("category").only(
        "title", "status", "published_at", "expires_at", "category__root_slug"
    )
    entries = [
        {"moment": a.published_at, "article": a, "offline": False}
        for a in articles.going_live_between(begin, end)
    ] + [
        {"moment": a.expires_at, "article": a, "offline": True}
        for a in articles.going_offline_between(begin, end)
    ]
    entries.sort(key=lambda e: (e["moment"], e["article"].pk))
    sections = main_categories()
    by_day = {day: {c.slug: [] for c in sections} for day in days}
    for entry in entries:
        day = timezone.localdate(entry["moment"])
        by_day[day][entry["article"].category.root_slug].append(entry)
    return [
        {
            "date": day,
            "sections": [(c, by_day[day][c.slug]) for c in sections if by_day[day][c.slug]],
        }
        for day in days
    ]


def _start(value: str | None) -> date:
    """The first day shown: `value` as YYYY-MM-DD, else today (also for a date whose week, or
    a week link, would pass the calendar's ends)."""
    try:
        start = date.fromisoformat(value or "")
        start - timedelta(days=DAYS), start + timedelta(days=2 * DAYS)
    except (ValueError, OverflowError):
        return timezone.localdate()
    return start


class PlanningAdminMixin:
    """For the article admin: the week view, and the answer to a "Planen" save."""

    @property
    def media(self):
        # A property, as in AutosaveAdminMixin: a second `class Media` would hide the first.
        return super().media + forms.Media(
            css={"all": ["admin/css/article_schedule.css"]},
            js=["admin/js/article_schedule.js"],
        )

    def get_urls(self):
        name = f"{self.opts.app_label}_{self.opts.model_name}_planning"
        view = self.admin_site.admin_view(self.planning_view)
        return [path("planung/", view, name=name), *super().get_urls()]

    def planning_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        start, today = _start(request.GET.get(START_PARAM)), timezone.localdate()
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Week planning"),
            "subtitle": None,
            "days": week(start),
            "today": today,
            "now": timezone.now(),
            "previous_week": (start - timedelta(days=DAYS)).isoformat(),
            "next_week": (start + timedelta(days=DAYS)).isoformat(),
            "is_this_week": start == today,
        }
        template = f"admin/{self.opts.app_label}/{self.opts.model_name}/planning.html"
        return TemplateResponse(request, template, context)

    def response_add(self, request, obj, post_url_continue=None):
        if "_schedule" in request.POST:
            return self._scheduled(request, obj)
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        if "_schedule" in request.POST and getattr(obj, "pending_change", None) is None:
            return self._scheduled(request, obj)
        return super().response_change(request, obj)

    def _scheduled(self, request, article):
        """After "Planen": the week with the article's day in it."""
        moment = timezone.localtime(article.published_at)
        message = _("“%(title)s” is scheduled: it goes live on %(moment)s.")
        when = formats.date_format(moment, "d.m.Y, H:i")
        self.message_user(request, message % {"title": article, "moment": when}, messages.SUCCESS)
        url = reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_planning")
        today = timezone.localdate()
        if not today <= moment.date() < today + timedelta(days=DAYS):
            url += f"?{START_PARAM}={moment.date().isoformat()}"
        return HttpResponseRedirect(url)
