"""Full-text search (articles/search.py): an index on PostgreSQL and SQLite, bounded work."""

import re
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles import search, views
from articles.models import Article
from tests.factories import ArticleFactory, CategoryFactory

pytestmark = pytest.mark.django_db
on_postgresql = connection.vendor == "postgresql"


def found(query, queryset=None):
    """Titles found for `query`, newest first, as the search page lists them."""
    queryset = Article.objects.all() if queryset is None else queryset
    return list(queryset.search(query).for_listing().values_list("title", flat=True))


def page(client, query, **params):
    response = client.get("/suche/", {"q": query, **params})
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def budget():
    return ArticleFactory(
        title="Überschuss im Haushalt",
        kicker="Kämmerin legt Zahlen vor",
        lead="Die Stadt Lindenau spart.",
        body='<p>Der <strong>Rat</strong> berät. <a href="https://example.org/ratsinfo">Mehr'
        "</a> &amp; mehr</p>",
    )


def test_words_match_whatever_their_case_also_umlauts(budget):
    for query in ["überschuss", "ÜBERSCHUSS", "Überschuss", "kämmerin", "KÄMMERIN", "lindenau"]:
        assert found(query) == ["Überschuss im Haushalt"], query
    assert found("Rat") == ["Überschuss im Haushalt"]  # a word of the body


def test_every_word_of_the_query_is_required(budget):
    ArticleFactory(title="Haushalt ohne Überraschung")
    assert found("Haushalt") == ["Haushalt ohne Überraschung", "Überschuss im Haushalt"]
    assert found("Haushalt Überschuss") == ["Überschuss im Haushalt"]
    assert found("überschuss Zeppelin") == []


def test_html_of_the_body_is_not_searchable(budget):
    for query in ["strong", "href", "example", "ratsinfo", "https", "amp", "p"]:
        assert found(query) == [], query


def test_german_word_forms_on_both_databases(budget):
    ArticleFactory(title="Neue Schulen für Lindenau")
    ArticleFactory(title="Rat beschließt Sanierung des Hallenbads")
    assert found("Schule") == ["Neue Schulen für Lindenau"]
    assert found("Haushalts") == ["Überschuss im Haushalt"]
    assert found("Sanierung Hallenbad") == ["Rat beschließt Sanierung des Hallenbads"]
    assert found("hallenbäder sanieren") == []  # a plural the stemmer does not reduce
    assert found("KÄMMERIN") == found("Kammerin") == ["Überschuss im Haushalt"]


def test_long_words_find_their_forms_written_after_any_earlier_search(budget):
    """On SQLite a long stem is searched as the index's words that begin with it, looked up
    at each search: a form first written after a search is found by the next one."""
    ArticleFactory(title="Hallenbad öffnet")
    assert found("Hallenbad") == ["Hallenbad öffnet"]
    ArticleFactory(title="Eröffnung des Hallenbades", published_at=timezone.now())
    ArticleFactory(title="Weg zum Hallenbadparkplatz", published_at=timezone.now())
    assert set(found("Hallenbad")) == {"Hallenbad öffnet", "Eröffnung des Hallenbades",
                                       "Weg zum Hallenbadparkplatz"}  # fmt: skip


def test_words_with_many_forms_and_other_letters_are_found(budget, monkeypatch):
    """More index words with the stem than PREFIX_TERMS, or letters the lookup does not fold
    itself: searched as a prefix, with the same results."""
    monkeypatch.setattr(search, "PREFIX_TERMS", 1)
    ArticleFactory(title="Die Hallenbäder", body="<p>Hallenbades Hallenbadbesuch</p>")
    ArticleFactory(title="Hallenbad öffnet")
    ArticleFactory(title="Reise über die Øresundbrücke")
    ArticleFactory(title="Ein Café für Lindenau")
    assert found("Hallenbad") == ["Hallenbad öffnet", "Die Hallenbäder"]
    assert found("Øresundbrücke") == ["Reise über die Øresundbrücke"]
    assert found("CAFÉ") == found("café") == ["Ein Café für Lindenau"]


