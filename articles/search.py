"""Full-text search over articles whose cost does not grow with the archive.

Searched: title, kicker, lead, body (without its HTML) and the tag names. Every word of the
query is required; operators, quotes and punctuation are no syntax, just gaps.

PostgreSQL: a weighted German tsvector (title and tags count most, then kicker and lead,
then the body) in a column Django does not know (`search_document`), kept by triggers and
indexed with GIN (migrations 0005 and 0009). German word forms come from the stemmer
("Schulen" finds "Schule"); parts of compound words from `articles_search_term`, every
indexed word once with a trigram index: "Feuerwehr" also asks for the (at most
COMPOUND_TERMS shortest) indexed words that contain it, such as "Jugendfeuerwehr".
SQLite: an FTS5 table `articles_article_search` (contentless, rowid = article id) kept in
sync by triggers. The query's words are reduced to their stems with the same Snowball
stemmer PostgreSQL uses; a stem of PREFIX_MIN letters or more matches as a prefix
("Hallenbad" finds "Hallenbads"), a shorter one its inflected forms ("Rat" finds "Rates",
not "Rathaus"). Case and umlauts are folded ("überschuss" finds "Überschuss").

Both look at a bounded candidate set, the `RESULT_LIMIT` newest published matches (a common
word in 50,000 articles must not make the database fetch 50,000 rows per page view), and
rank only those: a word in the title or a tag counts more than one in the body, then newer
before older.
"""

import functools
import math
import re
import unicodedata
from datetime import UTC, datetime, timedelta
from html import unescape

import snowballstemmer
from django.db import connection, transaction
from django.utils import timezone
from django.utils.html import escape, strip_tags
from django.utils.safestring import SafeString, mark_safe

# The search page says so when the limit is reached ("Es werden die neuesten 100 Treffer
# gezeigt"); more words narrow the search down to older articles. 100 is 9 pages of
# results; every search of a common word costs in proportion to this bound (200 took
# twice as long to find and rank, for pages hardly anyone reads).
RESULT_LIMIT = 100
# Words beyond this add nothing a reader needs and only cost index lookups.
MAX_WORDS = 16
# SQLite: stems this long match as prefixes; shorter ones would match too much ("rat").
PREFIX_MIN = 6
# Inflections a short stem is searched with on SQLite (PostgreSQL's stemmer knows them).
SUFFIXES = ("", "e", "em", "en", "ens", "er", "ern", "es", "n", "s")
# PostgreSQL: query words with a stem this long are also looked for inside compounds.
COMPOUND_MIN = 5
COMPOUND_TERMS = 30
# Words around the first match that a result's snippet shows.
SNIPPET_WORDS = 36

SQLITE_TABLE = "articles_article_search"
PG_INDEX = "articles_article_search_gin"
# A tsvector column kept by a trigger and indexed with GIN (migrations 0005, 0009).
PG_DOCUMENT = "search_document"
PG_TERMS = "articles_search_term"
# Weights of (title, kicker, lead, body, tags) in SQLite's bm25().
SQLITE_WEIGHTS = "10.0, 4.0, 4.0, 1.0, 10.0"

_WORD = re.compile(r"[^\W_]+")
_WORDS_AND_GAPS = re.compile(r"([^\W_]+)")


def clean_query(query: str) -> str:
    """`query` without control characters and lone surrogates (which no database accepts)."""
    return "".join(c for c in query if unicodedata.category(c) not in ("Cc", "Cs")).strip()


def query_words(query: str) -> list[str]:
    """The words of `query`, lower-cased: operators, quotes and punctuation are gaps."""
    return [word.lower() for word in _WORD.findall(clean_query(query))[:MAX_WORDS]]


def fold(word: str) -> str:
    """`word` as the indexes compare it: lower case, without diacritics, "ß" as "ss"."""
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def stem(word: str) -> str:
    # A stemmer object keeps state while it works: one per call, so threads never share it.
    return snowballstemmer.stemmer("german").stemWord(word.lower())


