#!/usr/bin/env bash
# load_last_room_unsafe.sh: the control experiment. Against lastroomd's deliberately
# racy booking path (a lost update the CHECK constraint cannot see), last-room must
# report overbooking and exit 99: the checker is shown able to fail.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/load_helpers.bash"

check "lastroomd (unsafe) starts" start_lastroomd unsafe
export_file=$(mktemp); trap 'rm -f "$export_file"; lib_cleanup' EXIT

run_load run last-room --profile quick --url "$URL" --db "$LASTROOM_TEST_DB" \
  --summary-export "$export_file"
expect_eq "last-room against the unsafe path exits 99" 99 "$RC"
ob=$(verdict_field 'Overbookings Detected')
check "overbookings detected (got '${ob}')" test "${ob:-0}" -gt 0
check "the verdict line says failed" grep -q \
  '^❌ OVERBOOKING DETECTED - System failed race condition test!$' <<<"$OUT"
check "the overbookings threshold is marked failed" grep -q "✗ 'count==0' count=$ob" <<<"$OUT"
expect_eq "JSON overbookings agrees with the verdict" "$ob" \
  "$(jq -r '.metrics.overbookings.values.count' "$export_file")"
rt=$(run_room_type)
check "the database confirms the oversell (tables hold more than the allotment)" test \
  "$(psql_q "SELECT count(*) FROM booking_holds WHERE room_type_id = ${rt:-0}") + \
$(psql_q "SELECT count(*) FROM bookings WHERE room_type_id = ${rt:-0} AND status = 'Confirmed'")" != "0 + 0"
finish
