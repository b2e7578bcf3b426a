#!/usr/bin/env bash
# nemesis.sh: inject one fault into a running lastroom set-up, and say what was done.
#
#   scripts/nemesis.sh kill-backends DB_URL [APPNAME]   pg_terminate_backend on the sessions
#                                                       whose application_name is APPNAME
#                                                       (default lastroomd), never its own
#   scripts/nemesis.sh pg-restart fast|immediate        restart the private cluster in
#                                                       $LASTROOM_PGDIR through scripts/pg.sh
#   scripts/nemesis.sh pg-pause SECONDS                 SIGSTOP that cluster's postmaster and
#                                                       its children, SIGCONT after SECONDS
#   scripts/nemesis.sh proxy HOST:PORT COMMAND...       send one control line to
#                                                       lastroom-faultproxy, print its reply
#   scripts/nemesis.sh server-kill PIDFILE              SIGKILL the lastroomd whose pid is in
#                                                       PIDFILE (restarting it is the caller's job)
#   scripts/nemesis.sh cluster DIR COMMAND [ARG]        one fault of scripts/cluster.sh on the
#                                                       cluster in DIR: kill primary, crash
#                                                       primary, failover, kill-api NAME,
#                                                       start-api NAME, restart-pooler
#
# Each action writes one timestamped line to stderr ("2026-01-31T12:00:00.123Z nemesis:
# ..."); results meant for a program (the proxy's reply, the number of backends ended)
# go to stdout. Exit status: 0 done, 1 failed, 2 usage. Only processes proved to belong
# to the private cluster (its postmaster.pid, their parent pid, their working folder) or
# to the given pidfile (a process named lastroomd) are ever signalled.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PAUSE_MAX=300

