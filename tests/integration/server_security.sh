#!/usr/bin/env bash
# server_security.sh: object-level authorization and mass assignment over real sockets.
#
# Every route that names a hold or a booking is tried by another user (and by the admin,
# who is a user like any other on these routes) against each state such an object can be
# in: a live hold, an expired hold, a hold already confirmed, a confirmed booking, a
# cancelled booking. Each answer must be 404 with the same body as for an id that does
# not exist (no 200, no 403, no 409 or 410 that would tell the object exists), and the
# database must not change. Then the owner's own calls succeed, which shows the ids were
# right. Idempotency keys are per user. A client cannot set its role or its user id.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/server_common.sh"

# the sweeper is slowed so that an expired hold stays in the table during the test
srv_start --sweep-interval 1h || { nok "lastroomd starts"; finish; exit 1; }
admin_token
new_room 10

stay() { printf '{"room_type_id":%s,"check_in":"2031-03-%02d","check_out":"2031-03-%02d","quantity":1}' "$RT" "$1" "$2"; }

new_user; ALICE=$USER_TOKEN
new_user; BOB=$USER_TOKEN; BOB_ID=$USER_ID
api POST /api/holds "$(stay 1 3)" "$ALICE" -H 'Idempotency-Key: alice-key'
H_LIVE=$(jf .hold_id)
api POST /api/holds "$(stay 3 4)" "$ALICE"; H_CONFIRMED=$(jf .hold_id)
api POST /api/bookings '{"hold_id":'"$H_CONFIRMED"'}' "$ALICE"; B_LIVE=$(jf .booking_id)
api POST /api/holds "$(stay 4 5)" "$ALICE"; H_GONE=$(jf .hold_id)
api POST /api/bookings '{"hold_id":'"$H_GONE"'}' "$ALICE"; B_CANCELLED=$(jf .booking_id)
api POST "/api/bookings/$B_CANCELLED/cancel" "" "$ALICE"
api POST /api/holds "$(stay 5 6)" "$ALICE"; H_EXPIRED=$(jf .hold_id)
psql_q "UPDATE booking_holds SET hold_expiry = now() - interval '1 minute' WHERE hold_id = $H_EXPIRED" >/dev/null
check "Alice has a live hold, an expired hold, a booking and a cancelled booking" \
  test "$H_LIVE" -gt 0 -a "$H_EXPIRED" -gt 0 -a "$B_LIVE" -gt 0 -a "$B_CANCELLED" -gt 0
MISSING=$(( $(psql_q "SELECT greatest((SELECT max(hold_id) FROM booking_holds), (SELECT max(booking_id) FROM bookings))") + 1000000 ))

# snapshot: every row a refused call could have touched
snapshot() {
  psql_q "SELECT (SELECT string_agg(room_type_id || ':' || date || ':' || booked_count || '/' || tentative_count, ',' ORDER BY date)
                    FROM room_inventory WHERE room_type_id = $RT)
          || ' | ' || (SELECT string_agg(hold_id || ':' || user_id || ':' || hold_expiry, ',' ORDER BY hold_id)
                    FROM booking_holds WHERE room_type_id = $RT)
          || ' | ' || (SELECT string_agg(booking_id || ':' || user_id || ':' || status || ':' || coalesce(cancelled_at::text, '-'), ',' ORDER BY booking_id)
                    FROM bookings WHERE room_type_id = $RT)
          || ' | ' || (SELECT count(*) FROM booking_details bd JOIN bookings b USING (booking_id) WHERE b.room_type_id = $RT)"
}
before=$(snapshot)

# refused WHO LABEL CODE METHOD PATH [BODY]: 404 CODE, the same body as for a missing id
refused() {
  local who=$1 label=$2 code=$3 method=$4 path=$5 body=$6 id=$7 missing_body
  api "$method" "${path//\{id\}/$MISSING}" "${body//\{id\}/$MISSING}" "${!who}"
  missing_body=$HTTP_BODY
  api "$method" "${path//\{id\}/$id}" "${body//\{id\}/$id}" "${!who}"
  expect_eq "$who: $label is 404 $code" "404 $code" "$HTTP_STATUS $(jf .error.code)"
  expect_eq "$who: $label answers exactly as for an id that does not exist" "$missing_body" "$HTTP_BODY"
}

