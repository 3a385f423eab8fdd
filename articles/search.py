"""Full-text search over articles whose cost does not grow with the archive.

Searched: title, kicker, lead, body (without its HTML) and the tag names. Every word of the
query is required; operators, quotes and punctuation are no syntax, just gaps.

PostgreSQL: a weighted German tsvector (title and tags count most, then kicker and lead,
then the body) in a column Django does not know (`search_document`), kept by triggers and
indexed with GIN (migrations 0005 and 0009); its words once more with the year of
publication in `search_years`, for searches through a span of years (0015). German word
forms come from the stemmer ("Schulen" finds "Schule"); parts of compound words from
`articles_search_term`, every indexed word once with a trigram index: "Feuerwehr" also
asks for the (at most COMPOUND_TERMS shortest) indexed words that contain it, such as
"Jugendfeuerwehr".
SQLite: an FTS5 table `articles_article_search` (contentless, rowid = article id) kept in
sync by triggers. The query's words are reduced to their stems with the same Snowball
stemmer PostgreSQL uses; a stem of PREFIX_MIN letters or more matches as a prefix
("Hallenbad" finds "Hallenbads"), a shorter one its inflected forms ("Rat" finds "Rates",
not "Rathaus"). Case and umlauts are folded ("überschuss" finds "Überschuss"). A prefix is
asked for as the indexed words that begin with it, looked up in the index's vocabulary at
each search (FTS5 would read every match of a prefix in the archive before the first).

Both look at a bounded candidate set, the `RESULT_LIMIT` newest published matches (a common
word in 50,000 articles must not make the database fetch 50,000 rows per page view), and
rank only those: a word in the title or a tag counts more than one in the kicker or lead,
and that more than one in the body, then newer before older (PostgreSQL: ts_rank, which
also weighs how often and how close together the words occur; SQLite: per word the best
field it is in, from the candidates' own fields).
"""

import functools
import math
import re
import unicodedata
from datetime import UTC, datetime, timedelta
from html import escape, unescape

import snowballstemmer
from django.db import connection, transaction
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from newsroom.replicas import read_connection

# The search page says so when the limit is reached ("Es werden die neuesten 100 Treffer
# gezeigt"); more words narrow the search down to older articles. 100 is 9 pages of
# results; every search of a common word costs in proportion to this bound (200 took
# twice as long to find and rank, for pages hardly anyone reads).
RESULT_LIMIT = 100
# Words beyond this add nothing a reader needs and only cost index lookups.
MAX_WORDS = 16
# SQLite: stems this long match as prefixes; shorter ones would match too much ("rat").
PREFIX_MIN = 6
# SQLite: a prefix is searched as the index's terms that begin with it, at most this many
# (FTS5 reads a prefix's every match in the archive before the first result, a term's
# newest matches only); beyond, as the prefix.
PREFIX_TERMS = 30
# Inflections a short stem is searched with on SQLite (PostgreSQL's stemmer knows them).
SUFFIXES = ("", "e", "em", "en", "ens", "er", "ern", "es", "n", "s")
# PostgreSQL: query words with a stem this long are also looked for inside compounds.
COMPOUND_MIN = 5
COMPOUND_TERMS = 30
# Words around the first match that a result's snippet shows, and the characters around
# it that are cut into words for it (more than enough for those words).
SNIPPET_WORDS = 36
SNIPPET_BEFORE, SNIPPET_AFTER = 200, 1500

SQLITE_TABLE = "articles_article_search"
# A tsvector column kept by a trigger and indexed with GIN (migrations 0005, 0009).
PG_DOCUMENT = "search_document"
# Its words with their year of publication, kept and indexed alike (0015; see _dated).
PG_YEARS = "search_years"
PG_TERMS = "articles_search_term"
SQLITE_TAGS = "articles_article_search_tags"
# A per-connection fts5vocab table over SQLITE_TABLE (see _sqlite_terms).
SQLITE_VOCAB = "articles_article_search_vocab"
# SQLite's rank: per query word the weight of the best field it is in: title or tags,
# kicker or lead, otherwise (it matched) the body. Not bm25(): its first call counts every
# article holding each term of the query, whose cost grows with the archive (3 of the 8 ms
# of „Sanierung Hallenbad“ at 100,000 articles, 0.2 ms at 200).
SQLITE_WEIGHTS = (10.0, 4.0, 1.0)

