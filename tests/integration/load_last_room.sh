#!/usr/bin/env bash
# load_last_room.sh: 50 users released together at one room get exactly one booking,
# the summary, its JSON export and the database all say so, with verification by SQL
# and through the admin API.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/load_helpers.bash"

check "lastroomd starts" start_lastroomd
export_file=$(mktemp); trap 'rm -f "$export_file"; lib_cleanup' EXIT

run_load run last-room --profile quick --url "$URL" --db "$LASTROOM_TEST_DB" \
  --summary-export "$export_file"
expect_eq "last-room exits 0" 0 "$RC"
expect_eq "exactly one successful booking" 1 "$(verdict_field 'Successful Bookings')"
expect_eq "49 clean refusals" 49 "$(verdict_field 'Failed Bookings')"
expect_eq "no overbooking" 0 "$(verdict_field 'Overbookings Detected')"
expect_eq "50 attempts" 50 "$(verdict_field 'Total Booking Attempts')"
check "the verdict line says passed" grep -q \
  '^✅ NO OVERBOOKING DETECTED - System passed race condition test!$' <<<"$OUT"
check "the verdict block has its heading" grep -q '^=== RACE CONDITION TEST SUMMARY ===$' <<<"$OUT"

check "the exported JSON parses" jq -e . "$export_file" >/dev/null
expect_eq "JSON successful_bookings agrees with the verdict" 1 \
  "$(jq -r '.metrics.successful_bookings.values.count' "$export_file")"
expect_eq "JSON failed_bookings agrees with the verdict" 49 \
  "$(jq -r '.metrics.failed_bookings.values.count' "$export_file")"
expect_eq "JSON overbookings is 0" 0 "$(jq -r '.metrics.overbookings.values.count' "$export_file")"
check "the JSON carries the verdict block" grep -q "^Successful Bookings: 1$" \
  <<<"$(jq -r .lastroom.verdict "$export_file")"

rt=$(run_room_type)
check "the verdict names the run's room type" test -n "$rt"
expect_eq "the database holds one Confirmed booking for the room" 1 \
  "$(psql_q "SELECT count(*) FROM bookings WHERE room_type_id = ${rt:-0} AND status = 'Confirmed'")"
expect_eq "its night is sold exactly once" "1|1|0" \
  "$(psql_q "SELECT allotment, booked_count, tentative_count FROM room_inventory WHERE room_type_id = ${rt:-0}")"

run_load run last-room --profile quick --url "$URL"
expect_eq "verified through the admin API instead of SQL: exits 0" 0 "$RC"
check "the API verification is named" grep -q '^Verification (through /api/admin/integrity' <<<"$OUT"
check "and the checks it could not run are named" grep -q \
  '^  not run without --db: the exact count per night (bounds used instead), the stay of each booking' <<<"$OUT"
expect_eq "one success again" 1 "$(verdict_field 'Successful Bookings')"
finish
