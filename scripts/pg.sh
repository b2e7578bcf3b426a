#!/usr/bin/env bash
# pg.sh: a private PostgreSQL 15 cluster for lastroom.
#
#   scripts/pg.sh start | stop | restart [fast|immediate] | status | url | psql [ARGS] | pid | migrate
#
# The cluster lives in $LASTROOM_PGDIR (default ./var/pg): data/ holds the cluster,
# the Unix socket sits in the folder itself, the port (a free loopback port chosen on
# first start) is kept in port. It listens on 127.0.0.1 only and never touches a
# system cluster, so two folders give two clusters side by side.
# PostgreSQL refuses to run as root: as root the server runs as the `postgres` user.
# `start` is idempotent; it creates the cluster and the database when missing, applies
# the migrations and functions with `lastroomd migrate` ($LASTROOM_BIN, default bin/),
# and prints the connection URL as its last line.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$ROOT/scripts/lib.sh"   # free_port
PGBIN=${LASTROOM_PGBIN:-/usr/lib/postgresql/15/bin}
PGDIR=${LASTROOM_PGDIR:-$ROOT/var/pg}
mkdir -p "$PGDIR"
PGDIR=$(cd "$PGDIR" && pwd)
DATA=$PGDIR/data
DBNAME=lastroom

die() { echo "pg.sh: $*" >&2; exit 1; }
source "$ROOT/scripts/lib.sh"   # open_path_for_postgres

# as_pg CMD...: run CMD as the cluster's owner.
as_pg() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

port() { cat "$PGDIR/port" 2>/dev/null || die "no cluster in $PGDIR (run start)"; }
url() { echo "postgresql://postgres@127.0.0.1:$(port)/$DBNAME"; }
running() { [ -f "$DATA/postmaster.pid" ] && as_pg "$PGBIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; }

init_cluster() {
  [ -f "$DATA/PG_VERSION" ] && return 0
  open_path_for_postgres "$PGDIR"
  as_pg "$PGBIN/initdb" -D "$DATA" -U postgres --auth=trust -E UTF8 --locale=C >"$PGDIR/initdb.log" 2>&1 \
    || die "initdb failed, see $PGDIR/initdb.log"
  free_port >"$PGDIR/port" || die "no free loopback port found"
  cat >>"$DATA/postgresql.conf" <<CONF

# lastroom private cluster
listen_addresses = '127.0.0.1'
port = $(port)
unix_socket_directories = '$PGDIR'
max_connections = 400
shared_buffers = 256MB
log_min_messages = warning
CONF
}

start() {
  open_path_for_postgres "$PGDIR"
  init_cluster
  if ! running; then
    port_in_use "$(port)" && die "port $(port) is taken by another process; remove $PGDIR/port and data to pick another"
    as_pg "$PGBIN/pg_ctl" -D "$DATA" -l "$PGDIR/server.log" -w -t 60 start >/dev/null \
      || die "PostgreSQL did not start, see $PGDIR/server.log"
  fi
  local have
  have=$(psql -X -qAt "postgresql://postgres@127.0.0.1:$(port)/postgres" \
         -c "SELECT 1 FROM pg_database WHERE datname = '$DBNAME'")
  [ "$have" = 1 ] || psql -X -q "postgresql://postgres@127.0.0.1:$(port)/postgres" -c "CREATE DATABASE $DBNAME" >/dev/null
  migrate
  url
}

# migrate: lastroomd's own runner (src/server/migrate.c) applies the pending
# db/migrations and every db/functions file. $LASTROOM_BIN names the build to use.
migrate() {
  local bin=${LASTROOM_BIN:-bin}
  case $bin in /*) ;; *) bin=$ROOT/$bin ;; esac
  [ -x "$bin/lastroomd" ] || die "no $bin/lastroomd to apply the migrations with: run make first"
  "$bin/lastroomd" migrate --db "$(url)" >"$PGDIR/migrate.log" 2>&1 \
    || die "migrations failed: $(tail -5 "$PGDIR/migrate.log")"
}

stop() {
  running || return 0
  as_pg "$PGBIN/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null
}

restart() {
  local mode=${1:-fast}
  as_pg "$PGBIN/pg_ctl" -D "$DATA" -m "$mode" -w stop >/dev/null 2>&1 || true
  as_pg "$PGBIN/pg_ctl" -D "$DATA" -l "$PGDIR/server.log" -w -t 60 start >/dev/null
}

cmd=${1:-}
shift || true
case "$cmd" in
  start)   start ;;
  stop)    stop ;;
  restart) restart "$@" ;;
  status)  if running; then echo "running on 127.0.0.1:$(port) ($PGDIR)"; else echo "stopped ($PGDIR)"; exit 3; fi ;;
  url)     url ;;
  psql)    exec psql -X "$(url)" "$@" ;;
  pid)     head -1 "$DATA/postmaster.pid" ;;
  migrate) migrate ;;
  *) echo "usage: scripts/pg.sh start|stop|restart [fast|immediate]|status|url|psql [ARGS]|pid|migrate" >&2; exit 2 ;;
esac