_WORD = re.compile(r"[^\W_]+")
# Prefixes whose index terms are looked up on SQLite: German letters and digits, which
# fts5_fold() folds as FTS5's tokenizer does (anything else stays an FTS5 prefix query).
_FTS5_PLAIN = re.compile(r"[0-9a-zß]+")
_WORDS_AND_GAPS = re.compile(r"([^\W_]+)")
_SPACES = re.compile(r"\s+")
_TAGS = re.compile(r"<[^>]*>")


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


def fts5_groups(words: list[str], expand=None) -> list[list[tuple[str, bool]]]:
    """Per word the FTS5 strings of which an article must hold one, each (string, whether a
    prefix): its stem as a prefix or its inflected forms, and the word itself as typed.

    `expand(prefixes)`, if given, returns for each prefix the index's terms that begin with
    it (or nothing, when they are too many): those terms replace the prefix."""
    groups = []
    for word in words:
        base = stem(word)
        if len(base) >= PREFIX_MIN:
            # The word as typed only when the stem's prefix does not cover it already
            # ("sanier"* finds all "sanierung"* does).
            prefixes = [fts5_fold(base)]
            if not fts5_fold(word).startswith(prefixes[0]):
                prefixes.append(fts5_fold(word))
            groups.append([(prefix, True) for prefix in prefixes])
        else:
            forms = {form + suffix for form in (base, word) for suffix in SUFFIXES}
            groups.append([(form, False) for form in sorted(forms)])
    # Only words the tokenizer is known to fold as fts5_fold() does.
    wanted = [t for group in groups for t, prefix in group if prefix and _FTS5_PLAIN.fullmatch(t)]
    if expand is None or not wanted:
        return groups
    expanded = dict(zip(wanted, expand(wanted), strict=True))
    for i, group in enumerate(groups):
        strings = set()
        for string, prefix in group:
            terms = expanded.get(string) if prefix else None
            strings |= {(term, False) for term in terms} if terms else {(string, prefix)}
        groups[i] = sorted(strings)
    return groups


def fts5_query(words: list[str], expand=None) -> str:
    """An FTS5 query needing every word (see fts5_groups): strings, never operators."""
    return _fts5_match(fts5_groups(words, expand))


def _fts5_match(groups) -> str:
    def quoted(string: str, prefix: bool) -> str:
        return '"{}"{}'.format(string.replace('"', '""'), "*" if prefix else "")

    return " AND ".join(
        "(" + " OR ".join(quoted(string, prefix) for string, prefix in group) + ")"
        for group in groups
    )


_COMBINING = re.compile("[\u0300-\u036f]")


def fts5_fold(text: str) -> str:
    """`text` as SQLite's FTS5 tokenizer (unicode61 remove_diacritics 2) indexes German words:
    lower case, without diacritics; unlike fold(), "ß" stays."""
    return _COMBINING.sub("", unicodedata.normalize("NFKD", text.lower()))


def _rank_pattern(group: list[tuple[str, bool]]) -> re.Pattern:
    """A pattern finding one of the group's strings as a word (or a word's beginning, for a
    prefix) in fts5_fold()ed text."""
    words = [re.escape(fts5_fold(s)) for s, prefix in group if not prefix]
    beginnings = [re.escape(fts5_fold(s)) for s, prefix in group if prefix]
    either = []
    if words:
        either.append(f"(?:{'|'.join(words)})(?![^\\W_])")
    if beginnings:
        either.append(f"(?:{'|'.join(beginnings)})")
    return re.compile(f"(?<![^\\W_])(?:{'|'.join(either)})")