def fts5_query(words: list[str]) -> str:
    """An FTS5 query needing every word: each one a group of FTS5 strings (never operators),
    its stem as a prefix or its inflected forms, and the word itself as typed."""

    def quoted(term: str) -> str:
        return '"{}"'.format(term.replace('"', '""'))

    groups = []
    for word in words:
        base = stem(word)
        if len(base) >= PREFIX_MIN:
            terms = {f"{quoted(base)}*", f"{quoted(word)}*"}
        else:
            terms = {quoted(form + suffix) for form in (base, word) for suffix in SUFFIXES}
        groups.append("(" + " OR ".join(sorted(terms)) + ")")
    return " AND ".join(groups)


def _pg_query(words: list[str]) -> tuple[str, list]:
    """A tsquery needing every word in one of its German forms or inside a compound."""
    groups, params = [], []
    for word in words:
        group = "plainto_tsquery('german'::regconfig, %s)"
        params.append(word)
        base = fold(stem(word))
        if len(base) >= COMPOUND_MIN:
            # Stop words ("über") get no compounds: plainto_tsquery drops them.
            group = (
                f"CASE WHEN numnode({group}) = 0 THEN ''::tsquery ELSE {group} || coalesce(("
                "SELECT to_tsquery('simple'::regconfig, string_agg(term, ' | ')) FROM ("
                f"SELECT term FROM {PG_TERMS} WHERE term LIKE %s ORDER BY length(term), term "
                "LIMIT %s) AS compounds), ''::tsquery) END"
            )
            params += [word, f"%{base}%", COMPOUND_TERMS]
        groups.append(f"({group})")
    return " && ".join(groups), params


# PostgreSQL (see _pg_candidates): articles walked first; the share of matches from which
# walking on is cheaper than a window; a window's least length, times all searched before.
PG_WALK_ROWS = 1000
PG_WALK_SHARE = 0.1
PG_WINDOW_GROWTH = 2
# A window that should hold this many times the articles searched so far is left open.
PG_OPEN_WINDOW = 16
# Older than any article: a window reaching back beyond it is open.
EPOCH = datetime(1990, 1, 1, tzinfo=UTC)


def _candidates(words: list[str]) -> list[tuple[int, float, object]]:
    """(id, rank, published_at) of the bounded candidates, the newest RESULT_LIMIT published
    matches, unordered; the higher the rank, the better the match."""
    now = timezone.now()
    if connection.vendor == "postgresql":
        return _pg_candidates(words, now)
    if connection.vendor == "sqlite":
        # The FTS5 index yields matches by descending rowid (= article id) and the LIMIT
        # stops it early: no sort of all matches, however many articles contain the word.
        # bm25() is better the lower it is.
        table = SQLITE_TABLE
        sql = (
            f"SELECT {table}.rowid, -bm25({table}, {SQLITE_WEIGHTS}), a.published_at "
            f"FROM {table} JOIN articles_article AS a ON a.id = {table}.rowid "
            f"WHERE {table} MATCH %s AND a.status = %s AND a.published_at <= %s "
            f"ORDER BY {table}.rowid DESC LIMIT %s"
        )
        params = [fts5_query(words), "published", _db_time(now), RESULT_LIMIT]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()
    raise NotImplementedError(f"no article search for {connection.vendor}")


def _db_time(moment):
    return connection.ops.adapt_datetimefield_value(moment)


