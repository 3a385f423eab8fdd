"""The Aufmacher lookup through an index of the marked articles alone.

Django writes `is_lead_story=True` as the bare column, which SQLite cannot match to the
first column of the old (is_lead_story, status, published_at, id) index: it walked the
publication index of all articles instead, testing each back to the last one marked (47 to
151 ms with 100,000 articles and none marked). A partial index WHERE is_lead_story has the
same term as its condition, so both databases use it, and it holds a handful of rows instead
of one per article. Adding and dropping an index does not rebuild articles_article: the
search triggers stay as they are.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0013_publication_time_fix"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="article", name="article_lead_story_idx"),
        migrations.AddIndex(
            model_name="article",
            index=models.Index(
                fields=["status", "published_at", "id"],
                condition=models.Q(is_lead_story=True),
                name="article_lead_marked_idx",
            ),
        ),
    ]
