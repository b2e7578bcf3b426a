#!/usr/bin/env bash
# load_chaos.sh: the chaos test's quick profile through its runner, load-tests/chaos.sh,
# which sets up a private cluster, the fault proxy and a restartable lastroomd of its
# own and runs the race iteration while the nemesis injects every fault kind of the
# quick schedule. Asserts: the run passes (exit 0); each kind of the schedule was
# injected at least once; nothing was oversold; the database agrees with every answer
# (no inventory violation); every confirmation a client received is in the database;
# every confirmation settled before the end; lastroomd's logs hold no sanitizer report.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/load_helpers.bash"

QUICK_KINDS="kill-backends latency server-kill pg-pause reset blackhole pg-restart-immediate down"
export_file=$(mktemp)
trap 'rm -f "$export_file"; lib_cleanup' EXIT
pgdir=${LASTROOM_PGDIR:-$ROOT/var/pg-test}-chaos
rundir=$LOAD_LOGDIR/load_chaos-run
rm -rf "$rundir"

out=$(LASTROOM_PGDIR=$pgdir CHAOS_DIR=$rundir "$ROOT/load-tests/chaos.sh" quick \
      --summary-export "$export_file" 2>&1)
rc=$?
printf '%s\n' "$out" | sed 's/^/# /'
expect_eq "the chaos run passes" 0 "$rc"

lr() { jq -r ".lastroom.$1" "$export_file" 2>/dev/null; }
for k in $QUICK_KINDS; do
  n=$(lr "nemesis.faults[\"$k\"].injected")
  check "fault $k was injected (${n:-none})" test "${n:-0}" -ge 1 2>/dev/null
done
expect_eq "no fault failed to inject" 0 \
  "$(jq '[.lastroom.nemesis.faults[].failed] | add' "$export_file" 2>/dev/null)"
expect_eq "no overbooking" 0 "$(jq -r '.metrics.overbookings.values.count' "$export_file")"
expect_eq "no inventory violation" 0 \
  "$(jq -r '.metrics.inventory_violations.values.count' "$export_file")"
expect_eq "every confirmation a client saw is Confirmed in the database" 0 "$(lr verify.missing_confirmed)"
expect_eq "no booking exists for an attempt the client was told failed" 0 "$(lr verify.refused_but_booked)"
expect_eq "every confirmation settled before the end of the run" 0 "$(lr verify.unknown_confirms)"
check "bookings succeeded between the faults ($(lr verify.confirmed_seen))" \
  test "$(lr verify.confirmed_seen)" -gt 0
check "the timeline is in the summary" grep -q '^Nemesis timeline' <<<"$out"
expect_eq "lastroomd's logs hold no sanitizer report" 0 \
  "$(grep -c -E 'ERROR: AddressSanitizer|runtime error:|LeakSanitizer' "$rundir"/lastroomd.log 2>/dev/null)"
# running_lastroomd PID: PID is a lastroomd that has not exited.
running_lastroomd() {
  [ "$(cat "/proc/$1/comm" 2>/dev/null)" = lastroomd ] \
    && [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != Z ]
}
pid=$(head -1 "$rundir/lastroomd.pid" 2>/dev/null)
check "the runner stopped its lastroomd" test -n "$pid"
lastroomd_gone() { ! running_lastroomd "$1"; }
check "... and it is gone" lastroomd_gone "${pid:-0}"
expect_eq "... on SIGTERM" 0 "$(grep -c 'did not stop on SIGTERM' <<<"$out")"
finish
