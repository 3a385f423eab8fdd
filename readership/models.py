"""How often each article was read, per day: the "Meistgelesen" list.

A read is reported by a small script on the article page (static/readership/reads.js),
so pages served by a cache are counted too. Only the article and the day are stored:
never an address, a cookie or anything else about the reader. To count each reader once
per article, the cache keeps a keyed hash of the address for READ_REPEAT_MINUTES.
"""

from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, models, transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from articles.models import Article
from newsroom.limits import keyed_hash
from newsroom.net import sender_group


class ArticleReadsQuerySet(models.QuerySet):
    def count_read(self, article_id: int, *, reader: str) -> bool:
        """Add one read of a published article to today's row (in settings.TIME_ZONE), once
        per `reader` (an IP address; an IPv6 /64 counts as one) and article within
        READ_REPEAT_MINUTES, so that a script posting reads cannot push an article up.
        Returns False, counting nothing, for a repeat or an article readers cannot see."""
        if not Article.objects.published().filter(pk=article_id).exists():
            return False
        # Checked after the article: ids that are not articles leave nothing in the cache.
        # cache.add is the first-time test: False for a repeat, and also when the cache
        # cannot store anything (then the read is not counted).
        seen = "readership:read:" + keyed_hash(f"read{article_id}", sender_group(reader))
        if not cache.add(seen, True, timeout=settings.READ_REPEAT_MINUTES * 60):
            return False
        rows = self.filter(article_id=article_id, day=timezone.localdate())
        # One UPDATE in the database (count = count + 1): no read is lost when several app
        # servers count the same article at once.
        if rows.update(count=F("count") + 1):
            return True
        try:
            with transaction.atomic():
                self.create(article_id=article_id, day=timezone.localdate(), count=1)
        except IntegrityError:
            # Another request created the day's row first; it is there to be updated now.
            rows.update(count=F("count") + 1)
        return True

    def most_read(self, days: int = 7, limit: int = 5) -> list[Article]:
        """The published articles read most over the last `days` days (today included),
        ties broken by the newer article. Two queries; the work grows with the articles read
        in the window (the (day, article, count) index), not with the archive."""
        today = timezone.localdate()
        window = [today - timedelta(days=n) for n in range(days)]
        # The totals come from the reads alone: joined to the articles (to filter on status),
        # SQLite may drive the join from every published article instead. The days are named
        # one by one: for a range SQLite may prefer walking all reads ever counted in article
        # order. A few more than `limit` leave room for articles taken off the site since.
        totals = dict(
            self.filter(day__in=window)
            .values_list("article_id")
            .annotate(total=Sum("count"))
            .order_by("-total", "-article_id")[: limit * 4]
        )
        articles = Article.objects.in_order([(pk, None) for pk in totals])
        articles.sort(key=lambda a: (totals[a.pk], a.published_at, a.pk), reverse=True)
        return articles[:limit]


class ArticleReads(models.Model):
    """Reads of one article on one day. Nothing about who read it."""

    article = models.ForeignKey(
        Article, verbose_name=_("article"), on_delete=models.CASCADE, related_name="reads"
    )
    day = models.DateField(_("day"))
    count = models.PositiveIntegerField(_("reads"), default=0)

    objects = ArticleReadsQuerySet.as_manager()

    class Meta:
        verbose_name = _("article reads")
        verbose_name_plural = _("article reads")
        ordering = ["-day", "-count"]
        constraints = [
            models.UniqueConstraint(fields=["article", "day"], name="articlereads_once_per_day")
        ]
        # "The last 7 days" is a range on day; article and count come from the index alone.
        indexes = [models.Index(fields=["day", "article", "count"], name="articlereads_day_idx")]

    def __str__(self):
        return f"{self.article_id} {self.day}: {self.count}"