def _pg_candidates(words: list[str], now) -> list[tuple[int, float, object]]:
    """The tsquery first (one query that expands the words), then the newest matches with
    work bounded by what is found, not by the archive, whatever the words' frequencies.

    Two ways to find them, chosen by the matches per article seen so far:
    - a walk: articles newest first through the date index, each one's document tested,
      as many as should hold the missing matches (at first PG_WALK_ROWS): right where
      matches are frequent;
    - a window: the GIN index's matches ANDed in a bitmap with a span of the date index,
      so only articles that match and lie in the span are read: right where matches are
      rare, as the GIN index's work grows with the word's matches in the whole archive.
      The span should hold what is missing (half as much again), and is at least twice
      everything searched before; it is open when it would reach back before any article
      or hold PG_OPEN_WINDOW times what was searched (then the matches are few).

    The planner cannot be left to choose: two common words that rarely meet („Sanierung
    Hallenbad“) look common to it (it multiplies their frequencies), and its walk reads
    half the archive; a word in one article of twenty needs a walk of 4,000."""
    tsquery, params = _pg_query(words)
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        cursor.execute(f"SELECT ({tsquery})::text", params)
        tsquery = cursor.fetchone()[0]
        if not tsquery:
            return []  # only stop words ("der die das")
        found = _PgSearch(cursor, tsquery, now).run()
        # Rolled back, never committed: nothing was written, and this ends the SET LOCALs
        # also when the search runs inside a longer transaction.
        transaction.set_rollback(True, using=connection.alias)
    return found


class _PgSearch:
    SELECT = (
        f"SELECT id, ts_rank(document, %s::tsquery), published_at FROM (SELECT id, "
        f"published_at, {PG_DOCUMENT} AS document FROM {{source}} WHERE {PG_DOCUMENT} @@ "
        "%s::tsquery {window}ORDER BY published_at DESC, id DESC LIMIT %s) AS found"
    )
    NEWEST = (
        f"(SELECT id, published_at, {PG_DOCUMENT} FROM articles_article WHERE status = %s "
        "AND published_at <= %s ORDER BY published_at DESC, id DESC LIMIT %s) AS newest"
    )

    def __init__(self, cursor, tsquery: str, now):
        self.cursor, self.tsquery, self.now = cursor, tsquery, now
        self.found: dict[int, tuple] = {}
        self.border = now  # everything newer has been searched; this moment is searched again
        self.searched = 0  # articles searched so far
        self.index_scans = True

    def run(self) -> list[tuple]:
        self.walk(PG_WALK_ROWS)
        while self.border is not None and len(self.found) < RESULT_LIMIT:
            missing = RESULT_LIMIT - len(self.found)
            share = len(self.found) / self.searched
            if share >= PG_WALK_SHARE:
                self.walk(math.ceil(1.5 * missing / share))
            else:
                wanted = self.searched * PG_WINDOW_GROWTH
                if share:
                    wanted = max(wanted, 1.5 * missing / share)
                self.window(wanted)
        return list(self.found.values())

    def walk(self, rows: int) -> None:
        self.set_index_scans(True)
        self.fetch(self.NEWEST, "", ["published", _db_time(self.border), rows])
        if len(self.found) >= RESULT_LIMIT:
            return
        self.cursor.execute(
            "SELECT published_at FROM articles_article WHERE status = %s AND published_at <= "
            "%s ORDER BY published_at DESC, id DESC OFFSET %s LIMIT 1",
            ["published", _db_time(self.border), rows - 1],
        )
        last = self.cursor.fetchone()
        if last is None:
            self.border = None  # the walk reached the oldest article
        elif last[0] == self.border:
            self.window(rows, older=last[0] - timedelta(seconds=1))  # all at one moment
        else:
            self.border, self.searched = last[0], self.searched + rows

    def window(self, wanted: float, older=None) -> None:
        if older is None:
            # As many seconds back as `wanted` articles took to publish so far.
            span = wanted * max((self.now - self.border).total_seconds(), 1) / self.searched
            # Matches so rare that many times what was searched is wanted: all of them from
            # the word index costs less than a window's share of the date index.
            if (
                wanted < PG_OPEN_WINDOW * self.searched
                and span < (self.border - EPOCH).total_seconds()
            ):
                older = self.border - timedelta(seconds=span)
        self.set_index_scans(False)
        condition = "AND status = %s AND published_at <= %s "
        params = ["published", _db_time(self.border)]
        if older is not None:
            condition += "AND published_at > %s "
            params.append(_db_time(older))
        self.fetch("articles_article", condition, params)
        self.border, self.searched = older, self.searched + wanted

    def fetch(self, source: str, condition: str, source_params: list) -> None:
        sql = self.SELECT.format(source=source, window=condition)
        if condition:
            params = [self.tsquery, self.tsquery, *source_params]
        else:
            params = [self.tsquery, *source_params, self.tsquery]
        # Matches at the border moment were found before and come again: as many more.
        again = sum(1 for row in self.found.values() if row[2] == self.border)
        self.cursor.execute(sql, [*params, RESULT_LIMIT - len(self.found) + again])
        for row in self.cursor.fetchall():
            self.found.setdefault(row[0], row)

    def set_index_scans(self, on: bool) -> None:
        # Off for windows: a walk through a window would read all of it.
        if on != self.index_scans:
            self.cursor.execute(f"SET LOCAL enable_indexscan = {'on' if on else 'off'}")
            self.index_scans = on