def test_short_words_match_their_forms_not_every_longer_word(budget):
    ArticleFactory(title="Neues Rathaus eröffnet")
    ArticleFactory(title="Beschluss des Rates")
    assert found("Rat") == ["Beschluss des Rates", "Überschuss im Haushalt"]


def test_parts_of_compound_words_on_postgresql():
    if not on_postgresql:
        pytest.skip("SQLite's index finds whole words and their forms, not compound parts")
    ArticleFactory(title="Jugendfeuerwehr sucht Nachwuchs")
    ArticleFactory(title="Feuerwehrhaus wird erweitert")
    ArticleFactory(title="Wehr am Mühlbach repariert")
    assert found("Feuerwehr") == ["Feuerwehrhaus wird erweitert", "Jugendfeuerwehr sucht Nachwuchs"]
    assert found("Feuerwehr Nachwuchs") == ["Jugendfeuerwehr sucht Nachwuchs"]
    assert found("über Feuerwehr") == found("Feuerwehr")  # a stop word adds no condition


def test_tags_are_searched_and_follow_changes(budget):
    from articles.models import Tag

    article = ArticleFactory(title="Einsatz in der Nacht", tags=["Blaulicht"])
    assert found("Blaulicht") == ["Einsatz in der Nacht"]
    assert found("Blaulicht Nacht") == ["Einsatz in der Nacht"]
    Tag.objects.filter(name="Blaulicht").update(name="Polizeibericht")
    assert found("Blaulicht") == [] and found("Polizeibericht") == ["Einsatz in der Nacht"]
    article.tags.set(["Feuer"])
    assert found("Polizeibericht") == [] and found("Feuer") == ["Einsatz in der Nacht"]
    article.tags.clear()
    assert found("Feuer") == [] and found("Nacht") == ["Einsatz in der Nacht"]
    article.delete()
    assert found("Nacht") == []


def test_title_and_tag_matches_rank_above_body_matches(client):
    now = timezone.now()
    ArticleFactory(
        title="Sommerfest",
        body="<p>Auch das Hallenbad öffnet.</p>",
        published_at=now - timedelta(hours=1),
    )
    ArticleFactory(title="Hallenbad schließt im März", published_at=now - timedelta(days=30))
    ArticleFactory(
        title="Neue Öffnungszeiten", tags=["Hallenbad"], published_at=now - timedelta(days=60)
    )
    body = page(client, "Hallenbad")
    # The newest match, but the word only in its body: last.
    assert body.index("Sommerfest") > body.index("Hallenbad schließt im März"), body
    assert body.index("Sommerfest") > body.index("Neue Öffnungszeiten"), body
    ranked = [pk for pk, _rank in search.ranked_ids("Hallenbad")]
    assert ranked[-1] == Article.objects.get(title="Sommerfest").pk


def test_each_word_counts_by_the_best_field_it_is_in():
    """Title and tags above kicker and lead above the body, word by word (PostgreSQL also
    weighs how close the words are: the order between the middle ones is its own)."""
    now = timezone.now()

    def article(title, age_days, **fields):
        fields.setdefault("body", "<p>Bericht aus dem Rathaus.</p>")
        ArticleFactory(title=title, published_at=now - timedelta(days=age_days), **fields)

    article("Nur im Text", 1, body="<p>Die Sanierung des Hallenbads beginnt.</p>")
    article("Im Vorspann", 2, lead="Die Sanierung des Hallenbads beginnt.")
    article("Sanierung beginnt", 3, body="<p>Das Hallenbad schließt dafür.</p>")
    article("Sanierung des Hallenbads", 5)
    article("Ältere Meldung", 6, kicker="Sanierung", tags=["Hallenbad"])
    titles = dict(Article.objects.values_list("pk", "title"))
    ranked = [titles[pk] for pk, _rank in search.ranked_ids("Sanierung Hallenbad")]
    assert ranked[0] == "Sanierung des Hallenbads"  # the oldest but one: both in the title
    assert ranked[-1] == "Nur im Text"  # the newest: both only in the body
    assert ranked.index("Ältere Meldung") < ranked.index("Im Vorspann")  # a tag counts more
    if not on_postgresql:
        assert ranked == ["Sanierung des Hallenbads", "Ältere Meldung", "Sanierung beginnt",
                          "Im Vorspann", "Nur im Text"]  # fmt: skip


