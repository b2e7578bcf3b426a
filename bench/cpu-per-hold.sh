#!/usr/bin/env bash
# bench/cpu-per-hold.sh: where the CPU of one spread hold goes (docs/profiling.md).
#
# Section a's spread comparison (bench/sections.sh), taken apart: the same data, the same
# lastroomd and the same pgbench call, but instead of a rate each run reports the CPU
# (user + system, from /proc/PID/stat) that every party spent per hold in a window in
# the middle of the run: PostgreSQL (the postmaster and all its children) and lastroomd,
# with their context switches per hold, and the client; and the holds per WAL
# flush (pg_stat_wal.wal_sync: how many commits each flush carried) (pgbench, or the lastroom-load processes). CPU per hold is far less
# sensitive to other work on the machine than holds per second.
#
# Runs, each BENCH_SECS (default 10) seconds at BENCH_CONC (16) clients:
#   pgbench     pgbench -M prepared, 16 clients in BENCH_THREADS (2) threads, random rows
#   pgbench-api the same, calling what lastroomd calls (bench/pgbench-api-hold.sql)
#   http-procs  16 lastroom-load processes of one VU each, each on its own row (the
#               spread mode of section a before it used {{vu + N}})
#   http-one    one lastroom-load process, BENCH_THREADS threads, 16 VUs, VU i on row i
#               (section a's spread mode now)
# CPU_RUNS selects runs (default "pgbench pgbench-api http-procs http-one"), CPU_SERVER_ARGS adds
# lastroomd flags. With CPU_PERF=1, perf
# records lastroomd (cpu-clock, call graphs) during http-one into var/bench-cpu/perf.data.
#
# It starts a private PostgreSQL in var/pg-cpu and stops what it started, by PID.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
. bench/lib.sh

BIN=${LASTROOM_BIN:-bin}
SECS=${BENCH_SECS:-10}
CONC=${BENCH_CONC:-16}
THREADS=${BENCH_THREADS:-2}
RUNS=${CPU_RUNS:-pgbench pgbench-api http-procs http-one}
PGBENCH=${PGBENCH:-/usr/lib/postgresql/15/bin/pgbench}
[ -x "$PGBENCH" ] || PGBENCH=$(command -v pgbench || echo pgbench)
OUT=var/bench-cpu
export LASTROOM_PGDIR=var/pg-cpu
LOAD=$BIN/lastroom-load
URL="" SERVER_PID="" DB=""
TICK=$(getconf CLK_TCK)

trap 'stop_all; lr_pg_stop' EXIT
trap 'exit 130' INT TERM
. bench/sections.sh

# snap PID...: "pid ticks" for each process alive (user + system clock ticks, all
# its threads).
snap() {
  local p files=()
  for p in "$@"; do files+=(/proc/"$p"/stat); done
  # past "pid (comm) ", utime and stime are the 12th and 13th fields
  awk '{ sub(/^.*\) /, ""); split(FILENAME, f, "/"); print f[3], $12 + $13 }' "${files[@]}" 2>/dev/null
}

# delta BEFORE AFTER: ticks spent between two snaps by the processes alive in both.
delta() { awk 'NR == FNR { t[$1] = $2; next } ($1 in t) { d += $2 - t[$1] } END { print d + 0 }' "$1" "$2"; }

