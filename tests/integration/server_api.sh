#!/usr/bin/env bash
# server_api.sh: every endpoint's success path against a real lastroomd and PostgreSQL,
# plus the ownership rules (another user's hold or booking is 404, guests get 403 on
# admin routes) and idempotent replays.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/server_common.sh"

srv_start || { nok "lastroomd starts"; finish; exit 1; }
ok "lastroomd starts"

api GET /health
expect_eq "GET /health is 200" "200 ok ok" "$HTTP_STATUS $(jf .status) $(jf .db)"
api GET /health/live
expect_eq "GET /health/live is 200" "200 ok" "$HTTP_STATUS $(jf .status)"

admin_token
expect_eq "admin logs in with role admin" "200 admin" "$HTTP_STATUS $(jf .user.role)"
check "login answers a token and expires_in" test -n "$ADMIN" -a "$(jf .expires_in)" -gt 0

new_room 2
expect_eq "PUT /api/admin/inventory is 200 with 30 nights" "200 30 2" "$HTTP_STATUS $(jf .nights) $(jf .allotment)"
check "hotel and room type were created" test "$HOTEL" -gt 0 -a "$RT" -gt 0

api GET /api/hotels
expect_eq "GET /api/hotels lists the new hotel" "200 Testville" \
  "$HTTP_STATUS $(jf ".hotels[] | select(.hotel_id == $HOTEL) | .city")"
api GET "/api/hotels/$HOTEL/room-types"
expect_eq "GET /api/hotels/{id}/room-types lists the room type" "200 $RT Standard 2" \
  "$HTTP_STATUS $(jf '.room_types[0].room_type_id') $(jf '.room_types[0].name') $(jf '.room_types[0].capacity')"

api POST /api/auth/register '{"email":"Mixed.Case-'$$'@Example.com","password":"longenough","full_name":"M"}'
expect_eq "register is 201 with a user_id" "201 yes" "$HTTP_STATUS $( [ "$(jf .user_id)" -gt 0 ] && echo yes)"
api POST /api/auth/register '{"email":"mixed.case-'$$'@example.com","password":"longenough","full_name":"M"}'
expect_eq "the same email in other case is 409 email_taken" "409 email_taken" "$HTTP_STATUS $(jf .error.code)"
api POST /api/auth/login '{"email":"mixed.case-'$$'@example.com","password":"wrong-password"}'
expect_eq "a wrong password is 401 invalid_credentials" "401 invalid_credentials" "$HTTP_STATUS $(jf .error.code)"
api POST /api/auth/login '{"email":"nobody-'$$'@example.com","password":"whatever123"}'
expect_eq "an unknown email is 401 invalid_credentials" "401 invalid_credentials" "$HTTP_STATUS $(jf .error.code)"

# failed logins: 10 per email and minute, then 429 even with the right password
rl_email="limited-$$@example.com"
api POST /api/auth/register '{"email":"'"$rl_email"'","password":"right-password"}'
codes=""
for _ in $(seq 10); do api POST /api/auth/login '{"email":"'"$rl_email"'","password":"wrong-password"}'; codes="$codes$HTTP_STATUS "; done
expect_eq "ten wrong passwords are ten 401" "$(printf '401 %.0s' $(seq 10))" "$codes"
api POST /api/auth/login '{"email":"'"$rl_email"'","password":"right-password"}' "" -i
expect_eq "the eleventh login is 429 rate_limited" "429" "$HTTP_STATUS"
check "with Retry-After: the seconds left of the minute (1..60)" \
  grep -qiE '^Retry-After: ([1-9]|[1-5][0-9]|60)'$'\r''?$' <<<"$HTTP_BODY"
api POST /api/auth/login "{\"email\":\"$SRV_ADMIN_EMAIL\",\"password\":\"$SRV_ADMIN_PASSWORD\"}"
expect_eq "another email is not limited" 200 "$HTTP_STATUS"

new_user; ALICE=$USER_TOKEN
expect_eq "a new user logs in as guest" "200 guest" "$HTTP_STATUS $(jf .user.role)"
new_user; BOB=$USER_TOKEN

api GET "/api/availability?room_type_id=$RT&check_in=2031-03-01&check_out=2031-03-04"
expect_eq "availability: 3 nights, 2 free each" "200 3 2 2" \
  "$HTTP_STATUS $(jf '.room_types[0].nights | length') $(jf '.room_types[0].min_available') $(jf '.room_types[0].nights[0].allotment')"
api GET "/api/availability?hotel_id=$HOTEL&check_in=2031-03-01&check_out=2031-03-02"
expect_eq "availability by hotel_id lists its room type" "200 $RT" "$HTTP_STATUS $(jf '.room_types[0].room_type_id')"

hold_body='{"room_type_id":'"$RT"',"check_in":"2031-03-01","check_out":"2031-03-04","quantity":1,"role":"admin"}'
api POST /api/holds "$hold_body" "$ALICE"
HOLD=$(jf .hold_id)
expect_eq "POST /api/holds is 201 with the stay" "201 $RT 2031-03-01 2031-03-04 1" \
  "$HTTP_STATUS $(jf .room_type_id) $(jf .check_in) $(jf .check_out) $(jf .quantity)"
