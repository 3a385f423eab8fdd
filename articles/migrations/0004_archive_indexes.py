"""Indexes that let every reading list stop after what it shows, however large the archive.

TaggedArticle.listed_at copies the article's publication date while it is published, so that a
tag page walks the tag's own index newest first; existing rows are filled here.
"""

from django.db import migrations, models

FILL_LISTED_AT = """
UPDATE articles_taggedarticle SET listed_at = (
    SELECT a.published_at FROM articles_article a
    WHERE a.id = articles_taggedarticle.content_object_id AND a.status = 'published'
)
"""


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0003_category_path_history"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="article", name="articles_ar_status_7759bd_idx"),
        migrations.AddIndex(
            model_name="article",
            index=models.Index(
                fields=["status", "published_at", "id"], name="article_published_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="article",
            index=models.Index(
                fields=["category", "status", "published_at", "id"], name="article_category_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="article",
            index=models.Index(
                fields=["is_lead_story", "status", "published_at", "id"],
                name="article_lead_story_idx",
            ),
        ),
        migrations.AddField(
            model_name="taggedarticle",
            name="listed_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddIndex(
            model_name="taggedarticle",
            index=models.Index(
                fields=["tag", "listed_at", "content_object"], name="taggedarticle_listing_idx"
            ),
        ),
        migrations.RunSQL(FILL_LISTED_AT, migrations.RunSQL.noop),
    ]