# switches PID...: "pid switches" for each process alive: the context switches
# (voluntary and not) of all its threads so far.
switches() {
  local p files=()
  for p in "$@"; do files+=(/proc/"$p"/task/*/status); done
  awk '/ctxt_switches/ { split(FILENAME, f, "/"); n[f[3]] += $2 }
       END { for (p in n) print p, n[p] }' "${files[@]}" 2>/dev/null
}

# pg_pids: the postmaster and its children.
pg_pids() {
  local pm
  pm=$(head -1 "$LASTROOM_PGDIR/data/postmaster.pid" 2>/dev/null) || return
  echo "$pm"
  ps --ppid "$pm" -o pid= | tr -d ' '

}

# window NAME CLIENT_PIDS...: sample everyone SECS/5 into the run and again 60% of the
# run later, then print each party's CPU per hold in between.
window() {
  local name=$1; shift
  local w n0 n1 n pgs s=$OUT/snap
  sleep "$(calc "$SECS / 5")"
  mapfile -t pgs < <(pg_pids)
  n0=$(held_count "$RT_LO" "$RT_HOT"); local f0 f1; f0=$(psqlq "SELECT wal_sync FROM pg_stat_wal")
  snap "${pgs[@]}" >"$s.pg0"; snap "$SERVER_PID" >"$s.srv0"; snap "$@" >"$s.cl0"
  switches "$SERVER_PID" >"$s.cs0"; switches "${pgs[@]}" >"$s.ps0"
  w=$(calc "$SECS * 0.6"); sleep "$w"
  snap "${pgs[@]}" >"$s.pg1"; snap "$SERVER_PID" >"$s.srv1"; snap "$@" >"$s.cl1"
  switches "$SERVER_PID" >"$s.cs1"; switches "${pgs[@]}" >"$s.ps1"
  n1=$(held_count "$RT_LO" "$RT_HOT"); f1=$(psqlq "SELECT wal_sync FROM pg_stat_wal")
  n=$((n1 - n0))
  local pg srv cl cs ps
  cs=$(delta "$s.cs0" "$s.cs1"); ps=$(delta "$s.ps0" "$s.ps1")
  pg=$(delta "$s.pg0" "$s.pg1"); srv=$(delta "$s.srv0" "$s.srv1"); cl=$(delta "$s.cl0" "$s.cl1")
  case $name in pgbench*) srv=0 ;; esac
  us() { calc "($1) * 1000000 / $TICK / $n"; }
  printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$name" "$(calc "$n / $w")" "$(us "$pg")" "$(calc "$ps / $n")" \
    "$(case $name in pgbench*) echo - ;; *) us "$srv" ;; esac)" \
    "$(case $name in pgbench*) echo - ;; *) calc "$cs / $n" ;; esac)" "$(us "$cl")" \
    "$(us "$pg + $srv + $cl")" "$(calc "$n / ($f1 - $f0)")" "$(cut -d' ' -f1 /proc/loadavg)" \
    | tee -a "$OUT/cpu.md"
}

# run_pgbench [NAME SQL]: pgbench on the spread rows (bench/pgbench-hold.sql).
run_pgbench() {
  local name=${1:-pgbench} sql=${2:-bench/pgbench-hold.sql}
  reset_holds
  "$PGBENCH" -n -M prepared -c "$CONC" -j "$THREADS" -T "$((SECS + 2))" -f "$sql" \
    -D uid="$USER_ID" -D rt0="$RT_LO" -D nrt="$NRT" -D ndays="$NDAYS" -D ttl_s="$TTL_S" \
    "$DB" >"$OUT/$name.log" 2>&1 &
  local p=$!; track "$p"
  window "$name" "$p"
  wait "$p"
}

run_http_procs() {
  local i pids=() rt night
  reset_holds
  for i in $(seq 0 $((CONC - 1))); do
    rt=$((RT_LO + i % NRT)); night=$(( (i * 7 + i / NRT) % NDAYS ))
    holds_load "$OUT/procs-$i.json" "$OUT/procs-$i.log" 1 1 "$(hold_body "$rt" "$night")"
    pids+=("$LOAD_PID")
  done
  window http-procs "${pids[@]}"
  for i in "${pids[@]}"; do wait "$i"; done
}

run_http_one() {
  reset_holds
  holds_load "$OUT/one.json" "$OUT/one.log" "$CONC" "$THREADS" "$(spread_body)"
  local p=$LOAD_PID perf=""
  if [ "${CPU_PERF:-0}" = 1 ]; then
    (sleep 2; perf record -e cpu-clock -F 2000 -g -o "$OUT/perf.data" -p "$SERVER_PID" \
      -- sleep "$((SECS - 4))" >"$OUT/perf.log" 2>&1) &
    perf=$!
  fi
  window http-one "$p"
  wait "$p"
  [ -z "$perf" ] || wait "$perf"
}

read -ra EXTRA <<<"${CPU_SERVER_ARGS:-}"   # more lastroomd flags, e.g. "--hold-batch 0"
mkdir -p "$OUT"
scripts/pg.sh stop >/dev/null 2>&1
rm -rf "$LASTROOM_PGDIR"
lr_pg_start 2>"$OUT/pg.err"; DB=$LR_DB
[ -n "$DB" ] || { echo "cpu-per-hold: PostgreSQL did not start: $(cat "$OUT/pg.err")" >&2; exit 1; }
LASTROOM_BIN=$BIN lr_start_lastroomd "$OUT/lastroomd.log" "$DB" --log-level warn \
  --pool-size "$CONC" --hold-ttl "${TTL_S}s" --max-holds-per-user 0 "${EXTRA[@]}" \
  || { echo "cpu-per-hold: $LR_WHY" >&2; exit 1; }
URL=$LR_URL SERVER_PID=$LR_PID
booking_data && bench_user || { echo "cpu-per-hold: no bench data" >&2; exit 1; }
{
  echo "$(date -u '+%F %H:%M UTC'), load average $(cut -d' ' -f1-3 /proc/loadavg), $CONC clients, ${SECS}s runs"
  echo
  echo "| run | holds/s | PostgreSQL µs/hold | PostgreSQL switches/hold | lastroomd µs/hold | lastroomd switches/hold | client µs/hold | all µs/hold | holds/WAL flush | load |"
  echo "|---|---|---|---|---|---|---|---|---|---|"
} | tee "$OUT/cpu.md"
for r in $RUNS; do
  case $r in
    pgbench) run_pgbench ;;
    pgbench-api) run_pgbench pgbench-api bench/pgbench-api-hold.sql ;;
    http-procs) run_http_procs ;;
    http-one) run_http_one ;;
  esac
done