log() { echo "$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ) nemesis: $*" >&2; }
die() { log "error: $*"; exit 1; }
source "$ROOT/scripts/lib.sh"   # lr_wait_gone
usage() { sed -n '2,18p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2; }

# kill-backends DB_URL [APPNAME]
kill_backends() {
  [ $# -ge 1 ] && [ $# -le 2 ] || usage
  local url=$1 app=${2:-lastroomd} n
  n=$(PGAPPNAME=nemesis PGCONNECT_TIMEOUT=5 psql -X -qAt -v ON_ERROR_STOP=1 -v app="$app" "$url" <<'SQL'
SELECT count(*) FILTER (WHERE ended)
FROM (SELECT pg_terminate_backend(pid) AS ended
      FROM pg_stat_activity
      WHERE application_name = :'app' AND pid <> pg_backend_pid()) t;
SQL
) || die "kill-backends: could not reach the database"
  log "kill-backends application_name=$app: $n backends terminated"
  echo "$n"
}

# pg-restart fast|immediate
pg_restart() {
  [ $# -eq 1 ] || usage
  case $1 in fast|immediate) ;; *) usage ;; esac
  [ -n "${LASTROOM_PGDIR:-}" ] || die "pg-restart: set LASTROOM_PGDIR to the private cluster"
  local t0=$SECONDS
  log "pg-restart $1: stopping $LASTROOM_PGDIR"
  "$ROOT/scripts/pg.sh" restart "$1" || die "pg-restart $1: the cluster did not come back"
  log "pg-restart $1: running again after $((SECONDS - t0))s"
}

# cluster_pids: the postmaster of $LASTROOM_PGDIR (proved by its working folder being
# the data folder named in the pid file) followed by its children.
cluster_pids() {
  local data pm cwd
  data=$(cd "$LASTROOM_PGDIR/data" 2>/dev/null && pwd -P) || return 1
  pm=$(head -1 "$data/postmaster.pid" 2>/dev/null) || return 1
  [[ $pm =~ ^[0-9]+$ ]] || return 1
  cwd=$(readlink "/proc/$pm/cwd" 2>/dev/null) || return 1
  [ "$cwd" = "$data" ] || return 1
  echo "$pm"
  ps -o pid= --ppid "$pm" | tr -d ' '
}

# signal_pids SIGNAL PM PIDS...: signal the postmaster PM and those of PIDS whose parent
# is still PM (a child that exited meanwhile is skipped: a reused pid is never signalled).
signal_pids() {
  local sig=$1 pm=$2 p
  shift 2
  kill "-$sig" "$pm" 2>/dev/null
  for p in "$@"; do
    [ "$(ps -o ppid= -p "$p" 2>/dev/null | tr -d ' ')" = "$pm" ] && kill "-$sig" "$p" 2>/dev/null
  done
}

# resume_cluster: SIGCONT what pg_pause stopped (PAUSE_PIDS[0] is the postmaster).
resume_cluster() {
  [ -n "${PAUSE_SLEEP:-}" ] && kill "$PAUSE_SLEEP" 2>/dev/null
  signal_pids CONT "${PAUSE_PIDS[@]}"
}

# pg-pause SECONDS
pg_pause() {
  [ $# -eq 1 ] || usage
  [[ $1 =~ ^[0-9]+(\.[0-9]+)?$ ]] || usage
  awk -v s="$1" -v m=$PAUSE_MAX 'BEGIN { exit !(s > 0 && s <= m) }' || die "pg-pause: SECONDS must be in (0, $PAUSE_MAX]"
  [ -n "${LASTROOM_PGDIR:-}" ] || die "pg-pause: set LASTROOM_PGDIR to the private cluster"
  mapfile -t PAUSE_PIDS < <(cluster_pids)
  [ ${#PAUSE_PIDS[@]} -ge 1 ] || die "pg-pause: no running cluster in $LASTROOM_PGDIR"
  trap 'resume_cluster; log "pg-pause: resumed early (interrupted)"' EXIT
  trap 'exit 1' INT TERM HUP
  signal_pids STOP "${PAUSE_PIDS[@]}"
  log "pg-pause: stopped postmaster ${PAUSE_PIDS[0]} and its ${#PAUSE_PIDS[@]} processes in all for ${1}s"
  sleep "$1" &
  PAUSE_SLEEP=$!
  wait "$PAUSE_SLEEP"
  PAUSE_SLEEP=
  resume_cluster
  trap - EXIT INT TERM HUP
  log "pg-pause: resumed postmaster ${PAUSE_PIDS[0]}"
}

# proxy HOST:PORT COMMAND...
proxy() {
  [ $# -ge 2 ] || usage
  local addr=$1 host port reply
  shift
  host=${addr%:*}
  port=${addr##*:}
  [[ $host =~ ^127\.[0-9]+\.[0-9]+\.[0-9]+$ && $port =~ ^[0-9]+$ ]] || die "proxy: $addr is not a loopback HOST:PORT"
  { exec 3<>"/dev/tcp/$host/$port"; } 2>/dev/null || die "proxy $addr: cannot connect"
  printf '%s\n' "$*" >&3
  IFS= read -r -t 5 reply <&3 || reply="error no reply within 5s"
  exec 3>&-
  log "proxy $addr '$*' -> $reply"
  echo "$reply"
  [[ $reply == ok* ]]
}

# server-kill PIDFILE
server_kill() {
  [ $# -eq 1 ] || usage
  local pid comm
  pid=$(head -1 "$1" 2>/dev/null | tr -d ' ') || die "server-kill: cannot read $1"
  [[ $pid =~ ^[0-9]+$ ]] || die "server-kill: no pid in $1"
  comm=$(cat "/proc/$pid/comm" 2>/dev/null) || die "server-kill: process $pid from $1 is not running"
  [ "$comm" = lastroomd ] || die "server-kill: process $pid from $1 is '$comm', not lastroomd"
  kill -KILL "$pid" || die "server-kill: could not signal $pid"
  lr_wait_gone "$pid" 5   # gone, or a zombie waiting for its parent
  log "server-kill: SIGKILL sent to lastroomd $pid (from $1)"
}

# cluster DIR COMMAND [ARG]
cluster() {
  [ $# -ge 2 ] && [ $# -le 3 ] || usage
  local dir=$1 out
  shift
  case "$1 ${2:-}" in
    "kill primary"|"crash primary"|"failover "|"restart-pooler "|kill-api\ api[123]|start-api\ api[123]) ;;
    *) usage ;;
  esac
  [ -f "$dir/ports" ] || die "cluster: no cluster in $dir"
  log "cluster $*: begins"
  out=$(LASTROOM_CLUSTER_DIR=$dir "$ROOT/scripts/cluster.sh" "$@") || die "cluster $*: failed"
  log "cluster $*: $out"
  echo "$out"
}

cmd=${1:-}
shift || true
case $cmd in
  kill-backends) kill_backends "$@" ;;
  pg-restart)    pg_restart "$@" ;;
  pg-pause)      pg_pause "$@" ;;
  proxy)         proxy "$@" ;;
  server-kill)   server_kill "$@" ;;
  cluster)       cluster "$@" ;;
  -h|--help)     sed -n '2,24p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' ;;
  *)             usage ;;
esac
