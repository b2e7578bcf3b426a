#!/usr/bin/env bash
# load_faults.sh: connections between the tester and lastroomd are reset in the middle
# of a race run. Requests then end with no answer, the tester resends holds and
# confirms with their Idempotency-Keys, and the verification must still find the
# database in exact agreement with every answer the clients received.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/load_helpers.bash"
PROXY=$LASTROOM_BIN/lastroom-faultproxy
NEMESIS=$ROOT/scripts/nemesis.sh

check "lastroomd starts" start_lastroomd
lport=$(free_port); cport=$(free_port)
"$PROXY" --listen "127.0.0.1:$lport" --upstream "${URL#http://}" --control "127.0.0.1:$cport" \
  >"$LOAD_LOGDIR/load_faults-proxy.log" 2>&1 &
track_pid $!
check "the fault proxy starts" wait_http "http://127.0.0.1:$lport/health/live" 10
ctl() { "$NEMESIS" proxy "127.0.0.1:$cport" "$@" 2>/dev/null; }
export_file=$(mktemp); trap 'rm -f "$export_file"; lib_cleanup' EXIT

# Reset every connection three times while the VUs book. The faults start once
# lastroomd (asked directly, not through the proxy) has created holds, so that the
# run's setup (registering users, argon2id) is never what gets reset.
holds_created() { curl -s --max-time 2 "$URL/metrics" | sed -n 's/^lastroom_holds_created_total //p'; }
base=$(holds_created)
( deadline=$((SECONDS + 90))
  while [ "$(holds_created)" = "$base" ] && [ $SECONDS -lt $deadline ]; do sleep 0.1; done
  for _ in 1 2 3; do ctl mode reset >/dev/null; sleep 0.2; ctl mode pass >/dev/null; sleep 1; done ) &
chaos=$!
run_load run race --profile quick --url "http://127.0.0.1:$lport" --db "$LASTROOM_TEST_DB" \
  --no-thresholds --summary-export "$export_file"
wait "$chaos"
expect_eq "the run completes" 0 "$RC"
resets=$(ctl status | tr ' ' '\n' | sed -n 's/^resets=//p')
check "connections were reset during the run (${resets:-none})" test "${resets:-0}" -gt 0
expect_eq "no overbooking" 0 "$(jq -r '.metrics.overbookings.values.count' "$export_file")"
expect_eq "the database agrees with every answer (no inventory violation)" 0 \
  "$(jq -r '.metrics.inventory_violations.values.count' "$export_file")"
check "bookings still succeeded" test "$(verdict_field 'Successful Bookings')" -gt 0
finish