def _sqlite_terms(cursor, prefixes: list[str]) -> list[list[str]]:
    """For each prefix the FTS5 index's terms that begin with it, or [] when there are more
    than PREFIX_TERMS. One statement: per prefix a chain of lookups, each the first term
    after the last one found (an fts5vocab cursor starts at its lower bound and stops at
    LIMIT 1, so no lookup reads more than a term's first entry)."""
    cursor.execute(
        f"CREATE VIRTUAL TABLE IF NOT EXISTS temp.{SQLITE_VOCAB} "
        f"USING fts5vocab(main, {SQLITE_TABLE}, instance)"
    )
    ctes, selects, params = [], [], []
    for i, prefix in enumerate(prefixes):
        last = prefix + chr(0x10FFFF)  # above every term that begins with the prefix
        ctes.append(
            f"t{i}(term) AS (SELECT (SELECT term FROM temp.{SQLITE_VOCAB} WHERE term >= %s "
            f"AND term <= %s LIMIT 1) UNION ALL SELECT (SELECT term FROM temp.{SQLITE_VOCAB} "
            f"WHERE term >= t{i}.term || char(1) AND term <= %s LIMIT 1) FROM t{i} "
            f"WHERE t{i}.term IS NOT NULL LIMIT %s)"
        )
        params += [prefix, last, last, PREFIX_TERMS + 1]
        selects.append(f"SELECT {i}, term FROM t{i} WHERE term IS NOT NULL")
    cursor.execute(f"WITH RECURSIVE {', '.join(ctes)} {' UNION ALL '.join(selects)}", params)
    terms = [[] for _ in prefixes]
    for i, term in cursor.fetchall():
        terms[i].append(term)
    return [found if len(found) <= PREFIX_TERMS else [] for found in terms]


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
# A window that should hold this many times the articles searched so far is left open,
# unless it spans at most PG_YEAR_GROUPS years (see _dated).
PG_OPEN_WINDOW = 16
PG_YEAR_GROUPS = 8
# A row fetched from the table costs about this many entries of the date index in a bitmap.
PG_FENCE_COST = 100
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
        # The ranked fields come along, the candidates' own, so ranking costs the same
        # in any archive.
        table = SQLITE_TABLE
        sql = (
            f"SELECT {table}.rowid, a.published_at, a.title, coalesce(t.tags, ''), a.kicker, "
            f"a.lead FROM {table} JOIN articles_article AS a ON a.id = {table}.rowid "
            f"LEFT JOIN {SQLITE_TAGS} AS t ON t.article_id = {table}.rowid "
            f"WHERE {table} MATCH %s AND a.status = %s AND a.published_at <= %s "
            f"ORDER BY {table}.rowid DESC LIMIT %s"
        )
        with connection.cursor() as cursor:
            groups = fts5_groups(words, expand=functools.partial(_sqlite_terms, cursor))
            cursor.execute(sql, [_fts5_match(groups), "published", _db_time(now), RESULT_LIMIT])
            rows = cursor.fetchall()
        patterns = [_rank_pattern(group) for group in groups]
        return [(pk, _sqlite_rank(patterns, fields), published) for pk, published, *fields in rows]
    raise NotImplementedError(f"no article search for {connection.vendor}")


def _sqlite_rank(patterns, fields) -> float:
    """The sum over the query's words (patterns of _rank_pattern) of the weight of the best
    field holding the word: title or tags, else kicker or lead, else (it matched) the body.
    `fields`: title, tags, kicker, lead."""
    title, tags, kicker, lead = fields
    top, middle = fts5_fold(f"{title} {tags}"), None
    rank = 0.0
    for pattern in patterns:
        if pattern.search(top):
            rank += SQLITE_WEIGHTS[0]
            continue
        if middle is None:
            middle = fts5_fold(f"{kicker} {lead}")
        rank += SQLITE_WEIGHTS[1] if pattern.search(middle) else SQLITE_WEIGHTS[2]
    return rank


def _db_time(moment):
    return connection.ops.adapt_datetimefield_value(moment)


def _pg_candidates(words: list[str], now) -> list[tuple[int, float, object]]:
    """The tsquery first (one query that expands the words), then the newest matches with
    work bounded by what is found, not by the archive, whatever the words' frequencies.

    Two ways to find them, chosen by the matches per article seen so far:
    - a walk: articles newest first through the date index, each one's document tested,
      as many as should hold the missing matches (at first PG_WALK_ROWS): right where
      matches are frequent, or only a few are missing;
    - a window: the GIN index's matches ANDed in a bitmap with a span of the date index,
      so only articles that match and lie in the span are read: right where matches are
      rare. The index knows no dates; asked for the words themselves it reads their
      matches in the whole archive, so a span of at most PG_YEAR_GROUPS years asks for
      the words stored with those years (migration 0015: "sanier@2026", a column of
      their own), whose matches lie in the span. The span should hold three times what
      is missing at the rate seen so far (a wider span of years costs little, a second
      window more), and is at least twice everything searched before; it is open when it
      would reach back before any article, or would cover more years and hold
      PG_OPEN_WINDOW times what was searched (then the matches are few). Where the years
      should hold few matches, they are read without the date index, whose entries for
      a span of years would cost more than the matches themselves.
    A walk learns in the same statement where it ended, so it reads the newest articles
    once.

    The planner cannot be left to choose: two common words that rarely meet („Sanierung
    Hallenbad“) look common to it (it multiplies their frequencies), and its walk reads
    half the archive; a word in one article of twenty needs a walk of 4,000."""
    tsquery, params = _pg_query(words)
    db = read_connection()  # a reader's search runs on a replica, if there are any
    with transaction.atomic(using=db.alias), db.cursor() as cursor:
        cursor.execute(f"SELECT ({tsquery})::text", params)
        tsquery = cursor.fetchone()[0]
        if not tsquery:
            return []  # only stop words ("der die das")
        found = _PgSearch(cursor, tsquery, now).run()
        # Rolled back, never committed: nothing was written, and this ends the SET LOCALs
        # also when the search runs inside a longer transaction.
        transaction.set_rollback(True, using=db.alias)
    return found


