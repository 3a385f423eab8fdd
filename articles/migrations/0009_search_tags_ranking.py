"""Search index, second version (see articles/search.py): tags are searchable, fields are
weighted for ranking, and on PostgreSQL parts of compound words are found.

PostgreSQL:
- the document is weighted (title and tags A, kicker and lead B, body D) and holds the
  article's tag names; links between tags and articles, and renamed tags, recompute it;
- `articles_search_term` holds every word (lexeme) of every document once, with a trigram
  index: "feuerwehr" finds "jugendfeuerwehr" there in a few milliseconds, and the search
  then asks the GIN index for both.
SQLite:
- the FTS5 table gains a `tags` column, and its tokenizer folds diacritics so that the
  query's stems ("Kämmerin" -> "kamm") match as prefixes (see search.py);
- the table is contentless, so removing a row needs the values it was indexed with: the
  tag names indexed for an article are kept in `articles_article_search_tags`.

Every write path keeps the index right, as in 0005: triggers on articles, tag links and tags.
Note for later migrations: on SQLite, Django rebuilds a table for most AlterField /
RemoveField operations, which drops its triggers. Re-create them with
`restore_sqlite_search_triggers` from this module (tests/articles/test_search.py checks).
"""

import importlib

from django.db import migrations

sqlite_text = importlib.import_module("articles.migrations.0005_search_index").sqlite_text

# --- PostgreSQL ----------------------------------------------------------------------------

PG_CREATE = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE TABLE articles_search_term (term text PRIMARY KEY)",
    # The article's document from its fields and its tags' names.
    "CREATE FUNCTION articles_article_document(article_id bigint, title text, kicker text, "
    "lead text, body text) RETURNS tsvector LANGUAGE sql STABLE AS $$ SELECT "
    "setweight(to_tsvector('german'::regconfig, title), 'A') || "
    "setweight(to_tsvector('german'::regconfig, coalesce((SELECT string_agg(t.name, ' ') "
    "FROM articles_taggedarticle ta JOIN articles_tag t ON t.id = ta.tag_id "
    "WHERE ta.content_object_id = article_id), '')), 'A') || "
    "setweight(to_tsvector('german'::regconfig, kicker || ' ' || lead), 'B') || "
    "setweight(to_tsvector('german'::regconfig, "
    "regexp_replace(body, '<[^>]*>|&[#a-zA-Z0-9]+;', ' ', 'g')), 'D') $$",
    # First without collecting the words: one INSERT for all of them below is much faster
    # than one per article.
    "CREATE OR REPLACE FUNCTION articles_article_search_document() RETURNS trigger "
    "LANGUAGE plpgsql AS $$ BEGIN NEW.search_document := articles_article_document("
    "NEW.id, NEW.title, NEW.kicker, NEW.lead, NEW.body); RETURN NEW; END $$",
    # Setting search_document (to anything) recomputes it: the tag triggers rely on that.
    "DROP TRIGGER articles_article_search_document ON articles_article",
    "CREATE TRIGGER articles_article_search_document BEFORE INSERT OR UPDATE OF "
    "title, kicker, lead, body, search_document ON articles_article FOR EACH ROW "
    "EXECUTE FUNCTION articles_article_search_document()",
    "DROP INDEX articles_article_search_gin",
    "UPDATE articles_article SET search_document = NULL",
    "CREATE INDEX articles_article_search_gin ON articles_article USING gin (search_document) "
    "WITH (fastupdate = off)",
    "INSERT INTO articles_search_term (term) SELECT DISTINCT lexeme "
    "FROM articles_article, unnest(search_document) WHERE lexeme ~ '^[[:alpha:]]{4,}$'",
    "CREATE INDEX articles_search_term_trgm ON articles_search_term USING gin "
    "(term gin_trgm_ops)",
    # From now on every saved article adds its new words.
    "CREATE OR REPLACE FUNCTION articles_article_search_document() RETURNS trigger "
    "LANGUAGE plpgsql AS $$ BEGIN NEW.search_document := articles_article_document("
    "NEW.id, NEW.title, NEW.kicker, NEW.lead, NEW.body); "
    "INSERT INTO articles_search_term (term) SELECT lexeme FROM unnest(NEW.search_document) "
    "WHERE lexeme ~ '^[[:alpha:]]{4,}$' ON CONFLICT DO NOTHING; RETURN NEW; END $$",
    "CREATE FUNCTION articles_taggedarticle_search() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN UPDATE articles_article SET search_document = NULL WHERE id = CASE "
    "WHEN TG_OP = 'DELETE' THEN OLD.content_object_id ELSE NEW.content_object_id END; "
    "RETURN NULL; END $$",
    "CREATE TRIGGER articles_taggedarticle_search AFTER INSERT OR DELETE OR UPDATE OF "
    "tag_id, content_object_id ON articles_taggedarticle FOR EACH ROW "
    "EXECUTE FUNCTION articles_taggedarticle_search()",
    "CREATE FUNCTION articles_tag_search() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN UPDATE articles_article SET search_document = NULL WHERE id IN (SELECT "
    "content_object_id FROM articles_taggedarticle WHERE tag_id = NEW.id); RETURN NULL; END $$",
    "CREATE TRIGGER articles_tag_search AFTER UPDATE OF name ON articles_tag FOR EACH ROW "
    "WHEN (OLD.name IS DISTINCT FROM NEW.name) EXECUTE FUNCTION articles_tag_search()",
]
PG_DROP = [
    "DROP TRIGGER IF EXISTS articles_tag_search ON articles_tag",
    "DROP FUNCTION IF EXISTS articles_tag_search()",
    "DROP TRIGGER IF EXISTS articles_taggedarticle_search ON articles_taggedarticle",
    "DROP FUNCTION IF EXISTS articles_taggedarticle_search()",
    "DROP TABLE IF EXISTS articles_search_term",
    # Back to 0005's document.
    "CREATE OR REPLACE FUNCTION articles_article_search_document() RETURNS trigger "
    "LANGUAGE plpgsql AS $$ BEGIN NEW.search_document := to_tsvector('german'::regconfig, "
    "NEW.title || ' ' || NEW.kicker || ' ' || NEW.lead || ' ' || "
    "regexp_replace(NEW.body, '<[^>]*>|&[#a-zA-Z0-9]+;', ' ', 'g')); RETURN NEW; END $$",
    "DROP TRIGGER articles_article_search_document ON articles_article",
    "CREATE TRIGGER articles_article_search_document BEFORE INSERT OR UPDATE OF "
    "title, kicker, lead, body ON articles_article FOR EACH ROW "
    "EXECUTE FUNCTION articles_article_search_document()",
    "UPDATE articles_article SET title = title",
    "DROP FUNCTION IF EXISTS articles_article_document(bigint, text, text, text, text)",
]

