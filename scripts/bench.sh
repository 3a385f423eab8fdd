#!/usr/bin/env bash
# `make bench`: the reading pages of a 100,000-article archive, served the production way
# (gunicorn, DEBUG off, whitenoise, collected static files) with Varnish and the shipped
# deploy/varnish/default.vcl in front, compared with a 200-article archive. On 127.0.0.1 only.
#
# Per page (home, a category, a deep category page, an article, a search, the job board):
#   cold      app cache cleared before each request, direct to gunicorn (median of 3)
#   c1        1 connection, direct: p50 (target: within 20% of the 200-article archive)
#   c16       16 connections, direct: requests/s
#   varnish   16 connections through Varnish (Accept-Encoding: gzip): req/s, p50, p99
#   static    the same page's bytes as a static file through the same Varnish
#             (target: Varnish serves the page at >= 80% of the static file's rate)
#   varnish-plain, static-plain   the same two without Accept-Encoding (same target)
#   SQL       queries (cold and warm app cache) and the slowest query, by Django's test client
# Table on stdout, JSON in var/bench/results.json.
#
# The archives are built once into var/bench/<large|small>/ (SQLite + media) with
# `manage.py generate_content` and kept; delete the folder to rebuild.
# BENCH_SECONDS (default 5) per measurement; BENCH_ARTICLES (default 100000);
# BENCH_DB=postgres keeps the archives in a PostgreSQL cluster in var/bench/pg instead.
# Installs nothing: needs wrk and varnishd (apt-get install wrk varnish).
#
# Then the WordPress import: `manage.py import_wordpress` of a generated export
# (scripts/wxr_generate.py: 20,000 posts, no images; built once into var/bench/wxr-20000.xml
# and kept) into a fresh, migrated database with an empty MEDIA_ROOT: SQLite, and PostgreSQL
# too when its server binaries exist (a throwaway cluster of scripts/pg.sh). Wall time and
# peak RSS of the import process (targets: >= 200 posts/s, < 400 MB); its output goes to
# var/bench/import/<db>-<posts>.log. BENCH_IMPORT_LARGE=1 also imports 100,000 posts
# (var/bench/wxr-100000.xml, 460 MB). Delete an export to generate it again.
#
# Between the two, the news day (scripts/newsday.py), on the large archive: readers at
# BENCH_NEWSDAY_RATE (default 200) requests/s, open loop, through Varnish with both its
# listeners (the app bans on the purge listener: HTTP_CACHE_PURGE_URLS is set for gunicorn and
# the newsroom), 30% home, 35% the newest 40 articles, 15% the section pages, 12% a long tail
# of 1,000 archive articles, 8% tag and author pages; first BENCH_NEWSDAY_REST_SECONDS
# (default 30) at rest, then BENCH_NEWSDAY_SECONDS (default 300) while a Django process saves
# through the ORM as the admin does: a new article every 60 s, a correction of a recent one
# every 20 s, a months-old article every 10 s (unchanged and with a body fix, in turn).
# Reported: hit ratio (X-Cache) overall and per page kind, requests reaching gunicorn per
# second (varnishstat), reader p50/p99, seconds until home and section show each new
# headline, and answers still stale once the repeated ban has landed; targets: >= 97% hits,
# home fresh within 2 s, 0 stale, p99 < 20 ms. JSON in var/bench/newsday.json. The
# newsroom's articles stay in the archive (a few more per run).
# Last, operations (scripts/bench_ops.py, on a throwaway PostgreSQL cluster): a photo upload
# until the worker has stored all its renditions, the first reader request of a new photo
# made on demand versus after the worker, and page p50/p90 reading from a streaming replica
# versus the primary. JSON in var/bench/ops.json.
# BENCH_ONLY=pages, =newsday, =import or =ops runs that part alone.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BIN=$ROOT/.venv/bin
SECS=${BENCH_SECONDS:-5}
LARGE=${BENCH_ARTICLES:-100000}
SMALL=200
DB=${BENCH_DB:-sqlite}
OUT=${BENCH_DIR:-$ROOT/var/bench}
ONLY=${BENCH_ONLY:-}
IMPORT_SIZES=(20000)
[ "${BENCH_IMPORT_LARGE:-0}" = 1 ] && IMPORT_SIZES+=(100000)
export PATH="$PATH:/usr/sbin"
. scripts/pg.sh  # pg_up, pg_down: the import bench's PostgreSQL

