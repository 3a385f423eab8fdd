"""Full-text search index for articles (see articles/search.py).

PostgreSQL: a tsvector column `search_document` (German, body without HTML), kept by a
trigger and indexed with GIN. Stored rather than an expression index: the planner walks the
publication-date index for common words and must test each row cheaply, not re-compute it.
SQLite: an FTS5 table kept in sync by triggers.
Both use triggers so that every write path (model save, queryset update/delete, bulk_create,
raw SQL imports) keeps the index right. Neither the column nor the FTS5 table is in Django's
model state: Django never reads or writes them. The SQL is spelled out here rather than
imported, so that this migration keeps doing what it did when the app code changes.

Note for later migrations: on SQLite, Django rebuilds a table for most AlterField /
RemoveField operations, which drops its triggers. tests/articles/test_search.py fails then;
re-create them with CREATE_SQLITE_TRIGGERS in that migration.
"""

from django.db import migrations

PG_DOCUMENT = (
    "to_tsvector('german'::regconfig, {row}title || ' ' || {row}kicker || ' ' || {row}lead "
    "|| ' ' || regexp_replace({row}body, '<[^>]*>|&[#a-zA-Z0-9]+;', ' ', 'g'))"
)
PG_CREATE = [
    "ALTER TABLE articles_article ADD COLUMN search_document tsvector",
    "CREATE FUNCTION articles_article_search_document() RETURNS trigger LANGUAGE plpgsql AS $$ "
    f"BEGIN NEW.search_document := {PG_DOCUMENT.format(row='NEW.')}; RETURN NEW; END $$",
    "CREATE TRIGGER articles_article_search_document BEFORE INSERT OR UPDATE OF "
    "title, kicker, lead, body ON articles_article FOR EACH ROW "
    "EXECUTE FUNCTION articles_article_search_document()",
    f"UPDATE articles_article SET search_document = {PG_DOCUMENT.format(row='')}",
    # No pending list (fastupdate): a portal adds a few dozen articles a day, and searches
    # should not depend on when autovacuum last merged it.
    "CREATE INDEX articles_article_search_gin ON articles_article USING gin (search_document) "
    "WITH (fastupdate = off)",
]
PG_DROP = [
    "DROP TRIGGER IF EXISTS articles_article_search_document ON articles_article",
    "DROP FUNCTION IF EXISTS articles_article_search_document()",
    "ALTER TABLE articles_article DROP COLUMN IF EXISTS search_document",
]


def sqlite_text(row):
    """SQL for the searchable text of `row` (new/old/articles_article): the body's HTML tags
    and entities become gaps. SQLite has no regexp_replace: the body is split at the tags into
    a JSON array (json_quote escapes everything else) and the non-tag pieces are joined."""
    pieces = (
        f"json_each('[' || replace(replace(json_quote({row}.body), '<', '\",\"<'), '>', "
        "'>\",\"') || ']')"
    )
    text = f"(SELECT group_concat(value, ' ') FROM {pieces} WHERE substr(value, 1, 1) <> '<')"
    for entity, char in (("&nbsp;", " "), ("&lt;", "<"), ("&gt;", ">"), ("&amp;", "&")):
        text = f"replace({text}, '{entity}', '{char}')"
    return f"{row}.title, {row}.kicker, {row}.lead, {text}"


# Contentless (content=''): the index keeps only tokens, never a second copy of the text,
# and an FTS5 'rebuild' can never index the raw HTML. Deleting needs the indexed values,
# which the triggers recompute from the old row with the same expression.
SQLITE_CREATE_TABLE = (
    "CREATE VIRTUAL TABLE articles_article_search USING fts5("
    "title, kicker, lead, body, content='', tokenize='unicode61 remove_diacritics 0')"
)
_FTS = "articles_article_search"
_INSERT_NEW = f"INSERT INTO {_FTS}(rowid, title, kicker, lead, body) VALUES (new.id, {sqlite_text('new')});"
_DELETE_OLD = (
    f"INSERT INTO {_FTS}({_FTS}, rowid, title, kicker, lead, body) "
    f"VALUES ('delete', old.id, {sqlite_text('old')});"
)
CREATE_SQLITE_TRIGGERS = [
    f"CREATE TRIGGER articles_article_search_insert AFTER INSERT ON articles_article "
    f"BEGIN {_INSERT_NEW} END",
    f"CREATE TRIGGER articles_article_search_delete AFTER DELETE ON articles_article "
    f"BEGIN {_DELETE_OLD} END",
    f"CREATE TRIGGER articles_article_search_update AFTER UPDATE OF id, title, kicker, lead, body "
    f"ON articles_article BEGIN {_DELETE_OLD} {_INSERT_NEW} END",
]
SQLITE_POPULATE = [
    f"INSERT INTO {_FTS}(rowid, title, kicker, lead, body) "
    f"SELECT articles_article.id, {sqlite_text('articles_article')} FROM articles_article",
    f"INSERT INTO {_FTS}({_FTS}) VALUES ('optimize')",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS articles_article_search_insert",
    "DROP TRIGGER IF EXISTS articles_article_search_delete",
    "DROP TRIGGER IF EXISTS articles_article_search_update",
    f"DROP TABLE IF EXISTS {_FTS}",
]


def _run(schema_editor, statements):
    for sql in statements:
        schema_editor.execute(sql, params=None)


def create_index(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        _run(schema_editor, PG_CREATE)
    elif vendor == "sqlite":
        _run(schema_editor, [SQLITE_CREATE_TABLE, *SQLITE_POPULATE, *CREATE_SQLITE_TRIGGERS])


def drop_index(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        _run(schema_editor, PG_DROP)
    elif vendor == "sqlite":
        _run(schema_editor, SQLITE_DROP)


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0004_archive_indexes"),
    ]

    operations = [
        migrations.RunPython(create_index, drop_index, elidable=False),
    ]
