#!/usr/bin/env bash
# bench/run.sh: lastroom measured side by side with its ceilings and peers (make bench).
#
# Every figure is a ratio or a verdict taken within this one run, on this machine:
#   a. booking ceiling: pgbench calling create_booking_hold directly, versus
#      POST /api/holds through lastroomd driven by lastroom-load at the same concurrency,
#      spread over many inventory rows and all on one hot row;
#   b. load generator: lastroom-load versus wrk, hey and ab on GET /health/live with the
#      same connections and threads; and lastroom-load's peak memory per virtual user at
#      1,000 and 10,000 VUs;
#   c. hold and confirm latency (p50, p95, p99) in the race scenario at 50 and 200 VUs;
#   d. last-room with 10,000 VUs released together: one winner, clean refusals, memory;
#      and every hold answered within 1 s of the release (the last room as a flash sale
#      of one room, row d.release);
#   e. arrival-rate accuracy at 150 and 5,000 iterations/s, and a one-second stall of
#      lastroomd (SIGSTOP/SIGCONT) seen from the intended start versus the actual send.
#   f. a flash sale: 1,000 rooms of one night, 10,000 VUs released together, each trying hold
#      then confirm (load-tests/flash-sale.lua): exactly 1,000 booked, the rest sold_out,
#      every answer within 2 s of the release;
#   h. lastroomd's peak memory under 1,000 connections of hostile bodies, /health/live meanwhile.
#   t. over TLS through haproxy: lastroom-load versus wrk's https, CPU per request, and
#      handshakes per second with and without session resumption (bench/section_tls.sh).
#   s. scripts: CPU per request of a Lua script (bench/health-live.lua) against the
#      built-in http scenario and wrk with a Lua script, and its memory per VU at 10,000.
# It starts its own private PostgreSQL (var/pg-bench) and lastroomd processes on free
# loopback ports, bounds every run in time, stops everything it started (by PID) at
# exit, and prints the table (also written to var/bench-results.md). A row that cannot
# be measured (a missing program, scenario or flag) says "n/a (reason)"; the rest run.
#
# Environment:
#   LASTROOM_BIN    programs (default bin/)
#   BENCH_SECS      seconds per throughput run (default 10)
#   BENCH_CONC      concurrency of the booking ceiling runs (default 16)
#   BENCH_CONNS     connections of the load generator runs (default 64)
#   BENCH_THREADS   load generator threads (default 2)
#   BENCH_ONLY      sections to run, e.g. "a b" (default "a b c d e f h s t")
#   BENCH_LASTROOM_VUS  VUs of the large last-room run (default 10000)
#   BENCH_FLASH_VUS, BENCH_FLASH_ROOMS  VUs and rooms of the flash sale (default 10000, 1000)
#   BENCH_D_BUDGET  seconds the large last-room run may take (default 200); it is
#                   skipped when the 1,000-VU run predicts more
#   BENCH_BASELINE  folder of the race summaries kept from the last bench run (default
#                   var/bench-baseline): each new one is compared with its namesake
#                   there (lastroom-load compare, in the results), then kept in its place
# Exit status: 0 when the table was printed (MISS and n/a rows included), 1 when the
# private PostgreSQL could not be started.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
. bench/lib.sh

BIN=${LASTROOM_BIN:-bin}
SECS=${BENCH_SECS:-10}
CONC=${BENCH_CONC:-16}
CONNS=${BENCH_CONNS:-64}
THREADS=${BENCH_THREADS:-2}
ONLY=${BENCH_ONLY:-a b c d e f h s t}
PGBENCH=${PGBENCH:-/usr/lib/postgresql/15/bin/pgbench}
[ -x "$PGBENCH" ] || PGBENCH=$(command -v pgbench || echo pgbench)
OUT=var/bench
RESULTS=var/bench-results.md
export LASTROOM_PGDIR=var/pg-bench
export ADMIN_EMAIL=${ADMIN_EMAIL:-bench-admin@lastroom.test}
export ADMIN_PASSWORD=${ADMIN_PASSWORD:-bench-admin-password}
LOAD=$BIN/lastroom-load
SERVER=$BIN/lastroomd
DB=""
URL=""
SERVER_PID=""
T0=$SECONDS
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)

