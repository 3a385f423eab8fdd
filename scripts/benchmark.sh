#!/usr/bin/env bash
# Throughput and latency of the main reading pages, served the production way (gunicorn,
# DEBUG off, whitenoise, file cache) from a demo database on 127.0.0.1 only.
# Usage: bash scripts/benchmark.sh [seconds per page, default 10]. Needs wrk (apt-get install wrk).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
SECONDS_PER_PAGE=${1:-10}
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }

work=$(mktemp -d)
cleanup() {
  kill "$(cat "$work/pid" 2>/dev/null)" 2>/dev/null && sleep 1
  rm -rf "$work"
}
trap cleanup EXIT
export DEBUG=false SECRET_KEY=benchmark-only-$RANDOM$RANDOM SECURE_SSL_REDIRECT=false \
  DATABASE_URL="sqlite:///$work/db.sqlite3" MEDIA_ROOT="$work/media" STATIC_ROOT="$work/static" \
  CACHE_LOCATION="$work/cache" WEATHER_PROVIDER=demo ALLOWED_HOSTS=127.0.0.1
$BIN/python manage.py migrate -v0
$BIN/python manage.py load_demo >/dev/null
$BIN/python manage.py collectstatic --noinput -v0
port=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
$BIN/gunicorn newsroom.wsgi --workers 2 --bind "127.0.0.1:$port" --pid "$work/pid" \
  --log-level warning --daemon
sleep 2

cat > "$work/summary.lua" <<'LUA'
done = function(summary, latency, requests)
  io.write(string.format('{"requests":%d,"errors":%d,"rps":%.1f,"latency_ms":{"p50":%.1f,"p90":%.1f,"p99":%.1f}}\n',
    summary.requests, summary.errors.status + summary.errors.connect + summary.errors.timeout,
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000,
    latency:percentile(90) / 1000, latency:percentile(99) / 1000))
end
LUA
article=$($BIN/python manage.py shell -c \
  "from articles.models import Article; print(Article.objects.published().first().get_absolute_url())" 2>/dev/null | tail -n1)
for page in / /lindenau/ "$article" /thema/klima/ /stellenmarkt/ /wetter/; do
  printf '%-60s ' "$page"
  wrk -t2 -c8 -d"${SECONDS_PER_PAGE}s" -s "$work/summary.lua" "http://127.0.0.1:$port$page" | tail -n1
done