case "$ONLY" in
  "" | pages | import | newsday | ops) ;;
  *) echo "bench: BENCH_ONLY is pages, newsday, import or ops (or unset for all), not '$ONLY'" >&2; exit 1 ;;
esac
want_pages() { [ -z "$ONLY" ] || [ "$ONLY" = pages ]; }
want_import() { [ -z "$ONLY" ] || [ "$ONLY" = import ]; }
want_newsday() { [ -z "$ONLY" ] || [ "$ONLY" = newsday ]; }
want_ops() { [ -z "$ONLY" ] || [ "$ONLY" = ops ]; }

missing=()
if want_pages; then
  command -v wrk >/dev/null || missing+=("wrk (apt-get install wrk)")
  command -v varnishd >/dev/null || missing+=("varnishd (apt-get install varnish)")
  [ -f articles/management/commands/generate_content.py ] \
    || missing+=("manage.py generate_content (articles/management/commands/generate_content.py)")
fi
if want_newsday; then
  command -v varnishd >/dev/null || missing+=("varnishd (apt-get install varnish)")
  command -v varnishstat >/dev/null || missing+=("varnishstat (apt-get install varnish)")
fi
if [ ${#missing[@]} -gt 0 ]; then
  printf 'bench: missing %s\n' "${missing[@]}" >&2
  exit 1
fi

mkdir -p "$OUT"
work=$(mktemp -d /tmp/bench.XXXXXX)
stop_servers() {  # gunicorn and varnishd of the page bench
  for pidfile in "$work"/*.pid; do
    [ -f "$pidfile" ] && kill "$(cat "$pidfile")" 2>/dev/null || true
    rm -f "$pidfile"
  done
  sleep 0.5
}
cleanup() {
  stop_servers
  if [ -n "${PG_BENCH:-}" ]; then pg_stop; fi
  pg_down
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
wait_http() {  # url: until it answers (any status), at most 30 s
  for _ in $(seq 300); do curl -s -o /dev/null "$1" && return 0; sleep 0.1; done
  echo "bench: $1 does not answer" >&2; return 1
}

export DEBUG=false SECRET_KEY=bench-only-not-secret-0123456789 SECURE_SSL_REDIRECT=false \
  ALLOWED_HOSTS=127.0.0.1,localhost WEATHER_PROVIDER=demo LOG_LEVEL=WARNING \
  STATIC_ROOT=$OUT/static HTTP_CACHE_PURGE_URLS=
unset REDIS_URL CACHE_BACKEND STATICFILES_BACKEND

# Before anything slow: the import bench needs the importer.
if want_import && ! help=$("$BIN/python" manage.py help import_wordpress 2>&1); then
  printf '%s\n' "$help" | tail -n3 >&2
  echo "bench: 'manage.py help import_wordpress' failed: the WordPress importer is missing or" \
    "broken, so the import bench cannot run (BENCH_ONLY=pages measures the pages alone)" >&2
  exit 1
fi

# --- PostgreSQL variant: one persistent cluster in var/bench/pg (as scripts/pg.sh, kept) ---
pg_start() {
  PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)
  [ -x "$PGBIN/initdb" ] || { echo "bench: no PostgreSQL server binaries" >&2; exit 1; }
  PG_RUN=""
  if [ "$(id -u)" = 0 ]; then
    id -u postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql postgres
    PG_RUN="runuser -u postgres --"
  fi
  mkdir -p "$OUT/pg"
  if [ -n "$PG_RUN" ]; then
    chown postgres: "$OUT/pg"
    # var/ may be private (Django's file cache creates it 0700): postgres must pass through.
    chmod o+x "$(dirname "$OUT")" "$OUT"
  fi
  if [ ! -f "$OUT/pg/data/PG_VERSION" ]; then
    $PG_RUN "$PGBIN/initdb" -D "$OUT/pg/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  fi
  PGPORT=$(free_port)
  $PG_RUN "$PGBIN/pg_ctl" -D "$OUT/pg/data" -l "$OUT/pg/server.log" -w -t 60 start \
    -o "-c listen_addresses=127.0.0.1 -p $PGPORT -k $OUT/pg -c fsync=off -c synchronous_commit=off" >/dev/null
  PG_BENCH=1
}
pg_stop() { $PG_RUN "$PGBIN/pg_ctl" -D "$OUT/pg/data" -m fast -w stop >/dev/null 2>&1 || true; }

archive_env() {  # name: point DATABASE_URL, MEDIA_ROOT and the app cache at that archive
  local dir=$OUT/$1
  mkdir -p "$dir"
  if [ "$DB" = postgres ]; then
    export DATABASE_URL="postgres://postgres@127.0.0.1:$PGPORT/bench_$1"
  else
    export DATABASE_URL="sqlite:///$dir/db.sqlite3"
  fi
  export MEDIA_ROOT=$dir/media CACHE_LOCATION=$dir/cache
}

build() {  # name count: the archive, once; later runs only apply new migrations
  local name=$1 count=$2 ready=$OUT/$1/ready-$DB
  archive_env "$name"
  if [ ! -f "$ready" ]; then
    echo "== building the $name archive ($count articles, $DB); kept for later runs"
    if [ "$DB" = postgres ]; then
      "$PGBIN/dropdb" -h 127.0.0.1 -p "$PGPORT" -U postgres --if-exists "bench_$name"
      "$PGBIN/createdb" -h 127.0.0.1 -p "$PGPORT" -U postgres "bench_$name"
    else
      rm -f "$OUT/$name/db.sqlite3"
    fi
    rm -rf "$OUT/$name/media" "$OUT/$name/cache"
    "$BIN/python" manage.py migrate --noinput -v0
    "$BIN/python" manage.py load_demo >/dev/null
    # No Aufmacher at all: the home page's lead-story lookup at its worst.
    "$BIN/python" manage.py generate_content --articles "$count" --seed 1 --lead-every 0 | tail -n1
    touch "$ready"
  else
    "$BIN/python" manage.py migrate --noinput -v0
  fi
}

wrk_json() {  # connections url [extra wrk args]: one JSON line (tools.md summary.lua)
  local conns=$1 url=$2; shift 2
  local threads=$(( conns < 2 ? 1 : 2 ))
  wrk -t"$threads" -c"$conns" -d"${SECS}s" --latency -s "$work/summary.lua" "$@" "$url" | tail -n1
}

serve() {  # name: SQL and static copies, then gunicorn on a free port (sets PORT_<name>)
  local name=$1 dir=$OUT/$1 port
  archive_env "$name"
  echo "== $name archive: SQL per page, static copies, gunicorn"
  "$BIN/python" scripts/bench_helper.py prepare "$dir" "$OUT/static/bench/$name" >/dev/null
  port=$(free_port)
  "$BIN/gunicorn" newsroom.wsgi --workers 2 --bind "127.0.0.1:$port" --pid "$work/gunicorn-$name.pid" \
    --log-level warning --daemon
  wait_http "http://127.0.0.1:$port/robots.txt"
  printf -v "PORT_$name" '%s' "$port"
  : > "$dir/measured.jsonl"
}

record() {  # name page kind json
  echo "{\"page\":\"$2\",\"kind\":\"$3\",$4}" >> "$OUT/$1/measured.jsonl"
}

cold() {  # name page url: app cache cleared before each of 3 requests; median in ms
  local times=()
  for _ in 1 2 3; do
    rm -rf "$OUT/$1/cache"
    times+=("$(curl -s -o /dev/null -w '%{time_total}' "$3")")
  done
  record "$1" "$2" cold "$(python3 -c 'import statistics,sys
print(f"\"median_ms\":{statistics.median(float(t) for t in sys.argv[1:]) * 1000:.1f}")' "${times[@]}")"
  curl -s -o /dev/null "$3"  # warm again
}

urls() {  # name: "page<TAB>url" lines
  python3 -c 'import json,sys; [print(f"{k}\t{v}") for k, v in json.load(open(sys.argv[1]))["pages"].items()]' \
    "$OUT/$1/pages.json"
}

# Both archives are served at once and measured in turn, page by page, so that the load of
# other processes on this machine drifts over both alike (the ratio is what matters).
measure() {
  serve large
  serve small
  local vport via
  vport=$(free_port)
  via="http://127.0.0.1:$vport"
  sed "s/\"8000\"/\"$PORT_large\"/" deploy/varnish/backend.vcl > "$work/backend.vcl"
  # The readers' listener only: the bench edits nothing, so nothing is purged
  # (HTTP_CACHE_PURGE_URLS is empty above).
  varnishd -j none -n "$work/varnish" -a "public=127.0.0.1:$vport" -f "$ROOT/deploy/varnish/default.vcl" \
    -p "vcl_path=$work:$ROOT/deploy/varnish" -s malloc,256m -P "$work/varnish.pid" \
    >"$work/varnishd.log" 2>&1 || { cat "$work/varnishd.log" >&2; exit 1; }
  wait_http "$via/robots.txt"

  echo "== measuring, ${SECS} s per run"
  local page url small_url large_direct small_direct static
  while IFS=$'\t' read -r page url; do
    small_url=$(urls small | awk -F'\t' -v p="$page" '$1 == p {print $2}')
    large_direct="http://127.0.0.1:$PORT_large$url"
    small_direct="http://127.0.0.1:$PORT_small$small_url"
    printf '   %-14s %s\n' "$page" "$url"
    cold large "$page" "$large_direct"
    cold small "$page" "$small_direct"
    record large "$page" c1 "\"wrk\":$(wrk_json 1 "$large_direct")"
    record small "$page" c1 "\"wrk\":$(wrk_json 1 "$small_direct")"
    record large "$page" c16 "\"wrk\":$(wrk_json 16 "$large_direct")"
    record small "$page" c16 "\"wrk\":$(wrk_json 16 "$small_direct")"
    curl -s -o /dev/null -H 'Accept-Encoding: gzip' "$via$url"
    record large "$page" varnish "\"wrk\":$(wrk_json 16 "$via$url" -H 'Accept-Encoding: gzip')"
    static="$via/static/bench/large/$page.html"
    curl -s -o /dev/null -H 'Accept-Encoding: gzip' "$static"
    record large "$page" static "\"wrk\":$(wrk_json 16 "$static" -H 'Accept-Encoding: gzip')"
    # The same two without Accept-Encoding (monitors, curl, crawlers): the plain copies.
    curl -s -o /dev/null "$via$url"
    record large "$page" varnish-plain "\"wrk\":$(wrk_json 16 "$via$url")"
    curl -s -o /dev/null "$static"
    record large "$page" static-plain "\"wrk\":$(wrk_json 16 "$static")"
  done < <(urls large)
}

cat > "$work/summary.lua" <<'LUA'
done = function(summary, latency, requests)
  io.write(string.format('{"requests":%d,"duration_us":%d,"bytes":%d,"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},"rps":%.2f,"latency_us":{"mean":%.1f,"max":%d,"p50":%d,"p90":%d,"p99":%d}}\n',
    summary.requests, summary.duration, summary.bytes, summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.status, summary.errors.timeout,
    summary.requests / (summary.duration / 1e6), latency.mean, latency.max, latency:percentile(50), latency:percentile(90), latency:percentile(99)))
end
LUA

# --- News day: readers through Varnish while a scripted newsroom saves (scripts/newsday.py) ---
newsday() {
  local secs=${BENCH_NEWSDAY_SECONDS:-300} rest=${BENCH_NEWSDAY_REST_SECONDS:-30}
  local rate=${BENCH_NEWSDAY_RATE:-200} port vport pport purge
  archive_env large
  port=$(free_port) vport=$(free_port) pport=$(free_port)
  purge="http://127.0.0.1:$pport"
  echo "== news day on the large archive: $rate reader req/s through Varnish, $rest s at rest," \
    "then $secs s of saves (the newsroom's articles stay in the archive)"
  # Unlike the page bench, the app bans: gunicorn and the newsroom process send their bans to
  # Varnish's purge listener, as in production.
  HTTP_CACHE_PURGE_URLS=$purge "$BIN/gunicorn" newsroom.wsgi --workers 2 --bind "127.0.0.1:$port" \
    --pid "$work/gunicorn-newsday.pid" --log-level warning --daemon
  wait_http "http://127.0.0.1:$port/robots.txt"
  mkdir -p "$work/newsday"
  sed "s/\"8000\"/\"$port\"/" deploy/varnish/backend.vcl > "$work/newsday/backend.vcl"
  varnishd -j none -n "$work/varnish-newsday" -a "public=127.0.0.1:$vport" -a "purge=127.0.0.1:$pport" \
    -f "$ROOT/deploy/varnish/default.vcl" -p "vcl_path=$work/newsday:$ROOT/deploy/varnish" \
    -s malloc,256m -P "$work/varnish-newsday.pid" >"$work/varnishd-newsday.log" 2>&1 \
    || { cat "$work/varnishd-newsday.log" >&2; exit 1; }
  wait_http "http://127.0.0.1:$vport/robots.txt"
  HTTP_CACHE_PURGE_URLS=$purge "$BIN/python" scripts/newsday.py run --via "http://127.0.0.1:$vport" \
    --varnish-name "$work/varnish-newsday" --seconds "$secs" --rest "$rest" --rate "$rate" \
    --out "$OUT/newsday.json"
  echo "(news day JSON: $OUT/newsday.json)"
  stop_servers
}

# --- WordPress import: a generated export into fresh databases, one import process each ---
import_into() {  # db posts file: migrate a fresh database, then the measured import
  local db=$1 posts=$2 file=$3 dir
  dir=$(mktemp -d "$work/import-$db-$posts.XXXXXX")
  if [ "$db" = postgres ]; then
    "$PGBIN/createdb" -h 127.0.0.1 -p "$PGPORT" -U postgres "import_$posts"
    export DATABASE_URL="postgres://postgres@127.0.0.1:$PGPORT/import_$posts"
  else
    export DATABASE_URL="sqlite:///$dir/db.sqlite3"
  fi
  export MEDIA_ROOT=$dir/media CACHE_LOCATION=$dir/cache
  mkdir -p "$MEDIA_ROOT"
  "$BIN/python" manage.py migrate --noinput -v0
  "$BIN/python" scripts/bench_helper.py import-bench "$OUT/import/measured.jsonl" "$db" "$posts" \
    "$OUT/import/$db-$posts.log" -- "$BIN/python" manage.py import_wordpress "$file"
}

measure_import() {
  local dbs=(sqlite) posts file
  if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    pg_up >/dev/null || { echo "bench: cannot start PostgreSQL for the import bench" >&2; exit 1; }
    dbs+=(postgres)
  else
    echo "== (no PostgreSQL server binaries: the import is measured on SQLite only)"
  fi
  mkdir -p "$OUT/import"
  : > "$OUT/import/measured.jsonl"
  for posts in "${IMPORT_SIZES[@]}"; do
    file=$OUT/wxr-$posts.xml
    if [ ! -f "$file" ]; then
      echo "== generating $file; kept for later runs"
      "$BIN/python" scripts/wxr_generate.py "$file" --posts "$posts" --seed 1
    fi
    echo "== import_wordpress of $posts posts into ${dbs[*]}"
    for db in "${dbs[@]}"; do
      import_into "$db" "$posts" "$file"
    done
  done
  "$BIN/python" scripts/bench_helper.py import-report "$OUT"
}

if want_pages; then
  if [ "$DB" = postgres ]; then pg_start; fi
  build large "$LARGE"
  build small "$SMALL"

  echo "== collectstatic (whitenoise manifest)"
  rm -rf "$OUT/static"
  "$BIN/python" manage.py collectstatic --noinput -v0

  measure

  python3 -c 'import json,sys; json.dump({"seconds_per_measurement": int(sys.argv[1]), "db": sys.argv[2],
    "articles": int(sys.argv[3]), "small_articles": int(sys.argv[4]), "gunicorn_workers": 2,
    "varnish": "7.1, deploy/varnish/default.vcl"}, open(sys.argv[5], "w"))' \
    "$SECS" "$DB" "$LARGE" "$SMALL" "$OUT/meta.json"
  echo
  "$BIN/python" scripts/bench_helper.py report "$OUT"
  stop_servers  # the import is measured on a quiet machine
  if [ -n "${PG_BENCH:-}" ]; then pg_stop; PG_BENCH=""; fi
fi
if want_newsday; then
  if [ "$DB" = postgres ] && [ -z "${PG_BENCH:-}" ]; then pg_start; fi
  if ! want_pages; then
    build large "$LARGE"
    echo "== collectstatic (whitenoise manifest)"
    "$BIN/python" manage.py collectstatic --noinput -v0
  fi
  newsday
  if [ -n "${PG_BENCH:-}" ]; then pg_stop; PG_BENCH=""; fi
fi
if want_import; then
  measure_import
fi
if want_ops; then
  echo "== operations: renditions by the worker, reads from a replica (PostgreSQL)"
  pg_up >/dev/null || { echo "bench: no PostgreSQL for the operations part" >&2; exit 1; }
  BENCH_DIR=$OUT "$BIN/python" scripts/bench_ops.py
  pg_down
fi
if want_pages || want_import; then echo "(JSON: $OUT/results.json)"; fi
