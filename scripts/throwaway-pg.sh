#!/usr/bin/env bash
# A private PostgreSQL cluster for tests: trust auth, fsync off, no change to the system's cluster.
# usage: scripts/throwaway-pg.sh start|stop   (PGCI_DIR, PGCI_PORT override; prints DATABASE_URL=… on start)
# Installs Debian's postgresql when no server binaries are present (CI runs as root).
set -euo pipefail
DIR=${PGCI_DIR:-${TMPDIR:-/tmp}/ai623-pgci}
PORT=${PGCI_PORT:-5435}
find_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }
BIN=$(find_bin || true)
case "${1:-start}" in
  start)
    if [ -z "$BIN" ] || [ ! -x "$BIN/initdb" ]; then
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
      BIN=$(find_bin)
    fi
    if [ -f "$DIR/data/postmaster.pid" ]; then "$0" stop >/dev/null 2>&1 || true; fi
    rm -rf "$DIR"; mkdir -p "$DIR"
    as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
    [ "$(id -u)" = 0 ] && chown postgres:postgres "$DIR"
    as_pg "$BIN/initdb" -D "$DIR/data" -U postgres -A trust --no-sync -E UTF8 >/dev/null
    as_pg "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/log" -w start \
      -o "-p $PORT -k $DIR -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" >/dev/null
    echo "DATABASE_URL=postgres://postgres@127.0.0.1:$PORT/postgres" ;;
  stop)
    as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
    as_pg "$BIN/pg_ctl" -D "$DIR/data" -m fast -w stop ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
