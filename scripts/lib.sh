# shellcheck disable=SC2034  # variables set here are read by the scripts that source it
# scripts/lib.sh: the shell helpers every script and test shares (sourced, bash).
#
#   free_port                  a loopback port nobody listens on
#   lr_alive PID               the process runs (exists and is not a zombie)
#   lr_wait_gone PID SECONDS   until PID has ended; fails when it still runs
#   lr_wait_http URL SECONDS [STATUS]   until URL answers (with STATUS, when given)
#   lr_track PID               stop PID at lr_stop_all
#   lr_stop GRACE PID...       SIGCONT and SIGTERM to each PID and its direct children,
#                              SIGKILL after GRACE seconds; waits until they are gone
#   lr_stop_all [GRACE]        lr_stop every tracked PID (default grace 5 s)
#   lr_start_lastroomd LOG DB [ARGS...]   lastroomd on a free loopback port, tracked;
#                              sets LR_URL and LR_PID once /health/live answers 200
#                              (LR_START_SECONDS, default 30); retries a taken port;
#                              on failure sets LR_WHY and returns 1
#   lr_pg_start / lr_pg_stop   the private cluster of scripts/pg.sh ($LASTROOM_PGDIR):
#                              start sets LR_DB; stop stops it only if start started it

LR_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
LR_PIDS=()
LR_PG_STARTED=

# Below the kernel's ephemeral range where possible: a port some client connection uses
# as its local end cannot be listened on.
free_port() {
  local p lo=32768 base=20000 span=12000
  read -r lo _ </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null
  [ "${lo:-0}" -gt 12000 ] && { base=10000; span=$((lo - 10000)); }
  for _ in $(seq 200); do
    p=$(( base + (RANDOM * 32768 + RANDOM) % span ))
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return 0; }
  done
  return 1
}

# open_path_for_postgres DIR: as root, let the postgres user reach DIR (traversal, x
# only, on any ancestor folder that denies it: mktemp folders are 0700) and own it.
# Does nothing for other users.
open_path_for_postgres() {
  [ "$(id -u)" -eq 0 ] || return 0
  local d=$1
  while [ "$d" != "/" ]; do
    runuser -u postgres -- test -x "$d" 2>/dev/null || chmod o+x "$d"
    d=$(dirname "$d")
  done
  chown postgres: "$1"
}

lr_alive() {
  [ -e "/proc/$1" ] && [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != Z ]
}

lr_wait_gone() {
  local n
  for ((n = 0; n < $2 * 10; n++)); do lr_alive "$1" || return 0; sleep 0.1; done
  ! lr_alive "$1"
}

lr_wait_http() {
  local deadline=$((SECONDS + $2)) code
  while [ $SECONDS -lt $deadline ]; do
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$1")
    if [ -n "${3:-}" ]; then [ "$code" = "$3" ] && return 0
    elif [ "$code" != 000 ]; then return 0; fi
    sleep 0.1
  done
  return 1
}

lr_track() { LR_PIDS+=("$1"); }

lr_stop() {
  local grace=$1 p c all=()
  shift
  for p in "$@"; do
    [[ $p =~ ^[0-9]+$ ]] && lr_alive "$p" || continue
    for c in $(cat /proc/"$p"/task/*/children 2>/dev/null) "$p"; do all+=("$c"); done
  done
  for c in "${all[@]}"; do kill -CONT "$c" 2>/dev/null; kill -TERM "$c" 2>/dev/null; done
  for c in "${all[@]}"; do
    lr_wait_gone "$c" "$grace" && continue
    echo "# $(cat "/proc/$c/comm" 2>/dev/null) $c did not stop on SIGTERM within $grace s: SIGKILL" >&2
    kill -KILL "$c" 2>/dev/null
    lr_wait_gone "$c" 5
  done
  for c in "${all[@]}"; do wait "$c" 2>/dev/null; done
  return 0
}

lr_stop_all() {
  [ ${#LR_PIDS[@]} -eq 0 ] || lr_stop "${1:-5}" "${LR_PIDS[@]}"
  LR_PIDS=()
}

lr_start_lastroomd() {
  local log=$1 db=$2 port try
  shift 2
  LR_URL=; LR_PID=; LR_WHY=
  for try in 1 2 3; do
    port=$(free_port) || { LR_WHY="no free port"; return 1; }
    "${LASTROOM_BIN:-$LR_ROOT/bin}/lastroomd" --db "$db" --listen "127.0.0.1:$port" "$@" >"$log" 2>&1 &
    LR_PID=$!
    lr_track "$LR_PID"
    local deadline=$((SECONDS + ${LR_START_SECONDS:-30}))
    while lr_alive "$LR_PID" && [ $SECONDS -lt $deadline ]; do
      if lr_wait_http "http://127.0.0.1:$port/health/live" 1 200; then
        LR_URL=http://127.0.0.1:$port
        return 0
      fi
    done
    lr_stop 5 "$LR_PID"
    LR_WHY="lastroomd did not serve /health/live (try $try), see $log"
    grep -q 'cannot listen' "$log" || break
  done
  return 1
}

lr_pg_start() {
  "$LR_ROOT/scripts/pg.sh" status >/dev/null 2>&1 || LR_PG_STARTED=1
  LR_DB=$("$LR_ROOT/scripts/pg.sh" start | tail -1) && [ -n "$LR_DB" ]
}

lr_pg_stop() {
  [ -z "$LR_PG_STARTED" ] || "$LR_ROOT/scripts/pg.sh" stop >/dev/null 2>&1
  LR_PG_STARTED=
}
