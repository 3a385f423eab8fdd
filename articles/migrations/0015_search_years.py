"""Search index, third version (PostgreSQL only; see articles/search.py): the words of each
document once more with the year of publication ("sanier@2026", without positions), in a
column of their own (`search_years`) with a GIN index of its own.

A search looks at the newest matches through windows in time. The GIN index knows no dates,
so a window asked for the words themselves reads their matches in the whole archive: two
common words that rarely meet („Sanierung Hallenbad“) took 15–25 ms at a million articles.
Asked for the words of the window's years, it reads only those years' matches (1.3 ms).
A column apart, because the walk through the newest articles tests each one's document, and
the year part in that document would double what it reads.

0009's trigger sets the column too and now also fires when the publication date changes.
"""

from django.db import migrations

# The words of a document again, each with the (UTC) year of its publication.
PG_YEARS_FUNCTION = (
    "CREATE FUNCTION articles_search_years(document tsvector, published timestamptz) "
    "RETURNS tsvector LANGUAGE sql IMMUTABLE AS $$ SELECT CASE WHEN published IS NULL THEN "
    "NULL ELSE array_to_tsvector(ARRAY(SELECT lexeme || '@' || "
    "extract(year FROM published AT TIME ZONE 'UTC')::int FROM unnest(document))) END $$"
)


def _trigger(years: bool) -> list[str]:
    """0009's trigger (the document, its words into articles_search_term), setting the year
    column too and watching the publication date when `years`."""
    set_years = (
        "NEW.search_years := articles_search_years(NEW.search_document, NEW.published_at); "
        if years
        else ""
    )
    return [
        "CREATE OR REPLACE FUNCTION articles_article_search_document() RETURNS trigger "
        "LANGUAGE plpgsql AS $$ BEGIN NEW.search_document := articles_article_document("
        "NEW.id, NEW.title, NEW.kicker, NEW.lead, NEW.body); "
        "INSERT INTO articles_search_term (term) SELECT lexeme FROM unnest(NEW.search_document) "
        f"WHERE lexeme ~ '^[[:alpha:]]{{4,}}$' ON CONFLICT DO NOTHING; {set_years}"
        "RETURN NEW; END $$",
        "DROP TRIGGER articles_article_search_document ON articles_article",
        "CREATE TRIGGER articles_article_search_document BEFORE INSERT OR UPDATE OF "
        f"title, kicker, lead, body, search_document{', published_at' if years else ''} "
        "ON articles_article FOR EACH ROW EXECUTE FUNCTION articles_article_search_document()",
    ]


PG_FORWARD = [
    PG_YEARS_FUNCTION,
    "ALTER TABLE articles_article ADD COLUMN search_years tsvector",
    # Not a column the trigger watches: this UPDATE leaves the documents as they are.
    "UPDATE articles_article SET search_years = "
    "articles_search_years(search_document, published_at) WHERE published_at IS NOT NULL",
    *_trigger(years=True),
    "CREATE INDEX articles_article_search_years_gin ON articles_article USING gin "
    "(search_years) WITH (fastupdate = off)",
]
PG_BACKWARD = [
    *_trigger(years=False),
    "ALTER TABLE articles_article DROP COLUMN search_years",
    "DROP FUNCTION articles_search_years(tsvector, timestamptz)",
]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in PG_FORWARD:
            schema_editor.execute(sql, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in PG_BACKWARD:
            schema_editor.execute(sql, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0014_lead_story_partial_index"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