cleanup() {
  stop_all
  lr_pg_stop
  return 0
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# 10,000 connections on each side of section d: raise the descriptor limit.
ulimit -n "$(ulimit -Hn)" 2>/dev/null
[ "$(ulimit -n)" = unlimited ] || [ "$(ulimit -n)" -le 1048576 ] || ulimit -n 1048576

wants() { case " $ONLY " in *" $1 "*) return 0 ;; esac; return 1; }

# start_server LOG [ARGS...]: start a lastroomd on a free port; sets URL and SERVER_PID.
start_server() {
  local log=$1; shift
  URL=""; SERVER_PID=""
  [ -x "$SERVER" ] || { BENCH_WHY="no $SERVER"; return 1; }
  LASTROOM_ADMIN_EMAIL=$ADMIN_EMAIL LASTROOM_ADMIN_PASSWORD=$ADMIN_PASSWORD LASTROOM_BIN=$BIN \
    lr_start_lastroomd "$log" "$DB" --log-level warn "$@" || { BENCH_WHY=$LR_WHY; return 1; }
  URL=$LR_URL SERVER_PID=$LR_PID
}

# load_has_scenario NAME: lastroom-load exists and lists scenario NAME.
load_has_scenario() {
  [ -x "$LOAD" ] || { BENCH_WHY="no $LOAD"; return 1; }
  "$LOAD" list 2>/dev/null | grep -qw -- "$1" || { BENCH_WHY="no '$1' scenario in lastroom-load"; return 1; }
}

# load_run JSON LOG SECONDS SCENARIO ARGS...: run lastroom-load with a summary export,
# bounded in time; "RSS_KiB CPU_s" goes to JSON.rss (peak_rss_run). Returns its exit status.
load_run() {
  local json=$1 log=$2 limit=$3; shift 3
  rm -f "$json" "$json.rss"
  peak_rss_run "$json.rss" "$limit" "$LOAD" run "$@" --summary-export "$json" >"$log" 2>&1
}

# trend JSON SERIES STAT: one statistic of a series in a k6 summary export.
trend() { jnum "$1" ".metrics[\"$2\"].values[\"$3\"]"; }

. bench/sections.sh
. bench/section_tls.sh

mkdir -p "$OUT"
say "lastroom bench: $(nproc) cores, ${SECS}s runs, sections: $ONLY"
note "programs: $BIN   scratch: $OUT   results: $RESULTS"
# A fresh cluster each time: no bloat or leftovers from an earlier run.
scripts/pg.sh stop >/dev/null 2>&1
rm -rf "$LASTROOM_PGDIR"
lr_pg_start 2>"$OUT/pg.err"; DB=$LR_DB
if [ -z "$DB" ]; then echo "bench: PostgreSQL did not start: $(cat "$OUT/pg.err")" >&2; exit 1; fi
note "database: $DB"

wants a && section_a
wants b && section_b
wants c && section_c
wants d && section_d
wants e && section_e
wants f && section_f
wants h && section_h
wants s && section_s
wants t && section_t

# Regression check of section c: each race summary against the last bench run's, then
# kept as the next baseline. The verdicts go under the table.
BASELINE=${BENCH_BASELINE:-var/bench-baseline}
COMPARED=""
mkdir -p "$BASELINE"
for f in "$OUT"/race-*.json; do
  [ -s "$f" ] || continue
  b=$BASELINE/$(basename "$f")
  if [ -s "$b" ]; then
    "$LOAD" compare "$b" "$f" >"$f.compare" 2>&1; rc=$?
    COMPARED+="- $(basename "$f" .json) against the last bench run: exit $rc, $(tail -1 "$f.compare") (table: $f.compare)"$'\n'
  fi
  cp "$f" "$b"
done

{
  echo "# lastroom bench results"
  echo
  echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores ($(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)),"
  echo "$(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo) memory, ${SECS}s per throughput run, $((SECONDS - T0)) s in all,"
  echo "load average at the start: $LOAD_START, at the end: $(cut -d' ' -f1-3 /proc/loadavg) (a quiet machine shows about 0)."
  echo
  print_table
  if [ -n "$COMPARED" ]; then echo; echo "Compared with the previous bench run ($BASELINE):"; printf '%s' "$COMPARED"; fi
} >"$RESULTS"
say "results ($((SECONDS - T0)) s; also in $RESULTS)"
cat "$RESULTS"
exit 0
