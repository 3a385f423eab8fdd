"""Reads for the demo portal, so that "Meistgelesen" has something to show."""

from datetime import timedelta

from django.utils import timezone

from articles.models import Article

from .models import ArticleReads


def load(*, stdout) -> None:
    # Only while the last week has no reads: real ones (or an earlier demo's) stay.
    today = timezone.localdate()
    if ArticleReads.objects.filter(day__gt=today - timedelta(days=7)).exists():
        return
    newest = Article.objects.published().for_listing()[:8]
    rows = [
        ArticleReads(article=article, day=today - timedelta(days=days_ago), count=count)
        for i, article in enumerate(newest)
        for days_ago, count in enumerate([(37 * (i + 3)) % 90 + 5, (11 * (i + 1)) % 40])
        if count
    ]
    ArticleReads.objects.bulk_create(rows, ignore_conflicts=True)
    stdout.write(f"Reads of {len(newest)} articles for “Meistgelesen” ready.")