for who in BOB ADMIN; do
  refused $who "GET Alice's live hold" hold_not_found GET "/api/holds/{id}" "" "$H_LIVE"
  refused $who "GET Alice's expired hold" hold_not_found GET "/api/holds/{id}" "" "$H_EXPIRED"
  refused $who "DELETE Alice's live hold" hold_not_found DELETE "/api/holds/{id}" "" "$H_LIVE"
  refused $who "DELETE Alice's expired hold" hold_not_found DELETE "/api/holds/{id}" "" "$H_EXPIRED"
  refused $who "POST /api/bookings with Alice's live hold" hold_not_found POST /api/bookings '{"hold_id":{id}}' "$H_LIVE"
  refused $who "POST /api/bookings with Alice's expired hold (not 410)" hold_not_found POST /api/bookings '{"hold_id":{id}}' "$H_EXPIRED"
  refused $who "POST /api/bookings with Alice's confirmed hold (not her booking)" hold_not_found POST /api/bookings '{"hold_id":{id}}' "$H_CONFIRMED"
  refused $who "GET Alice's booking" booking_not_found GET "/api/bookings/{id}" "" "$B_LIVE"
  refused $who "GET Alice's cancelled booking" booking_not_found GET "/api/bookings/{id}" "" "$B_CANCELLED"
  refused $who "cancel Alice's booking" booking_not_found POST "/api/bookings/{id}/cancel" "" "$B_LIVE"
  refused $who "cancel Alice's cancelled booking (not 409)" booking_not_found POST "/api/bookings/{id}/cancel" "" "$B_CANCELLED"
  api GET /api/bookings "" "${!who}"
  expect_eq "$who: GET /api/bookings lists none of Alice's bookings" "200 0" \
    "$HTTP_STATUS $(jf "[.bookings[] | select(.booking_id == $B_LIVE or .booking_id == $B_CANCELLED)] | length")"
done
api POST /api/bookings '{"hold_id":'"$H_LIVE"'}' "$BOB" -H 'Idempotency-Key: bob-key'
expect_eq "BOB: confirming Alice's hold under an Idempotency-Key is 404 too" "404 hold_not_found" "$HTTP_STATUS $(jf .error.code)"
expect_eq "none of those calls changed a hold, a booking or a counter" "$before" "$(snapshot)"

# Alice's own calls succeed: the ids were right
api GET "/api/holds/$H_LIVE" "" "$ALICE"
expect_eq "ALICE: GET her live hold is 200" "200 $H_LIVE" "$HTTP_STATUS $(jf .hold_id)"
api GET "/api/bookings/$B_LIVE" "" "$ALICE"
expect_eq "ALICE: GET her booking is 200 Confirmed" "200 Confirmed" "$HTTP_STATUS $(jf .status)"
api GET "/api/bookings/$B_CANCELLED" "" "$ALICE"
expect_eq "ALICE: GET her cancelled booking is 200 Cancelled" "200 Cancelled" "$HTTP_STATUS $(jf .status)"
api POST /api/bookings '{"hold_id":'"$H_CONFIRMED"'}' "$ALICE"
expect_eq "ALICE: her confirmed hold again is 200, her booking" "200 $B_LIVE" "$HTTP_STATUS $(jf .booking_id)"
api POST /api/bookings '{"hold_id":'"$H_EXPIRED"'}' "$ALICE"
expect_eq "ALICE: her expired hold is 410 hold_expired" "410 hold_expired" "$HTTP_STATUS $(jf .error.code)"
api POST "/api/bookings/$B_CANCELLED/cancel" "" "$ALICE"
expect_eq "ALICE: her cancelled booking again is 409 already_cancelled" "409 already_cancelled" "$HTTP_STATUS $(jf .error.code)"

