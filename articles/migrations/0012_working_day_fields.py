"""Expiry, search and social fields on the article; the comment thread; editing presence.

On SQLite, adding fields rebuilds articles_article, and the search index's triggers on the
tag links name that table while it is renamed: they are dropped first and re-created last
(see 0009_search_tags_ranking)."""

import importlib

import django.db.models.deletion
import newsroom.validators
from django.conf import settings
from django.db import migrations, models

search = importlib.import_module("articles.migrations.0009_search_tags_ranking")


def drop_sqlite_search_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for name in search.SQLITE_TRIGGER_NAMES:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}", params=None)


class Migration(migrations.Migration):

    dependencies = [
        ('articles', '0011_single_line_fields'),
        ('images', '0002_single_line_fields'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(drop_sqlite_search_triggers, search.restore_sqlite_search_triggers),
        migrations.AddField(
            model_name='article',
            name='expires_at',
            field=models.DateTimeField(blank=True, db_index=True, help_text='Optional: from this moment readers no longer see the article (a job offer, an event notice, an embargo). Empty: it stays online.', null=True, verbose_name='offline from'),
        ),
        migrations.AddField(
            model_name='article',
            name='meta_description',
            field=models.CharField(blank=True, help_text="The text under it in Google's results, up to 160 characters. Empty: the teaser.", max_length=160, validators=[newsroom.validators.validate_single_line], verbose_name='meta description'),
        ),
        migrations.AddField(
            model_name='article',
            name='seo_title',
            field=models.CharField(blank=True, help_text="The headline in Google's results, up to 60 characters. Empty: the headline.", max_length=60, validators=[newsroom.validators.validate_single_line], verbose_name='SEO title'),
        ),
        migrations.AddField(
            model_name='article',
            name='social_image',
            field=models.ForeignKey(blank=True, help_text='Shown cropped to 1200 × 630 on WhatsApp and Facebook. Empty: the lead image.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='social_articles', to='images.image', verbose_name='social image'),
        ),
        migrations.AddField(
            model_name='article',
            name='social_text',
            field=models.CharField(blank=True, help_text='The text on WhatsApp and Facebook. Empty: the meta description or teaser.', max_length=300, validators=[newsroom.validators.validate_single_line], verbose_name='social text'),
        ),
        migrations.AddField(
            model_name='article',
            name='social_title',
            field=models.CharField(blank=True, help_text='The headline on WhatsApp and Facebook. Empty: the headline.', max_length=200, validators=[newsroom.validators.validate_single_line], verbose_name='social headline'),
        ),
        migrations.CreateModel(
            name='ArticleComment',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('text', models.TextField(verbose_name='comment')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='at')),
                ('article', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='comments', to='articles.article', verbose_name='article')),
                ('user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='by')),
            ],
            options={
                'verbose_name': 'comment',
                'verbose_name_plural': 'comments',
                'ordering': ['created_at', 'pk'],
                'indexes': [models.Index(fields=['article', 'created_at'], name='articlecomment_idx')],
            },
        ),
        migrations.CreateModel(
            name='EditingPresence',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('opened_at', models.DateTimeField()),
                ('seen_at', models.DateTimeField()),
                ('article', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='articles.article')),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'editing presence',
                'verbose_name_plural': 'editing presences',
                'constraints': [models.UniqueConstraint(fields=('article', 'user'), name='presence_per_user')],
            },
        ),
        migrations.RunPython(search.restore_sqlite_search_triggers, drop_sqlite_search_triggers),
    ]