def test_results_show_a_snippet_with_the_matches_marked(client):
    ArticleFactory(
        title="Rat beschließt Sanierung des Hallenbads",
        lead="Der Anreißer.",
        body="<p>" + "Vorher viel Text. " * 30 + "Die Sanierung des <b>Hallenbads</b> kostet "
        "4 Mio. Euro &lt;brutto&gt;. Das Hallenbad bleibt bis Mai zu.</p>" + "<p>Ende.</p>" * 40,
    )
    body = page(client, "sanierung hallenbad")
    assert "<mark>Sanierung</mark> des <mark>Hallenbads</mark> kostet" in body
    assert "Das <mark>Hallenbad</mark> bleibt" in body
    assert "&lt;brutto&gt;" in body and "<brutto>" not in body  # text stays text
    assert "… Text. Vorher" in body and "Ende. …" in body  # cut around the match
    assert "Der Anreißer." not in body


def test_snippet_falls_back_to_the_lead_when_only_the_title_matches(client):
    ArticleFactory(title="Hallenbad", lead="Ein <Anreißer> & mehr.", body="<p>Nichts.</p>")
    body = page(client, "Hallenbad")
    assert "Ein &lt;Anreißer&gt; &amp; mehr." in body


def test_drafts_and_scheduled_articles_are_never_found(budget):
    ArticleFactory(title="Überschuss geheim", status=Article.Status.DRAFT)
    ArticleFactory(title="Überschuss bald", published_at=timezone.now() + timedelta(hours=1))
    assert found("Überschuss") == ["Überschuss im Haushalt"]
    # Filters before the search still apply (they only cost a less bounded plan).
    assert found("Überschuss", Article.objects.published()) == ["Überschuss im Haushalt"]
    assert found("Überschuss", Article.objects.filter(status="draft")) == []


def test_index_follows_saves_and_deletes(budget):
    budget = Article.objects.get(pk=budget.pk)
    budget.title = "Defizit im Haushalt"
    budget.body = "<p>Schulden</p>"
    budget.save()
    assert found("Überschuss") == [] and found("Rat") == []
    assert found("Defizit") == found("Schulden") == ["Defizit im Haushalt"]
    Article.objects.filter(pk=budget.pk).update(lead="Kredit nötig")
    assert found("Kredit") == ["Defizit im Haushalt"]
    budget.delete()
    assert found("Defizit") == [] and found("Haushalt") == []


def test_index_follows_bulk_writes_and_raw_sql():
    category = CategoryFactory()
    now = timezone.now() - timedelta(hours=1)
    Article.objects.bulk_create(
        Article(title=f"Sammelmeldung {i}", slug=f"sammel-{i}", category=category, body="<p>x</p>",
                status=Article.Status.PUBLISHED, published_at=now - timedelta(minutes=i))
        for i in range(3)
    )  # fmt: skip
    assert found("Sammelmeldung") == ["Sammelmeldung 0", "Sammelmeldung 1", "Sammelmeldung 2"]
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE articles_article SET title = %s WHERE slug = %s", ["Importiert", "sammel-0"]
        )
    assert found("Importiert") == ["Importiert"]
    Article.objects.filter(slug__in=["sammel-1", "sammel-0"]).delete()
    assert found("Sammelmeldung") == ["Sammelmeldung 2"] and found("Importiert") == []