class _PgSearch:
    # The walk: the newest `rows` articles from the border back, each one's document tested
    # (ranked where it matches), and in the same statement how many there were and the
    # oldest moment among them, where the next step starts.
    WALK = (
        f"WITH newest AS MATERIALIZED (SELECT id, published_at, CASE WHEN {PG_DOCUMENT} @@ "
        f"%(q)s::tsquery THEN ts_rank({PG_DOCUMENT}, %(q)s::tsquery) END AS rank FROM "
        "articles_article WHERE status = %(status)s AND published_at <= %(border)s ORDER BY "
        "published_at DESC, id DESC LIMIT %(rows)s) "
        "(SELECT id, rank, published_at FROM newest WHERE rank IS NOT NULL ORDER BY "
        "published_at DESC, id DESC LIMIT %(limit)s) "
        "UNION ALL SELECT NULL, count(*), min(published_at) FROM newest"
    )
    # A window: the matches between two moments, ranked by the query's words in the
    # document; found by them in the document or (`dated`) the words with their years,
    # in the table, or among the year words' matches read apart from the date index
    # (`fenced`: OFFSET 0 keeps the planner from combining the two).
    WINDOW = (
        f"SELECT id, ts_rank({PG_DOCUMENT}, %(q)s::tsquery), published_at FROM (SELECT id, "
        f"published_at, {PG_DOCUMENT} FROM {{source}} WHERE {{match}}status = %(status)s AND "
        "published_at <= %(border)s {older}ORDER BY published_at DESC, id DESC "
        "LIMIT %(limit)s) AS found"
    )
    FENCED = (
        f"(SELECT id, published_at, status, {PG_DOCUMENT} FROM articles_article "
        f"WHERE {PG_YEARS} @@ %(found_by)s::tsquery OFFSET 0) AS dated"
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
            # Walking on for a few missing matches costs less than any window, however
            # rare the matches: a window reads the word index's matches in the whole
            # archive („Bürgerversammlung“ is in most articles: 50 ms at a million).
            if share >= PG_WALK_SHARE or (share and 1.5 * missing / share <= PG_WALK_ROWS):
                self.walk(math.ceil(1.5 * missing / share))
            else:
                wanted = self.searched * PG_WINDOW_GROWTH
                if share:
                    wanted = max(wanted, 3 * missing / share)
                self.window(wanted, share)
        return list(self.found.values())

    def walk(self, rows: int) -> None:
        self.set_index_scans(True)
        params = {"q": self.tsquery, "status": "published", "border": _db_time(self.border),
                  "rows": rows, "limit": self.limit()}  # fmt: skip
        self.cursor.execute(self.WALK, params)
        walked, oldest = None, None
        for row in self.cursor.fetchall():
            if row[0] is None:
                walked, oldest = row[1], row[2]
            else:
                self.found.setdefault(row[0], row)
        if len(self.found) >= RESULT_LIMIT:
            return
        if walked < rows:
            self.border = None  # the walk reached the oldest article
        elif oldest == self.border:
            self.window(rows, older=oldest - timedelta(seconds=1))  # all at one moment
        else:
            self.border, self.searched = oldest, self.searched + rows

    def window(self, wanted: float, share: float = 1.0, older=None) -> None:
        dated, fenced, estimated = None, False, older is None
        rate = self.searched / max((self.now - self.border).total_seconds(), 1)
        if estimated:
            # As many seconds back as `wanted` articles took to publish so far.
            if wanted / rate < (self.border - EPOCH).total_seconds():
                older = self.border - timedelta(seconds=wanted / rate)
        if older is not None:
            first, last = older.astimezone(UTC).year, self.border.astimezone(UTC).year
            if last - first < PG_YEAR_GROUPS:
                # The words of these years alone: the index reads their matches in the
                # window's years, however common the words are in the archive.
                dated = _dated(self.tsquery, range(first, last + 1))
                # Few matches in those years (expected from the share so far): read them
                # all rather than AND them with the date index's entries of the window
                # (4 ms for the 400,000 of four years at a million articles).
                years = datetime(last + 1, 1, 1, tzinfo=UTC) - datetime(first, 1, 1, tzinfo=UTC)
                fenced = estimated and share * rate * years.total_seconds() * PG_FENCE_COST < wanted
            elif wanted >= PG_OPEN_WINDOW * self.searched:
                # Matches so rare that many times what was searched is wanted: all of them
                # from the word index costs less than a window over many years.
                older = None
        self.set_index_scans(False)
        if fenced:
            source, match = self.FENCED, ""
        else:
            source = "articles_article"
            match = f"{PG_YEARS if dated else PG_DOCUMENT} @@ %(found_by)s::tsquery AND "
        older_sql = "AND published_at > %(older)s " if older is not None else ""
        sql = self.WINDOW.format(source=source, match=match, older=older_sql)
        params = {"q": self.tsquery, "found_by": dated or self.tsquery, "status": "published",
                  "border": _db_time(self.border), "limit": self.limit()}  # fmt: skip
        if older is not None:
            params["older"] = _db_time(older)
        self.cursor.execute(sql, params)
        for row in self.cursor.fetchall():
            self.found.setdefault(row[0], row)
        self.border, self.searched = older, self.searched + wanted

    def limit(self) -> int:
        # Matches at the border moment were found before and come again: as many more.
        again = sum(1 for row in self.found.values() if row[2] == self.border)
        return RESULT_LIMIT - len(self.found) + again

    def set_index_scans(self, on: bool) -> None:
        # Off for windows: a walk through a window would read all of it.
        if on != self.index_scans:
            self.cursor.execute(f"SET LOCAL enable_indexscan = {'on' if on else 'off'}")
            self.index_scans = on


# A word in a tsquery's text: quoted, a quote inside doubled.
_PG_LEXEME = re.compile(r"'((?:[^']|'')*)'")


def _dated(tsquery: str, years) -> str:
    """`tsquery` (its text) asked of the words stored with their year of publication
    (PG_YEARS, migration 0015: "sanier@2026"), one group per year, any of them."""
    return " | ".join("( " + _PG_LEXEME.sub(rf"'\g<1>@{year}'", tsquery) + " )" for year in years)


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
    every later match marked (`<mark>`); the lead's beginning when only the title matched.

    Words are tested up to the first match, and only the passage is cut into words: a
    page of results costs the same for long articles as for short ones."""
    matches = _matcher(tuple(query_words(query)), connection.vendor)
    # The body is sanitized on save (well-formed tags of an allowlist): text is what lies
    # between tags, and a tag separates words ("<p>Ende.</p><p>Neu" is "Ende. Neu").
    for text in (unescape(_TAGS.sub(" ", article.body)), article.lead, article.kicker):
        hit = next((m for m in _WORD.finditer(text) if matches(m.group())), None)
        if hit:
            break
    else:
        text, hit = article.excerpt, None
    at = hit.start() if hit else 0
    begin = text.rfind(" ", 0, max(0, at - SNIPPET_BEFORE)) + 1  # at a word's beginning
    end = text.find(" ", at + SNIPPET_AFTER)
    end = len(text) if end < 0 else end
    # Alternating gaps and words: pieces[1], pieces[3], ... are the words.
    pieces = [_SPACES.sub(" ", piece) for piece in _WORDS_AND_GAPS.split(text[begin:end])]
    found = len(_WORDS_AND_GAPS.split(text[begin:at])) if hit else 1
    first = max(1, found - 16)  # about eight words before the first match
    last = min(len(pieces), first + 2 * SNIPPET_WORDS)
    out, plain = ["… " if first > 1 or begin > 0 else ""], []
    for i in range(first, last):
        if i % 2 and matches(pieces[i]):
            # html.escape: Django's (lazy) takes five times as long
            out += [escape("".join(plain)), f"<mark>{escape(pieces[i])}</mark>"]
            plain = []
        else:
            plain.append(pieces[i])
    out.append(escape("".join(plain)))
    passage = "".join(out).strip()
    return mark_safe(f"{passage} …" if last < len(pieces) - 1 or end < len(text) else passage)
