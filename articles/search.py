"""Full-text search over articles whose cost does not grow with the archive.

PostgreSQL: a German tsvector of title, kicker, lead and the body without its HTML, stored
by a trigger in a column Django does not know (`search_document`) and indexed with GIN
(migration 0005); "Schulen" finds "Schule".
SQLite: an FTS5 table `articles_article_search` (contentless, rowid = article id) that
triggers on articles_article keep in sync for every write path; words are matched exactly,
with case folding (also of umlauts, "überschuss" finds "Überschuss").

Both look at a bounded candidate set: the `RESULT_LIMIT` newest published matches. A common
word in 50,000 articles must not make the database fetch and sort 50,000 rows per page view.
"""

import re
import unicodedata

from django.db import connection
from django.db.models.expressions import RawSQL
from django.utils import timezone

# The search page says so when the limit is reached ("Es werden die neuesten 200 Treffer
# gezeigt"); more words narrow the search down to older articles. 200 is 17 pages of
# results; a larger bound only makes every search of a common word slower.
RESULT_LIMIT = 200
# Words beyond this add nothing a reader needs and only cost index lookups.
MAX_WORDS = 16

SQLITE_TABLE = "articles_article_search"
PG_INDEX = "articles_article_search_gin"
# A tsvector column kept by a trigger and indexed with GIN (migration 0005).
PG_DOCUMENT = "search_document"

_WORD = re.compile(r"\w+")


def clean_query(query: str) -> str:
    """`query` without control characters and lone surrogates (which no database accepts)."""
    return "".join(c for c in query if unicodedata.category(c) not in ("Cc", "Cs")).strip()


def query_words(query: str) -> list[str]:
    """The words of `query`: operators, quotes and punctuation are no syntax, just gaps."""
    return _WORD.findall(clean_query(query))[:MAX_WORDS]


def fts5_query(words: list[str]) -> str:
    """An FTS5 query needing every word: each one an FTS5 string, so none is an operator."""
    return " ".join('"{}"'.format(word.replace('"', '""')) for word in words)


def search_articles(queryset, query: str):
    """Published articles of `queryset` containing every word of `query`.

    Only the RESULT_LIMIT newest matches are candidates (on SQLite the most recently added,
    as the FTS5 index is ordered by article id), whatever order the caller then asks for.
    Call it on all articles (`Article.objects.search(q)`): the published filter is part of
    the candidate query, and indexable filters before it tempt SQLite's planner to walk
    their index over the whole archive instead of looking up the few candidates.
    """
    words = query_words(query)
    if not words:
        return queryset.none()
    published = ["published", connection.ops.adapt_datetimefield_value(timezone.now())]
    if connection.vendor == "postgresql":
        # Rare words: a bitmap scan of the GIN index. Common words: the planner walks the
        # (status, published_at) index newest first and stops after RESULT_LIMIT matches,
        # testing each row's stored tsvector. Either way no sort of all matches.
        candidates = RawSQL(
            f"SELECT id FROM articles_article WHERE {PG_DOCUMENT} @@ "
            "plainto_tsquery('german'::regconfig, %s) AND status = %s AND published_at <= %s "
            "ORDER BY published_at DESC, id DESC LIMIT %s",
            [" ".join(words), *published, RESULT_LIMIT],
        )
    elif connection.vendor == "sqlite":
        # The FTS5 index yields matches by descending rowid (= article id) and the LIMIT
        # stops it early: no temporary sort, however many articles contain the word.
        candidates = RawSQL(
            f"SELECT {SQLITE_TABLE}.rowid FROM {SQLITE_TABLE} "
            f"JOIN articles_article AS a ON a.id = {SQLITE_TABLE}.rowid "
            f"WHERE {SQLITE_TABLE} MATCH %s AND a.status = %s AND a.published_at <= %s "
            f"ORDER BY {SQLITE_TABLE}.rowid DESC LIMIT %s",
            [fts5_query(words), *published, RESULT_LIMIT],
        )
    else:
        raise NotImplementedError(f"no article search for {connection.vendor}")
    return queryset.filter(pk__in=candidates)
