#!/usr/bin/env bash
# chaos-repeat.sh: the safe path under faults, run after run: N consecutive chaos quick
# runs (load-tests/chaos.sh), each with its own seed, and a false alarm is any run that
# does not pass (exit other than 0) or whose verification fired any check.
#
#   bench/chaos-repeat.sh [N]      N runs (default 20)
#
# Prints one line per run (seed, exit status, seconds, successes, unknown confirms,
# checks fired), then "false alarms: K of N runs" and the total time; exits 0 only when
# K is 0. LASTROOM_BIN and LASTROOM_PGDIR are passed to load-tests/chaos.sh (default
# cluster ./var/pg-chaos). Each run sets up and tears down its own lastroomd and proxy.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
N=${1:-20}
[[ $N =~ ^[1-9][0-9]*$ ]] || { echo "usage: bench/chaos-repeat.sh [N]" >&2; exit 2; }
export_file=$(mktemp); trap 'rm -f "$export_file"' EXIT
logdir=${LASTROOM_PGDIR:-$ROOT/var/pg-chaos}-repeat
mkdir -p "$logdir"
alarms=0; t0=$SECONDS
printf '%-5s %-6s %5s %5s %8s %8s  %s\n' RUN SEED EXIT SECS BOOKED UNKNOWN 'CHECKS FIRED'
for i in $(seq "$N"); do
  s0=$SECONDS
  rm -f "$export_file"
  "$ROOT/load-tests/chaos.sh" quick --seed "$i" --quiet --summary-export "$export_file" \
    >"$logdir/run-$i.log" 2>&1
  rc=$?
  fired=$(jq -r '.lastroom.verify.fired // ["(no export)"] | join(",")' "$export_file" 2>/dev/null)
  booked=$(jq -r '.lastroom.verify.confirmed_seen // "-"' "$export_file" 2>/dev/null)
  unknown=$(jq -r '.lastroom.verify.unknown_confirms // "-"' "$export_file" 2>/dev/null)
  [ "$rc" = 0 ] && [ -z "$fired" ] || alarms=$((alarms + 1))
  printf '%-5s %-6s %5s %5s %8s %8s  %s\n' "$i" "$i" "$rc" $((SECONDS - s0)) "${booked:--}" \
    "${unknown:--}" "${fired:-none}"
done
echo "false alarms: $alarms of $N runs ($((SECONDS - t0)) s in all; logs in $logdir)"
[ "$alarms" -eq 0 ]
