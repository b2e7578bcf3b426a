#!/usr/bin/env bash
# load_race.sh: the race scenario's quick profile (ramping to 50 users over a small
# allotment) passes: rooms sell out, clients are refused cleanly, nothing is oversold,
# and the database agrees with every answer.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/load_helpers.bash"

check "lastroomd starts" start_lastroomd
export_file=$(mktemp); trap 'rm -f "$export_file"; lib_cleanup' EXIT

run_load run race --profile quick --url "$URL" --db "$LASTROOM_TEST_DB" \
  --summary-export "$export_file"
expect_eq "race (quick) exits 0" 0 "$RC"
expect_eq "no overbooking" 0 "$(verdict_field 'Overbookings Detected')"
ok_n=$(verdict_field 'Successful Bookings'); refused=$(verdict_field 'Failed Bookings')
check "some bookings succeeded (${ok_n:-none})" test "${ok_n:-0}" -gt 0
check "rooms sold out and clients were refused (${refused:-none})" test "${refused:-0}" -gt 0
expect_eq "JSON successful_bookings agrees" "$ok_n" \
  "$(jq -r '.metrics.successful_bookings.values.count' "$export_file")"
expect_eq "JSON inventory_violations is 0" 0 \
  "$(jq -r '.metrics.inventory_violations.values.count' "$export_file")"
rt=$(run_room_type)
expect_eq "the operators' first query finds nothing for the run's room type" 0 \
  "$(psql_q "SELECT count(*) FROM room_inventory WHERE room_type_id = ${rt:-0} AND (booked_count + tentative_count) > allotment")"
expect_eq "no night holds more Confirmed details than rooms" 0 "$(psql_q "
  SELECT count(*) FROM room_inventory ri WHERE ri.room_type_id = ${rt:-0} AND ri.allotment <
    (SELECT COALESCE(sum(bd.quantity), 0) FROM booking_details bd JOIN bookings b USING (booking_id)
      WHERE b.status = 'Confirmed' AND bd.room_type_id = ri.room_type_id AND bd.date = ri.date)")"
finish
