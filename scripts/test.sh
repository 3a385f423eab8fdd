#!/usr/bin/env bash
# The whole suite, as `make test` and CI run it: lint and migration checks, then pytest on
# SQLite and on a throwaway PostgreSQL 15 cluster. Browser tests use Debian's Chromium.
# With CI=true nothing may be skipped: missing PostgreSQL, Chromium, the HTML checker,
# Varnish, Redis or systemd-analyze are installed, and the run fails if that is impossible.
# Elsewhere a missing one is skipped and the summary says so loudly. Extra arguments go to pytest.
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
CI=${CI:-false}
skipped=()
results=()
status=0

in_ci() { [ "$CI" = "true" ]; }
apt_install() {
  [ "$(id -u)" = 0 ] || return 1
  [ -n "${APT_UPDATED:-}" ] || { apt-get update -qq && APT_UPDATED=1; } || return 1
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

echo "== ruff"
$BIN/ruff check . || status=1
$BIN/ruff format --check . || status=1
echo "== migrations up to date"
SECRET_KEY=check-only DEBUG=false $BIN/python manage.py makemigrations --check --dry-run >/dev/null \
  || { echo "makemigrations --check failed: a model change has no migration" >&2; status=1; }

# Chromium for the browser tests.
if ! command -v chromium >/dev/null 2>&1; then
  if in_ci; then
    echo "== installing chromium"
    apt_install chromium fonts-liberation || { echo "FATAL: cannot install chromium in CI" >&2; exit 1; }
  fi
fi
if command -v chromium >/dev/null 2>&1; then
  export CHROMIUM_PATH=$(command -v chromium)
else
  skipped+=("browser tests: Chromium is not installed (apt-get install chromium)")
fi

# Varnish (deploy/varnish/default.vcl in front of the live server), nginx (the shipped
# front, deploy/nginx/) and Redis (REDIS_URL) for tests/proxy. varnishd and nginx live in
# /usr/sbin, which a non-root PATH may lack.
export PATH="$PATH:/usr/sbin"
if in_ci && ! { command -v varnishd && command -v redis-server && command -v nginx; } >/dev/null 2>&1; then
  echo "== installing varnish, redis-server and nginx"
  apt_install varnish redis-server nginx \
    || { echo "FATAL: cannot install varnish/redis-server/nginx in CI" >&2; exit 1; }
fi
command -v varnishd >/dev/null 2>&1 \
  || skipped+=("proxy tests: Varnish is not installed (apt-get install varnish)")
command -v nginx >/dev/null 2>&1 \
  || skipped+=("front tests (tests/proxy/test_front.py): nginx is not installed (apt-get install nginx)")
command -v redis-server >/dev/null 2>&1 \
  || skipped+=("Redis cache test: redis-server is not installed (apt-get install redis-server)")

# systemd-analyze checks the shipped units (deploy/systemd/, tests/deploy/).
if in_ci && ! command -v systemd-analyze >/dev/null 2>&1; then
  echo "== installing systemd (systemd-analyze)"
  apt_install systemd || { echo "FATAL: cannot install systemd in CI" >&2; exit 1; }
fi
command -v systemd-analyze >/dev/null 2>&1 \
  || skipped+=("systemd unit tests (tests/deploy/): systemd-analyze is not installed (apt-get install systemd)")

# The W3C Nu HTML Checker (Java + the vnu-jar npm package) for the HTML validity tests.
VNU_JAR=.tools/node_modules/vnu-jar/build/dist/vnu.jar
if in_ci && ! { command -v java && command -v npm; } >/dev/null 2>&1; then
  echo "== installing java and npm for the HTML checker"
  apt_install default-jre-headless npm || { echo "FATAL: cannot install java/npm in CI" >&2; exit 1; }
fi
if [ ! -f "$VNU_JAR" ] && command -v npm >/dev/null 2>&1; then
  echo "== installing the Nu HTML Checker (npm vnu-jar)"
  npm install --silent --no-audit --no-fund --prefix .tools vnu-jar@26.9.27 >/dev/null 2>&1 || true
fi
if [ -f "$VNU_JAR" ] && command -v java >/dev/null 2>&1; then
  export VNU_JAR
else
  in_ci && { echo "FATAL: the Nu HTML Checker (java + npm vnu-jar) is not available in CI" >&2; exit 1; }
  skipped+=("HTML validity tests: Java or the vnu-jar npm package is missing")
fi

echo "== collectstatic with the production storage (whitenoise manifest)"
static_tmp=$(mktemp -d)
SECRET_KEY=collect-only DEBUG=false STATIC_ROOT="$static_tmp" $BIN/python manage.py collectstatic --noinput -v0 \
  || { echo "collectstatic failed: production would not start" >&2; status=1; }
rm -rf "$static_tmp"

echo "== pytest on SQLite"
if $BIN/pytest "$@"; then results+=("SQLite: passed"); else results+=("SQLite: FAILED"); status=1; fi

# PostgreSQL 15 as a throwaway cluster.
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && in_ci; then
  echo "== installing postgresql-15"
  apt_install postgresql-15 || { echo "FATAL: cannot install PostgreSQL in CI" >&2; exit 1; }
fi
if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  . scripts/pg.sh
  if pg_up; then
    trap pg_down EXIT
    echo "== pytest on PostgreSQL"
    if $BIN/pytest "$@"; then results+=("PostgreSQL: passed"); else results+=("PostgreSQL: FAILED"); status=1; fi
    pg_down
    unset DATABASE_URL
  else
    echo "FATAL: could not start PostgreSQL" >&2
    results+=("PostgreSQL: could not start"); status=1
  fi
else
  in_ci && { echo "FATAL: PostgreSQL is missing in CI" >&2; exit 1; }
  skipped+=("the PostgreSQL run: no server binaries (apt-get install postgresql-15)")
fi

echo
echo "==================== summary ===================="
for r in "${results[@]}"; do echo "  $r"; done
for s in "${skipped[@]}"; do echo "  SKIPPED (not run!): $s"; done
[ "$status" = 0 ] && echo "  make test: OK" || echo "  make test: FAILED"
exit $status