check "the hold has an expires_at in the future" test "$(jf .expires_at)" \> "$(date -u +%Y-%m-%dT%H:%M:%S)"
expect_eq "the hold took one room on each of its 3 nights" "0/3 holds=1 bookings=0 cancelled=0" "$(room_state)"

api GET "/api/holds/$HOLD" "" "$ALICE"
expect_eq "GET /api/holds/{id} shows the owner's hold" "200 $HOLD" "$HTTP_STATUS $(jf .hold_id)"
api GET "/api/holds/$HOLD" "" "$BOB"
expect_eq "another user's hold is 404 hold_not_found" "404 hold_not_found" "$HTTP_STATUS $(jf .error.code)"
api DELETE "/api/holds/$HOLD" "" "$BOB"
expect_eq "another user cannot release it (404)" "404 hold_not_found" "$HTTP_STATUS $(jf .error.code)"
api POST /api/bookings '{"hold_id":'"$HOLD"'}' "$BOB"
expect_eq "another user cannot confirm it (404)" "404 hold_not_found" "$HTTP_STATUS $(jf .error.code)"
expect_eq "nothing changed for those refusals" "0/3 holds=1 bookings=0 cancelled=0" "$(room_state)"

api POST /api/bookings '{"hold_id":'"$HOLD"'}' "$ALICE"
BOOKING=$(jf .booking_id)
expect_eq "POST /api/bookings is 201 Confirmed" "201 Confirmed $HOLD $RT 1" \
  "$HTTP_STATUS $(jf .status) $(jf .hold_id) $(jf .room_type_id) $(jf .quantity)"
api POST /api/bookings '{"hold_id":'"$HOLD"'}' "$ALICE"
expect_eq "confirming the same hold again is 200 and the same booking" "200 $BOOKING Confirmed" \
  "$HTTP_STATUS $(jf .booking_id) $(jf .status)"
expect_eq "the booking moved the rooms from tentative to booked" "3/0 holds=0 bookings=1 cancelled=0" "$(room_state)"

api GET /api/bookings "" "$ALICE"
expect_eq "GET /api/bookings lists the caller's booking" "200 $BOOKING 1" "$HTTP_STATUS $(jf '.bookings[0].booking_id') $(jf '.bookings | length')"
api GET /api/bookings "" "$BOB"
expect_eq "another user's list is empty" "200 0" "$HTTP_STATUS $(jf '.bookings | length')"
api GET "/api/bookings/$BOOKING" "" "$ALICE"
expect_eq "GET /api/bookings/{id} shows it" "200 $BOOKING" "$HTTP_STATUS $(jf .booking_id)"
api GET "/api/bookings/$BOOKING" "" "$BOB"
expect_eq "another user's booking is 404 booking_not_found" "404 booking_not_found" "$HTTP_STATUS $(jf .error.code)"
api POST "/api/bookings/$BOOKING/cancel" "" "$BOB"
expect_eq "another user cannot cancel it (404)" "404 booking_not_found" "$HTTP_STATUS $(jf .error.code)"

api POST "/api/bookings/$BOOKING/cancel" "" "$ALICE"
expect_eq "cancel is 200 with status Cancelled" "200 Cancelled $BOOKING" "$HTTP_STATUS $(jf .status) $(jf .booking_id)"
api POST "/api/bookings/$BOOKING/cancel" "" "$ALICE"
expect_eq "cancelling again is 409 already_cancelled" "409 already_cancelled" "$HTTP_STATUS $(jf .error.code)"
expect_eq "the cancellation gave the rooms back" "0/0 holds=0 bookings=1 cancelled=1" "$(room_state)"

api POST /api/holds "$hold_body" "$ALICE"
HOLD2=$(jf .hold_id)
api DELETE "/api/holds/$HOLD2" "" "$ALICE"
expect_eq "DELETE /api/holds/{id} is 200 released" "200 $HOLD2 released" "$HTTP_STATUS $(jf .hold_id) $(jf .status)"
api DELETE "/api/holds/$HOLD2" "" "$ALICE"
expect_eq "releasing it again is 404" "404 hold_not_found" "$HTTP_STATUS $(jf .error.code)"
expect_eq "the release gave the rooms back" "0/0 holds=0 bookings=1 cancelled=1" "$(room_state)"