def ranked_ids(query: str) -> list[tuple[int, float]]:
    """(article id, rank) of the published articles containing every word of `query`, best
    first (then newer first): at most RESULT_LIMIT, the newest matches."""
    words = query_words(query)
    if not words:
        return []
    ranked = sorted(_candidates(words), key=lambda row: (row[1], row[2], row[0]), reverse=True)
    return [(pk, rank) for pk, rank, _published in ranked]


def search_articles(queryset, query: str):
    """Published articles of `queryset` containing every word of `query`, in the order the
    caller asks for; only the RESULT_LIMIT newest matches are candidates (found at once)."""
    words = query_words(query)
    if not words:
        return queryset.none()
    return queryset.filter(pk__in=[pk for pk, _rank, _published in _candidates(words)])


# --- Snippets --------------------------------------------------------------------------


@functools.lru_cache(maxsize=64)  # one per query, shared by the snippets of its results
def _matcher(words: tuple[str, ...], vendor: str):
    """Whether a word of a text is one the search matched (folded, as the indexes do)."""
    prefixes, forms, parts = set(), set(), set()
    for word in words:
        base, typed = fold(stem(word)), fold(word)
        if len(base) >= PREFIX_MIN:
            prefixes |= {base, typed}
        else:
            forms |= {form + suffix for form in (base, typed) for suffix in SUFFIXES}
        if vendor == "postgresql" and len(base) >= COMPOUND_MIN:
            parts.add(base)

    @functools.lru_cache(maxsize=1024)  # texts repeat their words; folding is the cost
    def matches(text_word: str) -> bool:
        folded = fold(text_word)
        return (
            folded in forms
            or folded.startswith(tuple(prefixes))
            or any(part in folded for part in parts)
        )

    return matches


def snippet(article, query: str) -> SafeString:
    """A passage of `article` around the first word the search matched, that word and
    every later match marked (`<mark>`); the lead's beginning when only the title matched."""
    matches = _matcher(tuple(query_words(query)), connection.vendor)
    for text in (unescape(strip_tags(article.body)), article.lead, article.kicker):
        # Alternating gaps and words: pieces[1], pieces[3], ... are the words.
        pieces = _WORDS_AND_GAPS.split(" ".join(text.split()))
        found = next((i for i in range(1, len(pieces), 2) if matches(pieces[i])), None)
        if found:
            break
    else:
        pieces = _WORDS_AND_GAPS.split(" ".join(article.excerpt.split()))
        found = 1
    first = max(1, found - 16)  # about eight words before the first match
    last = min(len(pieces), first + 2 * SNIPPET_WORDS)
    out = ["… " if first > 1 else ""]
    for i in range(first, last):
        piece = escape(pieces[i])
        out.append(f"<mark>{piece}</mark>" if i % 2 and matches(pieces[i]) else piece)
    if last < len(pieces) - 1:
        out.append(" …")
    return mark_safe("".join(out).strip())
