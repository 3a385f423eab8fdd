"""Search index, fourth version (PostgreSQL only): the search document stays in the table
row (storage MAIN) instead of moving to the TOAST table.

A row with a body of a few kilobytes is too long for its page slot, and PostgreSQL moves
its long values out of line, the document (about a kilobyte) among them. The search's walk
through the newest articles tests each one's document: out of line, every test looked up
the TOAST index and read a second page (7.6 ms for the walk of 1,000 articles at a million,
2.5 ms inline). With MAIN the body leaves the row first and the document stays.

Documents written before keep their place until their article is saved again; the walk
reads only the newest articles, which are the next ones written (README, "A million articles").
"""

from django.db import migrations


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "ALTER TABLE articles_article ALTER COLUMN search_document SET STORAGE MAIN"
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "ALTER TABLE articles_article ALTER COLUMN search_document SET STORAGE EXTENDED"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0015_search_years"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
