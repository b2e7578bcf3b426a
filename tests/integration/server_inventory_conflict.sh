#!/usr/bin/env bash
# server_inventory_conflict.sh: when the room_inventory CHECK refuses a confirmation
# (counters damaged the way the unsafe hold path's lost updates damage them), the
# answer is a definite 409 inventory_conflict with nothing changed, not a 500 that a
# client would have to treat as an unknown outcome and retry.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/server_common.sh"

srv_start || { nok "lastroomd starts"; finish; exit 1; }
admin_token
new_room 2
new_user
body='{"room_type_id":'"$RT"',"check_in":"2031-03-10","check_out":"2031-03-11","quantity":1}'
api POST /api/holds "$body" "$USER_TOKEN"; h1=$(jf .hold_id)
api POST /api/holds "$body" "$USER_TOKEN"; h2=$(jf .hold_id)
check "two holds on the night" test -n "$h1" -a -n "$h2"
# A lost update: the counter says one room is held while two holds exist.
psql_q "UPDATE room_inventory SET tentative_count = 1 WHERE room_type_id = $RT AND date = '2031-03-10'" >/dev/null
api POST /api/bookings '{"hold_id":'"$h1"'}' "$USER_TOKEN"
expect_eq "the first confirmation still succeeds" "201" "$HTTP_STATUS"
before=$(psql_q "SELECT booked_count || '/' || tentative_count FROM room_inventory WHERE room_type_id = $RT AND date = '2031-03-10'")
api POST /api/bookings '{"hold_id":'"$h2"'}' "$USER_TOKEN"
expect_eq "the second is refused by the CHECK: 409 inventory_conflict" "409 inventory_conflict" "$HTTP_STATUS $(jf .error.code)"
expect_eq "nothing changed on the night" "$before" \
  "$(psql_q "SELECT booked_count || '/' || tentative_count FROM room_inventory WHERE room_type_id = $RT AND date = '2031-03-10'")"
expect_eq "the hold is still there, unbooked" "1 0" \
  "$(psql_q "SELECT count(*) FROM booking_holds WHERE hold_id = $h2") $(psql_q "SELECT count(*) FROM bookings WHERE hold_id = $h2")"
api GET "/api/admin/integrity?room_type_id=$RT" "" "$ADMIN"
check "integrity reports the damage" test "$(jf .violations)" -gt 0
# Leave the shared test database healthy.
psql_q "DELETE FROM booking_holds WHERE hold_id = $h2;
        UPDATE room_inventory SET tentative_count = 0 WHERE room_type_id = $RT AND date = '2031-03-10'" >/dev/null
srv_stop
expect_eq "lastroomd exits 0" 0 "$SRV_RC"
finish
