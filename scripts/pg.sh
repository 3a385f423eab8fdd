# Throwaway PostgreSQL cluster for tests (no systemd, ignores any Debian cluster).
# Usage:  . scripts/pg.sh; pg_up || exit 1; trap pg_down EXIT
# Exports PGHOST PGPORT PGUSER PGDATABASE DATABASE_URL (trust auth, loopback only).
pg_up() {
  PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)
  [ -x "$PGBIN/initdb" ] || { echo "pg_up: no server binaries; apt-get install -y postgresql" >&2; return 1; }
  PG_RUN=""
  if [ "$(id -u)" = 0 ]; then        # root may not run postgres: use the postgres account
    id -u postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres || return 1
    PG_RUN="runuser -u postgres --"
  fi
  PG_TMP=$(mktemp -d /tmp/pgtest.XXXXXX) || return 1
  [ -n "$PG_RUN" ] && chown postgres: "$PG_TMP"
  PGPORT=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
  $PG_RUN "$PGBIN/initdb" -D "$PG_TMP/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 \
      >"$PG_TMP/initdb.log" 2>&1 || { cat "$PG_TMP/initdb.log" >&2; return 1; }
  # socket in the temp dir (-k), TCP on 127.0.0.1 only; fsync off = faster throwaway data
  $PG_RUN "$PGBIN/pg_ctl" -D "$PG_TMP/data" -l "$PG_TMP/server.log" -w -t 60 start \
      -o "-c listen_addresses=127.0.0.1 -p $PGPORT -k $PG_TMP -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
      >/dev/null || { cat "$PG_TMP/server.log" >&2; return 1; }
  export PGHOST=127.0.0.1 PGPORT PGUSER=postgres PGDATABASE=app_test PG_TMP PGBIN PG_RUN
  "$PGBIN/createdb" -h 127.0.0.1 -p "$PGPORT" -U postgres app_test || return 1
  export DATABASE_URL="postgres://postgres@127.0.0.1:$PGPORT/app_test"
  echo "pg_up: $DATABASE_URL (data in $PG_TMP)"
}
pg_down() {
  [ -n "${PG_TMP:-}" ] && [ -d "$PG_TMP" ] || return 0
  $PG_RUN "$PGBIN/pg_ctl" -D "$PG_TMP/data" -m fast -w -t 30 stop >/dev/null 2>&1 || true
  rm -rf "$PG_TMP"; PG_TMP=""
}