def test_sqlite_triggers_are_in_place():
    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL indexes the table itself")
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        triggers = {row[0] for row in cursor.fetchall()}
    # A later migration that rebuilds articles_article, articles_taggedarticle or
    # articles_tag on SQLite drops them: it must re-create them
    # (restore_sqlite_search_triggers in articles/migrations/0009_search_tags_ranking.py).
    assert {
        "articles_article_search_insert",
        "articles_article_search_update",
        "articles_article_search_delete",
        "articles_taggedarticle_search_insert",
        "articles_taggedarticle_search_delete",
        "articles_taggedarticle_search_update",
        "articles_tag_search_rename",
    } <= triggers


HOSTILE = [
    '"', "'", '"Überschuss', "Überschuss OR Zeppelin", "AND", "NOT Haushalt", "NEAR(a b)",
    "*", "Über*", "-Haushalt", "Haushalt -", "(", ")) OR ((", "^", ":", "title:Haushalt",
    "'; DROP TABLE articles_article; --", "1' OR '1'='1", "\\", "%", "_", "{}", "+",
    "<script>alert(1)</script>", "der die das", "x" * 5000, "Überschuss " * 1000,
    "🎉", "\u200b", "Ü\u0308",
]  # fmt: skip


@pytest.mark.parametrize("query", HOSTILE)
def test_hostile_queries_give_a_normal_page(client, budget, query):
    body = page(client, query)
    assert "Suchergebnisse" in body
    assert "<script>alert" not in body


def test_query_is_shown_escaped(client, budget):
    body = page(client, '<"Überschuss">')
    assert "„&lt;&quot;Überschuss&quot;&gt;“" in body and '<"Überschuss">' not in body
    assert "1 Artikel gefunden" in body  # the word still counts


@pytest.mark.parametrize("raw", ["%ED%A0%80", "%FF%FE", "%0AHaushalt", "%C3", "%1B%5B31m"])
def test_broken_encodings_give_a_normal_page(client, budget, raw):
    response = client.get(f"/suche/?q={raw}")
    assert response.status_code == 200
    # NUL is refused for every address by newsroom.middleware: a 400, not an error.
    assert client.get("/suche/?q=%00").status_code == 400


def test_lone_surrogates_and_control_characters_are_dropped(budget):
    assert found("\ud800Überschuss\x00") == ["Überschuss im Haushalt"]
    assert found("\udfff") == [] and found("\x00") == []


def test_only_the_newest_matches_are_considered(client, monkeypatch):
    monkeypatch.setattr(search, "RESULT_LIMIT", 3)
    monkeypatch.setattr(views, "RESULT_LIMIT", 3)
    for i in range(5):
        ArticleFactory(title=f"Meldung {i}", published_at=timezone.now() - timedelta(days=5 - i))
    assert found("Meldung") == ["Meldung 4", "Meldung 3", "Meldung 2"]
    body = page(client, "Meldung")
    assert "Es werden die neuesten 3 Treffer gezeigt." in body
    assert "Meldung 4" in body and "Meldung 1" not in body
    assert "1 Artikel gefunden" in page(client, "Meldung 3")  # below the limit: counted


def test_results_are_paginated_like_other_lists(client):
    for i in range(views.PAGE_SIZE + 2):
        ArticleFactory(title=f"Notiz {i}", published_at=timezone.now() - timedelta(hours=i + 1))
    first = page(client, "Notiz")
    assert "Notiz 0" in first and f"Notiz {views.PAGE_SIZE}" not in first
    assert "?q=Notiz&amp;seite=2" in first
    second = page(client, "Notiz", seite=2)
    assert f"Notiz {views.PAGE_SIZE + 1}" in second and "Notiz 0" not in second