# --- SQLite --------------------------------------------------------------------------------

_FTS = "articles_article_search"
_TAGS = "articles_article_search_tags"
_COLUMNS = "rowid, title, kicker, lead, body, tags"

SQLITE_CREATE = [
    # remove_diacritics 2: "Kämmerin" is indexed as "kammerin", which the query's stem
    # "kamm" (Snowball folds umlauts) finds as a prefix.
    f"CREATE VIRTUAL TABLE {_FTS} USING fts5(title, kicker, lead, body, tags, content='', "
    "tokenize='unicode61 remove_diacritics 2')",
    f"CREATE TABLE {_TAGS} (article_id INTEGER PRIMARY KEY, tags TEXT NOT NULL)",
]


def _tag_names(article_id: str) -> str:
    return (
        "(SELECT group_concat(t.name, ' ') FROM articles_taggedarticle AS ta "
        f"JOIN articles_tag AS t ON t.id = ta.tag_id WHERE ta.content_object_id = {article_id})"
    )


def _index_rows(where: str, *, delete: bool) -> str:
    """Add (or remove) the index rows of the articles matching `where` (over `a`)."""
    target, command = (f"{_FTS}({_FTS}, {_COLUMNS})", "'delete', ") if delete else (
        f"{_FTS}({_COLUMNS})",
        "",
    )
    return (
        f"INSERT INTO {target} SELECT {command}a.id, {sqlite_text('a')}, "
        f"coalesce(s.tags, '') FROM articles_article AS a "
        f"LEFT JOIN {_TAGS} AS s ON s.article_id = a.id WHERE {where};"
    )


def _reindex(where: str) -> str:
    """Statements that re-index the articles matching `where` with their current tags."""
    return (
        _index_rows(where, delete=True)
        + f"DELETE FROM {_TAGS} WHERE article_id IN (SELECT a.id FROM articles_article AS a "
        f"WHERE {where});"
        + f"INSERT INTO {_TAGS}(article_id, tags) SELECT a.id, {_tag_names('a.id')} "
        f"FROM articles_article AS a WHERE {where} AND {_tag_names('a.id')} IS NOT NULL;"
        + _index_rows(where, delete=False)
    )


