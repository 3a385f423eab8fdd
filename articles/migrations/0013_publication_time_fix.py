"""Publication dates of articles published before workflow.publication_moment existed.

The form's publication date defaulted to the moment the article was first opened, and
publishing kept it: written at 03:13 and published at 03:27 without touching the date, an
article said "03:13" and sorted below everything published in between. This moves the date
to the moment of publishing, only where the status history proves that is what happened:

- its first StatusChange to "published" came from a draft or review, more than a minute
  after its publication date;
- its publication date lies within a day before and a minute after the article was
  created (the form's default, not a date typed in on purpose days back);
- it is still published.

Then its publication date becomes that StatusChange's moment, its tag links' copy of the
date (TaggedArticle.listed_at) follows, and an "updated" date no later than it goes (as in
Article.save). Everything else is left alone: articles without such a history (imported,
generated, published before the workflow recorded steps), backdated or scheduled ones,
withdrawn or unpublished ones. Going back leaves the dates as they are.
"""

from datetime import timedelta

from django.db import migrations

LEEWAY = timedelta(minutes=1)
DEFAULT_WINDOW = timedelta(days=1)
BATCH = 500


def move_publication_dates(apps, schema_editor):
    Article = apps.get_model("articles", "Article")
    StatusChange = apps.get_model("articles", "StatusChange")
    TaggedArticle = apps.get_model("articles", "TaggedArticle")
    first_publication = {}
    steps = StatusChange.objects.filter(to_status="published").order_by("created_at", "pk")
    for article_id, from_status, moment in steps.values_list(
        "article_id", "from_status", "created_at"
    ).iterator():
        first_publication.setdefault(article_id, (from_status, moment))
    candidates = {
        pk: moment
        for pk, (from_status, moment) in first_publication.items()
        if from_status in ("draft", "review")
    }
    ids = sorted(candidates)
    for start in range(0, len(ids), BATCH):  # a decade of articles: no IN with 100,000 values
        batch = Article.objects.filter(pk__in=ids[start : start + BATCH], status="published")
        rows = batch.values_list("pk", "published_at", "created_at", "updated_at")
        for row in rows:
            _move(Article, TaggedArticle, row, candidates[row[0]])


def _move(Article, TaggedArticle, row, moment):
    pk, published_at, created_at, updated_at = row
    by_default = created_at - DEFAULT_WINDOW <= published_at <= created_at + LEEWAY
    if not (by_default and moment > published_at + LEEWAY):
        return
    changes = {"published_at": moment}
    if updated_at is not None and updated_at <= moment:
        changes["updated_at"] = None
    Article.objects.filter(pk=pk).update(**changes)
    TaggedArticle.objects.filter(content_object_id=pk).update(listed_at=moment)


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0012_working_day_fields"),
    ]

    operations = [
        migrations.RunPython(move_publication_dates, migrations.RunPython.noop),
    ]