def _plans(query) -> str:
    """The plans of the queries a search runs, as it runs them (on PostgreSQL the windows
    after its SET LOCAL)."""
    with CaptureQueriesContext(connection) as ctx:
        search.ranked_ids(query)
    plans = []
    with transaction.atomic(), connection.cursor() as cursor:
        if on_postgresql:
            # A tiny test table is read faster sequentially; the plan for a large archive is
            # the one without that option. ANALYZE: the planner knows the word is rare.
            cursor.execute("ANALYZE articles_article")
            cursor.execute("SET LOCAL enable_seqscan = off")
        for captured in ctx.captured_queries:
            sql = captured["sql"]
            if sql.startswith("SET LOCAL"):
                cursor.execute(sql)
            elif "articles_article" in sql and sql.startswith("SELECT"):
                if on_postgresql:
                    cursor.execute(f"EXPLAIN {sql}")
                    plans.append("\n".join(row[0] for row in cursor.fetchall()))
                    continue
                # SQLite: (id, parent, _, detail) rows; indent each by its depth in the plan.
                cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
                depth, lines = {0: -1}, []
                for node, parent, _, detail in cursor.fetchall():
                    depth[node] = depth.get(parent, 0) + 1
                    lines.append("  " * depth[node] + detail)
                plans.append("\n".join(lines))
        transaction.set_rollback(True)
    assert plans, "no search query ran"
    return "\n\n".join(plans)


def _match_expression(query) -> str:
    """The FTS5 expression SQLite's search passed to MATCH for `query`."""
    with CaptureQueriesContext(connection) as ctx:
        search.ranked_ids(query)
    (sql,) = [q["sql"] for q in ctx.captured_queries if " MATCH " in q["sql"]]
    return re.search(r"MATCH '((?:[^']|'')*)'", sql).group(1)


@pytest.mark.parametrize("query", ["Haushalt", "Haushalt Überschuss"])
def test_search_uses_the_index_and_scans_no_table(budget, query, monkeypatch):
    # Enough other articles that reading them all costs more than an index lookup.
    Article.objects.bulk_create(
        Article(title=f"Notiz {i}", slug=f"notiz-{i}", category=budget.category,
                lead="Lindenau " * 20, body="<p>Ein Text über anderes.</p>" * 10,
                status=Article.Status.PUBLISHED, published_at=budget.published_at)
        for i in range(400)
    )  # fmt: skip
    # PostgreSQL, several words: the walk of the newest articles ends early; the rest are
    # searched through the GIN index of the words with their years, in windows back in time.
    monkeypatch.setattr(search, "PG_WALK_ROWS", 50)
    plan = _plans(query)
    if on_postgresql:
        assert "Bitmap Index Scan on articles_article_search_years_gin" in plan, plan
        assert "Seq Scan on articles_article" not in plan, plan
    else:
        assert "SCAN articles_article_search VIRTUAL TABLE INDEX" in plan, plan
        # Only the search table is scanned; articles are looked up by primary key, not
        # found by walking an index over the whole archive.
        assert "SEARCH a USING INTEGER PRIMARY KEY" in plan, plan
        assert not re.search(r"(SCAN|INDEX) (articles_article|a)\b(?!_search)", plan), plan
        assert "article_published_idx" not in plan, plan
        # FTS5 yields matches newest id first and stops at the limit: no sort of all
        # matches.
        assert "USE TEMP B-TREE" not in plan, plan
        # Index words, no prefix query: FTS5 would merge every match of a prefix in the
        # archive before yielding the first ("Haushalt": all of "haushalt*").
        assert "*" not in _match_expression(query), _match_expression(query)


