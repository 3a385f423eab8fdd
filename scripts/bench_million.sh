#!/usr/bin/env bash
# The page bench at a million articles on PostgreSQL (README, "A million articles"): builds
# the archive once into BENCH_DIR (default var/bench-million; about 3.5 GB, 50 minutes on two
# cores), then runs `scripts/bench.sh` on it with BENCH_DB=postgres BENCH_ONLY=pages.
#
# The archive is the one scripts/bench.sh's build() makes (migrate, load_demo,
# `generate_content --articles N --seed 1 --lead-every 0`, the same cluster settings), with
# one difference in how it is written: the search triggers recompute an article's document
# once per row and once more per tag link, each an UPDATE through the GIN index (about 200
# articles per second, 1.5 hours for a million). Here they are off while generate_content
# runs; then every document is computed in one UPDATE with the same function (kept in the
# row, migration 0016), its words with their years (0015) in another, the word list filled,
# the triggers switched back on, the table compacted (VACUUM FULL) and the GIN indexes
# built: the same rows and indexes. Resumable: run it again after an interruption
# (generate_content tops up). BENCH_ARTICLES (default 1000000) as in bench.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=${BENCH_DIR:-$ROOT/var/bench-million}
COUNT=${BENCH_ARTICLES:-1000000}
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)
[ -x "$PGBIN/initdb" ] || { echo "bench_million: no PostgreSQL server binaries" >&2; exit 1; }

if [ ! -f "$OUT/large/ready-postgres" ]; then
  PG_RUN=""
  if [ "$(id -u)" = 0 ]; then
    id -u postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql postgres
    PG_RUN="runuser -u postgres --"
  fi
  mkdir -p "$OUT/pg" "$OUT/large"
  if [ -n "$PG_RUN" ]; then chown postgres: "$OUT/pg"; chmod o+x "$(dirname "$OUT")" "$OUT"; fi
  [ -f "$OUT/pg/data/PG_VERSION" ] || $PG_RUN "$PGBIN/initdb" -D "$OUT/pg/data" -U postgres \
    --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  PORT=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
  $PG_RUN "$PGBIN/pg_ctl" -D "$OUT/pg/data" -l "$OUT/pg/server.log" -w -t 60 start \
    -o "-c listen_addresses=127.0.0.1 -p $PORT -k $OUT/pg -c fsync=off -c synchronous_commit=off" >/dev/null
  trap '$PG_RUN "$PGBIN/pg_ctl" -D "$OUT/pg/data" -m fast -w stop >/dev/null' EXIT
  export DATABASE_URL="postgres://postgres@127.0.0.1:$PORT/bench_large" \
    MEDIA_ROOT=$OUT/large/media CACHE_LOCATION=$OUT/large/cache \
    DEBUG=false SECRET_KEY=bench-only-not-secret-0123456789 WEATHER_PROVIDER=demo LOG_LEVEL=WARNING
  sql() { "$PGBIN/psql" "$DATABASE_URL" -v ON_ERROR_STOP=1 -q "$@"; }
  if [ ! -f "$OUT/large/created" ]; then
    echo "== creating bench_large"
    "$PGBIN/dropdb" -h 127.0.0.1 -p "$PORT" -U postgres --if-exists bench_large
    "$PGBIN/createdb" -h 127.0.0.1 -p "$PORT" -U postgres bench_large
    .venv/bin/python manage.py migrate --noinput -v0
    .venv/bin/python manage.py load_demo >/dev/null
    touch "$OUT/large/created"
  fi
  echo "== generating $COUNT articles (search triggers off), niced"
  sql -c "ALTER TABLE articles_article DISABLE TRIGGER articles_article_search_document" \
    -c "ALTER TABLE articles_taggedarticle DISABLE TRIGGER articles_taggedarticle_search" \
    -c "DROP INDEX IF EXISTS articles_article_search_gin" \
    -c "DROP INDEX IF EXISTS articles_article_search_years_gin"
  nice -n 10 .venv/bin/python manage.py generate_content --articles "$COUNT" --seed 1 \
    --lead-every 0 | tail -n1
  echo "== search documents, words with years, word list, VACUUM FULL, GIN indexes"
  sql -c "UPDATE articles_article SET search_document = articles_article_document(id, title,
          kicker, lead, body) WHERE search_document IS NULL" \
    -c "UPDATE articles_article SET search_years = articles_search_years(search_document,
        published_at) WHERE published_at IS NOT NULL" \
    -c "INSERT INTO articles_search_term (term) SELECT word FROM ts_stat('SELECT
        search_document FROM articles_article') WHERE word ~ '^[[:alpha:]]{4,}\$'
        ON CONFLICT DO NOTHING" \
    -c "ALTER TABLE articles_article ENABLE TRIGGER articles_article_search_document" \
    -c "ALTER TABLE articles_taggedarticle ENABLE TRIGGER articles_taggedarticle_search" \
    -c "VACUUM FULL articles_article" \
    -c "CREATE INDEX articles_article_search_gin ON articles_article USING gin
        (search_document) WITH (fastupdate = off)" \
    -c "CREATE INDEX articles_article_search_years_gin ON articles_article USING gin
        (search_years) WITH (fastupdate = off)" \
    -c "VACUUM ANALYZE"
  touch "$OUT/large/ready-postgres"
  $PG_RUN "$PGBIN/pg_ctl" -D "$OUT/pg/data" -m fast -w stop >/dev/null
  trap - EXIT
fi

BENCH_DIR=$OUT BENCH_DB=postgres BENCH_ARTICLES=$COUNT BENCH_ONLY=pages exec scripts/bench.sh
