#!/usr/bin/env bash
# chaos.sh: the chaos test on loopback, set up from nothing and torn down at the end.
#
#   load-tests/chaos.sh [quick|full] [more lastroom-load options...]
#
# Starts (1) a private PostgreSQL in $LASTROOM_PGDIR (default ./var/pg-chaos), (2)
# lastroom-faultproxy in front of it, (3) lastroomd talking to PostgreSQL through the
# proxy, with a pidfile and a start script the nemesis runs to restart it; then runs
# `lastroom-load run chaos` with the flags its faults need, and stops everything it
# started, by pid (the cluster only when it was not running before).
#
# Environment:
#   LASTROOM_BIN     the programs (default ./bin)
#   LASTROOM_PGDIR   the cluster's folder (default ./var/pg-chaos)
#   CHAOS_DIR        logs, pidfile, start script (default $LASTROOM_PGDIR-run)
# Exit status: lastroom-load's (0 passed, 99 a threshold failed, 1 could not run,
# 2 usage); 1 when the set-up failed.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PROFILE=${1:-quick}
shift $(( $# > 0 ? 1 : 0 ))
case $PROFILE in quick|full) ;; *) echo "usage: load-tests/chaos.sh [quick|full] [options]" >&2; exit 2 ;; esac

BIN=${LASTROOM_BIN:-$ROOT/bin}
case $BIN in /*) ;; *) BIN=$ROOT/$BIN ;; esac
export LASTROOM_PGDIR=${LASTROOM_PGDIR:-$ROOT/var/pg-chaos}
case $LASTROOM_PGDIR in /*) ;; *) LASTROOM_PGDIR=$ROOT/$LASTROOM_PGDIR ;; esac
RUN=${CHAOS_DIR:-$LASTROOM_PGDIR-run}
mkdir -p "$RUN"
PIDFILE=$RUN/lastroomd.pid
ADMIN_EMAIL=chaos-admin@lastroom.test
ADMIN_PASSWORD=chaos-admin-password
PROXY_PID=

say() { echo "chaos.sh: $*" >&2; }

source "$ROOT/scripts/lib.sh"

# stop_pid PID NAME: lr_stop with 15 s of grace (a sanitizer build checks for leaks on
# its way out), only when /proc says the process is NAME (the pidfile may be stale).
stop_pid() {
  [ "$(cat "/proc/$1/comm" 2>/dev/null)" = "$2" ] && lr_stop 15 "$1"
  return 0
}

cleanup() {
  stop_pid "$(head -1 "$PIDFILE" 2>/dev/null)" lastroomd
  [ -n "$PROXY_PID" ] && stop_pid "$PROXY_PID" lastroom-faultp
  lr_pg_stop
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for p in lastroomd lastroom-load lastroom-faultproxy; do
  [ -x "$BIN/$p" ] || { say "$BIN/$p is missing (make, or set LASTROOM_BIN)"; exit 1; }
done

lr_pg_start || { say "PostgreSQL did not start"; exit 1; }
DB=$LR_DB
PG_PORT=$(cat "$LASTROOM_PGDIR/port")

PROXY_PORT=$(free_port) && CTL_PORT=$(free_port) && API_PORT=$(free_port) \
  || { say "no free loopback port"; exit 1; }
"$BIN/lastroom-faultproxy" --listen "127.0.0.1:$PROXY_PORT" --upstream "127.0.0.1:$PG_PORT" \
  --control "127.0.0.1:$CTL_PORT" >>"$RUN/proxy.log" 2>&1 &
PROXY_PID=$!

# lastroomd names its sessions through libpq's application_name (the nemesis ends
# them by that name) and gives up a connect after 3 s (a blackholed link hangs).
SRV_DB="postgresql://postgres@127.0.0.1:$PROXY_PORT/lastroom?application_name=lastroomd&connect_timeout=3"
cat >"$RUN/start-lastroomd.sh" <<EOF
#!/bin/sh
# Starts lastroomd in the background and writes its pid (written by chaos.sh).
LASTROOM_ADMIN_EMAIL='$ADMIN_EMAIL' LASTROOM_ADMIN_PASSWORD='$ADMIN_PASSWORD' \\
  nohup '$BIN/lastroomd' --db '$SRV_DB' --listen 127.0.0.1:$API_PORT --hold-ttl 30s \\
  --secret-file '$RUN/token-secret' --log-level warn >>'$RUN/lastroomd.log' 2>&1 </dev/null &
echo \$! >'$PIDFILE'
EOF
chmod +x "$RUN/start-lastroomd.sh"
"$RUN/start-lastroomd.sh"
URL="http://127.0.0.1:$API_PORT"
lr_wait_http "$URL/health" 60 200 || { say "lastroomd did not come up, see $RUN/lastroomd.log"; exit 1; }
say "PostgreSQL :$PG_PORT <- faultproxy :$PROXY_PORT (control :$CTL_PORT) <- lastroomd $URL (pid $(cat "$PIDFILE"))"

ADMIN_EMAIL=$ADMIN_EMAIL ADMIN_PASSWORD=$ADMIN_PASSWORD "$BIN/lastroom-load" run chaos \
  --profile "$PROFILE" --url "$URL" --db "$DB" --pgdir "$LASTROOM_PGDIR" \
  --proxy-control "127.0.0.1:$CTL_PORT" --server-pidfile "$PIDFILE" \
  --server-restart-cmd "$RUN/start-lastroomd.sh" --nemesis-script "$ROOT/scripts/nemesis.sh" "$@"
rc=$?
say "logs in $RUN"
exit $rc