def test_two_words_are_found_together_however_far_back(monkeypatch):
    """Matches older than the walked newest articles are found by walking on or through
    windows further back (PostgreSQL), the newest first and none twice, among many
    articles with one of the words."""
    monkeypatch.setattr(search, "PG_WALK_ROWS", 4)
    now = timezone.now()
    ages = [timedelta(hours=2), timedelta(days=3), timedelta(days=40), timedelta(days=400),
            timedelta(days=3000)]  # fmt: skip
    for i, age in reversed(list(enumerate(ages))):  # written oldest first, as in a portal
        ArticleFactory(title=f"Treffer {i}", body="<p>Die Sanierung des Hallenbads.</p>",
                       published_at=now - age)  # fmt: skip
        for j in range(12 if i == 0 else 2):  # many newer ones without both words
            ArticleFactory(title=f"Nur Sanierung {i}-{j}", body="<p>Sanierung der Schule.</p>",
                           published_at=now - age + timedelta(minutes=j + 1))  # fmt: skip
            ArticleFactory(title=f"Nur Hallenbad {i}-{j}", body="<p>Das Hallenbad.</p>",
                           published_at=now - age + timedelta(minutes=j + 1))  # fmt: skip
    assert found("Sanierung Hallenbad") == [f"Treffer {i}" for i in range(5)]
    monkeypatch.setattr(search, "RESULT_LIMIT", 2)
    assert found("Sanierung Hallenbad") == ["Treffer 0", "Treffer 1"]


@pytest.mark.skipif(not on_postgresql, reason="the year part of PostgreSQL's documents")
def test_windows_ask_for_the_words_of_their_years_which_follow_the_date(monkeypatch):
    """PostgreSQL: each article's words are also stored with its year of publication
    (migration 0015), and a window back in time asks for the words of the years it spans, so
    common words that rarely meet cost what their matches in those years cost. A new date
    moves the words to its year."""
    monkeypatch.setattr(search, "PG_WALK_ROWS", 2)
    now = timezone.now()
    for i in range(30):  # one a month back over two and a half years; the oldest two match
        body = "<p>Die Sanierung des Hallenbads.</p>" if i >= 28 else "<p>Die Sanierung.</p>"
        ArticleFactory(title=f"Monat {i}", body=body, published_at=now - timedelta(days=30 * i))
    with CaptureQueriesContext(connection) as ctx:
        assert found("Sanierung Hallenbad") == ["Monat 28", "Monat 29"]
    windows = [q["sql"] for q in ctx.captured_queries if "hallenbad@" in q["sql"]]
    assert any(f"hallenbad@{(now - timedelta(days=840)).year}" in sql for sql in windows)
    # None of them matched in the walk: the years' matches are read alone, not ANDed with
    # the date index's entries for the span (which grow with the archive).
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_indexscan = off")  # as the search has it
        cursor.execute("SET LOCAL enable_seqscan = off")  # as with many rows
        cursor.execute(f"EXPLAIN {windows[0]}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert re.findall(r"Index Scan on (\w+)", plan) == ["articles_article_search_years_gin"], plan

    def document(article):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT search_years::text FROM articles_article WHERE id = %s", [article.pk]
            )
            return cursor.fetchone()[0]

    moved = Article.objects.get(title="Monat 29")
    old_year = moved.published_at.year
    moved.published_at = moved.published_at - timedelta(days=800)
    moved.save()
    assert f"'hallenbad@{moved.published_at.year}'" in document(moved)
    assert f"'hallenbad@{old_year}'" not in document(moved)
    assert found("Sanierung Hallenbad") == ["Monat 28", "Monat 29"]


def test_a_few_missing_matches_are_found_by_walking_on(monkeypatch):
    """PostgreSQL: matches a little rarer than one in ten, a few short of the limit after
    the first walk, are completed by walking on, not through the word index (which reads
    every match of its words in the archive: 50 ms for a word in most of a million)."""
    monkeypatch.setattr(search, "PG_WALK_ROWS", 30)
    monkeypatch.setattr(search, "RESULT_LIMIT", 3)
    now = timezone.now()
    for i in range(45):  # one in 15 has both words: 2 of the newest 30, the third older
        body = "<p>Das Hallenbad lädt zur Bürgerversammlung.</p>" if i % 15 == 7 else ""
        ArticleFactory(title=f"Meldung {i}", body=body or "<p>Das Hallenbad.</p>",
                       published_at=now - timedelta(hours=i + 1))  # fmt: skip
    with CaptureQueriesContext(connection) as ctx:
        assert found("Hallenbad Bürgerversammlung") == ["Meldung 7", "Meldung 22", "Meldung 37"]
    assert not any("enable_indexscan = off" in q["sql"] for q in ctx.captured_queries)