_OLD_TAGS = f"coalesce((SELECT tags FROM {_TAGS} WHERE article_id = old.id), '')"
_NEW_TAGS = f"coalesce((SELECT tags FROM {_TAGS} WHERE article_id = new.id), '')"
_DELETE_OLD = (
    f"INSERT INTO {_FTS}({_FTS}, {_COLUMNS}) VALUES ('delete', old.id, {sqlite_text('old')}, "
    f"{_OLD_TAGS});"
)
_INSERT_NEW = f"INSERT INTO {_FTS}({_COLUMNS}) VALUES (new.id, {sqlite_text('new')}, {_NEW_TAGS});"
_TAGGED_NEW = "a.id = new.content_object_id"
_TAGGED_OLD = "a.id = old.content_object_id"

CREATE_SQLITE_TRIGGERS = [
    f"CREATE TRIGGER articles_article_search_insert AFTER INSERT ON articles_article "
    f"BEGIN {_INSERT_NEW} END",
    f"CREATE TRIGGER articles_article_search_delete AFTER DELETE ON articles_article "
    f"BEGIN {_DELETE_OLD} DELETE FROM {_TAGS} WHERE article_id = old.id; END",
    f"CREATE TRIGGER articles_article_search_update AFTER UPDATE OF id, title, kicker, lead, "
    f"body ON articles_article BEGIN {_DELETE_OLD} "
    f"UPDATE {_TAGS} SET article_id = new.id WHERE article_id = old.id; {_INSERT_NEW} END",
    f"CREATE TRIGGER articles_taggedarticle_search_insert AFTER INSERT ON "
    f"articles_taggedarticle BEGIN {_reindex(_TAGGED_NEW)} END",
    f"CREATE TRIGGER articles_taggedarticle_search_delete AFTER DELETE ON "
    f"articles_taggedarticle BEGIN {_reindex(_TAGGED_OLD)} END",
    f"CREATE TRIGGER articles_taggedarticle_search_update AFTER UPDATE OF tag_id, "
    f"content_object_id ON articles_taggedarticle BEGIN {_reindex(_TAGGED_OLD)} "
    f"{_reindex(_TAGGED_NEW)} END",
    f"CREATE TRIGGER articles_tag_search_rename AFTER UPDATE OF name ON articles_tag "
    f"WHEN old.name IS NOT new.name BEGIN "
    f"{_reindex('a.id IN (SELECT content_object_id FROM articles_taggedarticle WHERE tag_id = new.id)')} END",  # noqa: E501
]
SQLITE_TRIGGER_NAMES = [
    "articles_article_search_insert",
    "articles_article_search_delete",
    "articles_article_search_update",
    "articles_taggedarticle_search_insert",
    "articles_taggedarticle_search_delete",
    "articles_taggedarticle_search_update",
    "articles_tag_search_rename",
]
SQLITE_POPULATE = [
    f"INSERT INTO {_TAGS}(article_id, tags) SELECT ta.content_object_id, group_concat(t.name, ' ') "
    "FROM articles_taggedarticle AS ta JOIN articles_tag AS t ON t.id = ta.tag_id "
    "GROUP BY ta.content_object_id",
    _index_rows("1", delete=False).rstrip(";"),
    f"INSERT INTO {_FTS}({_FTS}) VALUES ('optimize')",
]
SQLITE_DROP = [
    *(f"DROP TRIGGER IF EXISTS {name}" for name in SQLITE_TRIGGER_NAMES),
    f"DROP TABLE IF EXISTS {_FTS}",
    f"DROP TABLE IF EXISTS {_TAGS}",
]


def restore_sqlite_search_triggers(apps, schema_editor):
    """For migrations that rebuild articles_article, its tags or tag links on SQLite."""
    if schema_editor.connection.vendor == "sqlite":
        drop = [f"DROP TRIGGER IF EXISTS {name}" for name in SQLITE_TRIGGER_NAMES]
        _run(schema_editor, [*drop, *CREATE_SQLITE_TRIGGERS])


def _run(schema_editor, statements):
    for sql in statements:
        schema_editor.execute(sql, params=None)


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        _run(schema_editor, PG_CREATE)
    elif vendor == "sqlite":
        _run(schema_editor, [*SQLITE_DROP, *SQLITE_CREATE, *SQLITE_POPULATE])
        _run(schema_editor, CREATE_SQLITE_TRIGGERS)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        _run(schema_editor, PG_DROP)
    elif vendor == "sqlite":
        search_index = importlib.import_module("articles.migrations.0005_search_index")
        _run(schema_editor, SQLITE_DROP)
        _run(
            schema_editor,
            [
                search_index.SQLITE_CREATE_TABLE,
                *search_index.SQLITE_POPULATE,
                *search_index.CREATE_SQLITE_TRIGGERS,
            ],
        )


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0008_image_library"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