# idempotency keys are scoped to the user: Bob's replay of Alice's key and body is his own hold
api POST /api/holds "$(stay 1 3)" "$BOB" -H 'Idempotency-Key: alice-key'
expect_eq "BOB: Alice's Idempotency-Key and body make a new hold of his, not hers" "201 yes" \
  "$HTTP_STATUS $( [ "$(jf .hold_id)" != "$H_LIVE" ] && echo yes)"
BOB_HOLD=$(jf .hold_id)
expect_eq "that hold is Bob's in the database" "$BOB_ID" "$(psql_q "SELECT user_id FROM booking_holds WHERE hold_id = $BOB_HOLD")"
api GET "/api/holds/$BOB_HOLD" "" "$BOB"
expect_eq "BOB: GET his new hold is 200" 200 "$HTTP_STATUS"
api DELETE "/api/holds/$H_LIVE" "" "$ALICE"
expect_eq "ALICE: releasing her live hold is 200" "200 released" "$HTTP_STATUS $(jf .status)"
api DELETE "/api/holds/$H_EXPIRED" "" "$ALICE"
expect_eq "ALICE: releasing her expired hold is 200" "200 released" "$HTTP_STATUS $(jf .status)"
api DELETE "/api/holds/$BOB_HOLD" "" "$BOB"

# mass assignment: register and login ignore role, user_id, is_admin and the like
hotels_before=$(psql_q "SELECT count(*) FROM hotels")
email="mass-$$@example.com"
api POST /api/auth/register '{"email":"'$email'","password":"password-mass","full_name":"M",
  "role":"admin","user_id":1,"is_admin":true,"admin":true,"password_hash":"x","created_at":"2000-01-01"}'
MASS_ID=$(jf .user_id)
expect_eq "register with role admin, user_id 1, is_admin... is 201" 201 "$HTTP_STATUS"
check "the user id was not the one asked for" test "$MASS_ID" != 1
expect_eq "the stored user is a guest with an argon2id hash" "guest \$argon2id\$ $MASS_ID" \
  "$(psql_q "SELECT role || ' ' || left(password_hash, 10) || ' ' || user_id FROM users WHERE email = '$email'")"
api POST /api/auth/login '{"email":"'$email'","password":"password-mass","role":"admin","is_admin":true}'
MASS=$(jf .token)
expect_eq "login with role admin in the body answers role guest" "200 guest $MASS_ID" "$HTTP_STATUS $(jf .user.role) $(jf .user.user_id)"
expect_eq "the token says guest and the user's id" "$MASS_ID guest" "$(cut -d. -f1,2 <<<"$MASS" | tr . ' ')"
for route in "POST /api/admin/hotels {\"name\":\"X\",\"city\":\"Y\",\"role\":\"admin\"}" \
             "POST /api/admin/room-types {\"hotel_id\":$HOTEL,\"name\":\"X\",\"capacity\":1}" \
             "PUT /api/admin/inventory {\"room_type_id\":$RT,\"from\":\"2031-03-01\",\"to\":\"2031-03-02\",\"allotment\":0}" \
             "GET /api/admin/inventory?room_type_id=$RT&from=2031-03-01&to=2031-03-02" \
             "GET /api/admin/integrity"; do
  read -r m p b <<<"$route"
  api "$m" "$p" "${b:-}" "$MASS"
  expect_eq "that guest gets 403 forbidden on $m ${p%%\?*}" "403 forbidden" "$HTTP_STATUS $(jf .error.code)"
done
expect_eq "no hotel was created" "$hotels_before" "$(psql_q "SELECT count(*) FROM hotels")"
expect_eq "the allotment was not changed" 10 \
  "$(psql_q "SELECT allotment FROM room_inventory WHERE room_type_id = $RT AND date = '2031-03-01'")"

srv_stop
expect_eq "lastroomd exits 0" 0 "$SRV_RC"
finish