def test_articles_published_at_one_moment_are_each_found_once(monkeypatch):
    """An import may give many articles one date: walks and windows meet at that moment
    without losing or repeating any."""
    monkeypatch.setattr(search, "PG_WALK_ROWS", 2)
    monkeypatch.setattr(search, "RESULT_LIMIT", 11)
    moment = timezone.now() - timedelta(days=2)
    ArticleFactory(title="Alt", body="<p>Hallenbad</p>", published_at=moment - timedelta(days=9))
    for i in range(40):  # every fourth one a match
        body = "<p>Hallenbad</p>" if i % 4 == 0 else "<p>Schwimmhalle</p>"
        ArticleFactory(title=f"Archiv {i}", body=body, published_at=moment)
    ArticleFactory(title="Neu", body="<p>Hallenbad</p>")
    titles = found("Hallenbad")
    assert titles[0] == "Neu" and len(titles) == len(set(titles)) == 11
    assert "Alt" not in titles
    monkeypatch.setattr(search, "RESULT_LIMIT", 20)
    assert len(found("Hallenbad")) == 12


def _search_queries(client, n):
    Article.objects.all().delete()
    for i in range(n):
        ArticleFactory(title=f"Treffer {i}", published_at=timezone.now() - timedelta(hours=i + 1))
    client.get("/suche/", {"q": "Treffer"})  # warm the site-wide caches
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/suche/", {"q": "Treffer"}).status_code == 200
    return len(ctx)


def test_search_page_query_count_is_constant(client):
    assert _search_queries(client, 5) == _search_queries(client, 50) <= 10


def test_compound_lookup_uses_the_trigram_index_on_postgresql(budget):
    if not on_postgresql:
        pytest.skip("PostgreSQL only")
    with connection.cursor() as cursor:
        # A realistic word list: many words, few containing the query's stem.
        cursor.execute(
            "INSERT INTO articles_search_term (term) SELECT 'wort' || n || 'x' "
            "FROM generate_series(1, 20000) AS n ON CONFLICT DO NOTHING"
        )
        cursor.execute("ANALYZE articles_search_term")
        tsquery, params = search._pg_query(search.query_words("Haushalt"))
        cursor.execute(f"EXPLAIN SELECT ({tsquery})::text", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "articles_search_term_trgm" in plan, plan
    assert "Seq Scan on articles_search_term" not in plan, plan
    assert found("Haushalt") == ["Überschuss im Haushalt"]


def test_a_long_article_shows_the_passage_of_its_match(client):
    ArticleFactory(
        title="Bericht",
        body="<p>Anfang.</p>" + "<p>Ein Absatz ohne das Wort.</p>" * 2000
        + "<p>Zuletzt</p><p>das Hallenbad.</p><p>Schluss.</p>",
    )  # fmt: skip
    body = page(client, "Hallenbad")
    # Paragraphs separate words; the passage begins a few words before the match.
    assert "… Wort. Ein Absatz ohne das Wort. Zuletzt das <mark>Hallenbad</mark>. Schluss." in body
    assert "Anfang" not in body


@pytest.mark.skipif(not on_postgresql, reason="PostgreSQL's storage of the search document")
def test_the_search_document_stays_in_the_article_row():
    """The walk tests the newest articles' documents: kept in the row (storage MAIN,
    migration 0016), not moved out with a long body, each costs no second lookup."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attname, attstorage FROM pg_attribute WHERE attrelid = "
            "'articles_article'::regclass AND attname IN ('search_document', 'body')"
        )
        assert dict(cursor.fetchall()) == {"search_document": "m", "body": "x"}


@pytest.mark.skipif(not on_postgresql, reason="PostgreSQL's JIT compiler")
def test_statements_are_not_jit_compiled():
    """A search window's row estimate can be high enough for PostgreSQL to compile the
    statement (14 ms for a 2 ms query at a million articles): the app's connections
    turn JIT off."""
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
