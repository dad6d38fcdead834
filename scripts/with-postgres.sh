#!/usr/bin/env bash
# Run a command against a throw-away PostgreSQL 15 server on loopback, then remove it.
#   scripts/with-postgres.sh pytest -q
set -euo pipefail
PGBIN=/usr/lib/postgresql/15/bin
if [ ! -x "$PGBIN/initdb" ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "Installing PostgreSQL 15 (Debian package postgresql-15)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15 >/dev/null
  else
    echo "PostgreSQL 15 is needed: sudo apt-get install postgresql-15" >&2; exit 1
  fi
fi
PORT=${BITRADE_PG_PORT:-54329}
DIR=$(mktemp -d /tmp/bitrade-pg.XXXXXX)
chmod 755 "$DIR"
run() { if [ "$(id -u)" = 0 ]; then chown -R postgres: "$DIR"; runuser -u postgres -- "$@"; else "$@"; fi; }
run "$PGBIN/initdb" -D "$DIR/data" -A trust -U bitrade -E UTF8 --locale=C.UTF-8 --no-sync >/dev/null
run "$PGBIN/pg_ctl" -D "$DIR/data" -l "$DIR/log" -w -o "-p $PORT -k $DIR -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" start >/dev/null
cleanup() { run "$PGBIN/pg_ctl" -D "$DIR/data" -m immediate stop >/dev/null 2>&1 || true; rm -rf "$DIR"; }
trap cleanup EXIT
"$PGBIN/psql" -h 127.0.0.1 -p "$PORT" -U bitrade -d postgres -qc "CREATE DATABASE bitrade" >/dev/null
export DATABASE_URL="postgres://bitrade@127.0.0.1:$PORT/bitrade"
echo "PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}') at $DATABASE_URL"
"$@"
