#!/usr/bin/env bash
# load_last_room_unsafe.sh: the control experiment of `make demo`. With the mutants
# `unsafe` (holds granted from a stale read) and `confirm-lost-update` (confirms written
# from a stale read) applied to a scratch database, one room is really sold to several
# clients: last-room must count more than one success, report the overbooking and exit
# 99, naming the checks that fired: the checker is shown able to fail.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/load_helpers.bash"

check "scratch database" scratch_db lastroom_control
# The mutants' "server:" flags: they break the paths of holds and confirms sent one by
# one (--hold-batch 0, --confirm-batch 0).
# shellcheck disable=SC2046  # the flags are words
LOAD_DB=$SCRATCH_DB start_lastroomd $("$ROOT/scripts/mutant.sh" show unsafe server) \
  $("$ROOT/scripts/mutant.sh" show confirm-lost-update server) || { nok "lastroomd starts"; finish; exit 1; }
check "the mutant unsafe applies" "$ROOT/scripts/mutant.sh" apply unsafe "$SCRATCH_DB"
check "the mutant confirm-lost-update applies" "$ROOT/scripts/mutant.sh" apply confirm-lost-update "$SCRATCH_DB"
export_file=$(mktemp); trap 'rm -f "$export_file"; lib_cleanup; psql_q "DROP DATABASE IF EXISTS lastroom_control WITH (FORCE)" >/dev/null' EXIT

run_load run last-room --profile quick --url "$URL" --db "$SCRATCH_DB" \
  --summary-export "$export_file"
expect_eq "last-room against the mutants exits 99" 99 "$RC"
ok_n=$(verdict_field 'Successful Bookings')
check "more than one client was told confirmed for the one room (got '${ok_n}')" test "${ok_n:-0}" -gt 1
ob=$(verdict_field 'Overbookings Detected')
expect_eq "overbookings: every success past the first" "$((${ok_n:-0} - 1))" "$ob"
check "the verdict line says failed" grep -q \
  '^❌ OVERBOOKING DETECTED - System failed race condition test!$' <<<"$OUT"
check "the overbookings threshold is marked failed" grep -q "✗ 'count==0' count=$ob" <<<"$OUT"
expect_eq "JSON overbookings agrees with the verdict" "$ob" \
  "$(jq -r '.metrics.overbookings.values.count' "$export_file")"
expect_eq "the checks that fired: by tables, by confirmations seen, at one moment" \
  "oversold_tables,oversold_seen,oversold_in_time" \
  "$(jq -r '[.lastroom.verify.fired[] | select(startswith("oversold"))] | join(",")' "$export_file")"
check "the summary names the night with its evidence" grep -q \
  "^  \[oversold_seen\] room type [0-9]* night [0-9-]*: clients hold $ok_n confirmed rooms of an allotment of 1$" <<<"$OUT"
expect_eq "the database confirms the oversell: Confirmed bookings = successes" "$ok_n" \
  "$(psql -X -qAt "$SCRATCH_DB" -c "SELECT count(*) FROM bookings WHERE status = 'Confirmed'")"

# --no-thresholds drops the other thresholds, never the verdict's own
run_load run last-room --profile quick --url "$URL" --db "$SCRATCH_DB" --no-thresholds --quiet
expect_eq "with --no-thresholds an overbooking run still exits 99" 99 "$RC"
check "the overbookings threshold is still judged, and failed" grep -q "✗ 'count==0' count=[1-9]" <<<"$OUT"
expect_eq "the latency and checks thresholds are dropped" 0 \
  "$(grep -c -e "'p(95)<2000'" -e "'rate==1'" <<<"$OUT")"
finish