# Idempotency-Key: the replay answers the first answer and does nothing more.
api POST /api/holds "$hold_body" "$ALICE" -H "Idempotency-Key: k-$$-1"
first="$HTTP_STATUS $HTTP_BODY"; IHOLD=$(jf .hold_id)
api POST /api/holds '{"check_out":"2031-03-04","room_type_id":'"$RT"',"quantity":1,"check_in":"2031-03-01"}' "$ALICE" -H "Idempotency-Key: k-$$-1"
expect_eq "a replayed hold (same key, same fields) gets the first answer" "$first" "$HTTP_STATUS $HTTP_BODY"
expect_eq "and only one hold exists" "0/3 holds=1 bookings=1 cancelled=1" "$(room_state)"
api POST /api/holds '{"room_type_id":'"$RT"',"check_in":"2031-03-01","check_out":"2031-03-04","quantity":2}' "$ALICE" -H "Idempotency-Key: k-$$-1"
expect_eq "the same key with another body is 422 idempotency_key_reused" "422 idempotency_key_reused" "$HTTP_STATUS $(jf .error.code)"
expect_eq "and changes nothing" "0/3 holds=1 bookings=1 cancelled=1" "$(room_state)"
api POST /api/holds "$hold_body" "$BOB" -H "Idempotency-Key: k-$$-1"
check "the same key from another user is a new request (201, another hold)" \
  test "$HTTP_STATUS" = 201 -a "$(jf .hold_id)" != "$IHOLD"
api DELETE "/api/holds/$(jf .hold_id)" "" "$BOB"
api POST /api/bookings '{"hold_id":'"$IHOLD"'}' "$ALICE" -H "Idempotency-Key: b-$$-1"
first="$HTTP_STATUS $HTTP_BODY"
api POST /api/bookings '{"hold_id":'"$IHOLD"'}' "$ALICE" -H "Idempotency-Key: b-$$-1"
expect_eq "a replayed confirmation gets the first answer (201 and body)" "$first" "$HTTP_STATUS $HTTP_BODY"
api POST /api/bookings '{"hold_id":'"$HOLD"'}' "$ALICE" -H "Idempotency-Key: b-$$-1"
expect_eq "the booking key with another hold is 422" "422 idempotency_key_reused" "$HTTP_STATUS $(jf .error.code)"
expect_eq "one booking more, nothing else" "3/0 holds=0 bookings=2 cancelled=1" "$(room_state)"

# Admin routes: 401 without a token, 403 for a guest, 200 for the admin.
api GET /api/admin/integrity
expect_eq "admin route without token is 401 unauthorized" "401 unauthorized" "$HTTP_STATUS $(jf .error.code)"
for route in "GET /api/admin/integrity" "POST /api/admin/hotels" "POST /api/admin/room-types" \
             "PUT /api/admin/inventory" "GET /api/admin/inventory?room_type_id=$RT&from=2031-03-01&to=2031-03-02"; do
  api "${route%% *}" "${route#* }" '{"name":"x","hotel_id":1,"room_type_id":1}' "$ALICE"
  expect_eq "$route with a guest token is 403 forbidden" "403 forbidden" "$HTTP_STATUS $(jf .error.code)"
done
expect_eq "the guest's admin calls changed nothing" "3/0 holds=0 bookings=2 cancelled=1" "$(room_state)"

api GET "/api/admin/inventory?room_type_id=$RT&from=2031-03-01&to=2031-03-03" "" "$ADMIN"
expect_eq "GET /api/admin/inventory shows the nights" "200 2 2031-03-01 2 1 0" \
  "$HTTP_STATUS $(jf '.inventory | length') $(jf '.inventory[0].date') $(jf '.inventory[0].allotment') $(jf '.inventory[0].booked_count') $(jf '.inventory[0].tentative_count')"
api PUT /api/admin/inventory '{"room_type_id":'"$RT"',"from":"2031-03-01","to":"2031-03-05","allotment":0}' "$ADMIN"
expect_eq "an allotment below the booked rooms is 409 below_committed naming the night" \
  "409 below_committed yes" "$HTTP_STATUS $(jf .error.code) $(jf .error.message | grep -q 2031-03-01 && echo yes)"
api GET "/api/admin/integrity" "" "$ADMIN"
expect_eq "GET /api/admin/integrity answers the six checks" "200 6" "$HTTP_STATUS $(jf '.checks | length')"
api GET "/api/admin/integrity?room_type_id=$RT" "" "$ADMIN"
expect_eq "integrity of this room type: all zero" "200 true 0" "$HTTP_STATUS $(jf .ok) $(jf .violations)"

api GET /metrics
check "GET /metrics is Prometheus text with request counts" \
  grep -q '^lastroom_http_requests_total{route="POST /api/holds",status="201"}' <<<"$HTTP_BODY"
for m in lastroom_holds_created_total lastroom_bookings_confirmed_total lastroom_bookings_cancelled_total \
         lastroom_sold_out_total lastroom_holds_expired_total 'lastroom_pool_in_use{pool="db"}' \
         'lastroom_pool_waiting{pool="db"}' 'lastroom_pool_timeouts_total{pool="db"}' \
         lastroom_http_request_duration_seconds_bucket; do
  check "metrics has $m" grep -qF "$m" <<<"$HTTP_BODY"
done
check "the log has one line per request without tokens or passwords" \
  bash -c "grep -q 'POST /api/holds 201' '$SRV_LOG' && ! grep -qE 'password-|$ALICE' '$SRV_LOG'"

srv_stop
expect_eq "SIGTERM: lastroomd exits 0" 0 "$SRV_RC"
finish
