#!/usr/bin/env bash
# server_input.sh: bad input gets a precise answer (status and error code naming the
# field) and changes nothing in the database; the server stays up throughout.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/server_common.sh"

srv_start || { nok "lastroomd starts"; finish; exit 1; }
admin_token
new_room 1
new_user; T=$USER_TOKEN
before=$(room_state)
users_before=$(psql_q "SELECT count(*) FROM users")

# refuse DESCRIPTION STATUS CODE METHOD PATH [BODY] [CURL ARGS...]: the answer is
# STATUS with error code CODE.
refuse() {
  local d=$1 st=$2 code=$3; shift 3
  api "$1" "$2" "${3:-}" "$T" "${@:4}"
  expect_eq "$d: $st $code" "$st $code" "$HTTP_STATUS $(jf .error.code)"
}
hold() { echo '{"room_type_id":'"${1}"',"check_in":"'"$2"'","check_out":"'"$3"'","quantity":'"$4"'}'; }

refuse "malformed JSON" 400 invalid_json POST /api/holds '{"room_type_id":'
refuse "a JSON array" 400 invalid_json POST /api/holds '[1,2]'
refuse "an empty body" 400 invalid_json POST /api/holds ''
refuse "duplicate keys" 400 invalid_json POST /api/holds '{"quantity":1,"quantity":2}'
refuse "nesting deeper than 16" 400 invalid_json POST /api/holds \
  "$(printf '{"a":%.0s' $(seq 20))1$(printf '}%.0s' $(seq 20))"
refuse "missing room_type_id" 400 missing_room_type_id POST /api/holds '{"check_in":"2031-03-01","check_out":"2031-03-02","quantity":1}'
refuse "room_type_id as a string" 400 invalid_room_type_id POST /api/holds "$(hold '"1"' 2031-03-01 2031-03-02 1)"
refuse "room_type_id negative" 400 invalid_room_type_id POST /api/holds "$(hold -4 2031-03-01 2031-03-02 1)"
refuse "room_type_id a float" 400 invalid_room_type_id POST /api/holds "$(hold 1.5 2031-03-01 2031-03-02 1)"
refuse "missing check_in" 400 missing_check_in POST /api/holds '{"room_type_id":'"$RT"',"check_out":"2031-03-02","quantity":1}'
refuse "check_in not a date" 400 invalid_check_in POST /api/holds "$(hold "$RT" 2031-02-30 2031-03-02 1)"
refuse "check_in badly formed" 400 invalid_check_in POST /api/holds "$(hold "$RT" 2031-3-1 2031-03-02 1)"
refuse "check_in out of range" 400 invalid_check_in POST /api/holds "$(hold "$RT" 1999-12-31 2031-03-02 1)"
refuse "check_out as a number" 400 invalid_check_out POST /api/holds '{"room_type_id":'"$RT"',"check_in":"2031-03-01","check_out":20310302,"quantity":1}'
refuse "check_out equal to check_in" 400 invalid_check_out POST /api/holds "$(hold "$RT" 2031-03-02 2031-03-02 1)"
refuse "check_out before check_in" 400 invalid_check_out POST /api/holds "$(hold "$RT" 2031-03-05 2031-03-02 1)"
refuse "a stay of 31 nights" 400 invalid_check_out POST /api/holds "$(hold "$RT" 2031-03-01 2031-04-01 1)"
refuse "missing quantity" 400 missing_quantity POST /api/holds '{"room_type_id":'"$RT"',"check_in":"2031-03-01","check_out":"2031-03-02"}'
refuse "quantity 0" 400 invalid_quantity POST /api/holds "$(hold "$RT" 2031-03-01 2031-03-02 0)"
refuse "quantity 11" 400 invalid_quantity POST /api/holds "$(hold "$RT" 2031-03-01 2031-03-02 11)"
refuse "quantity true" 400 invalid_quantity POST /api/holds "$(hold "$RT" 2031-03-01 2031-03-02 true)"
refuse "unknown room type" 404 room_type_not_found POST /api/holds "$(hold 987654321 2031-03-01 2031-03-02 1)"
refuse "nights without inventory" 404 no_inventory POST /api/holds "$(hold "$RT" 2031-03-30 2031-04-02 1)"
refuse "a bad Idempotency-Key" 400 invalid_idempotency_key POST /api/holds "$(hold "$RT" 2031-03-01 2031-03-02 1)" \
  -H "Idempotency-Key: $(head -c 300 /dev/zero | tr '\0' k)"
refuse "confirm without hold_id" 400 missing_hold_id POST /api/bookings '{}'
refuse "confirm an unknown hold" 404 hold_not_found POST /api/bookings '{"hold_id":99999999}'
refuse "an unknown hold" 404 hold_not_found GET /api/holds/99999999
refuse "an unknown booking" 404 booking_not_found GET /api/bookings/99999999
refuse "cancel an unknown booking" 404 booking_not_found POST /api/bookings/99999999/cancel
refuse "a non-numeric id" 404 not_found GET /api/holds/abc
refuse "an unknown route" 404 not_found GET /api/nothing-here
refuse "a wrong method" 405 method_not_allowed PUT /api/holds
check "405 carries Allow" bash -c "curl -s -i -X PATCH '$SRV_URL/api/holds/1' | grep -qi '^Allow: GET, DELETE'"
refuse "availability without room_type_id or hotel_id" 400 missing_room_type_id GET "/api/availability?check_in=2031-03-01&check_out=2031-03-02"
refuse "availability with a bad date" 400 invalid_check_in GET "/api/availability?room_type_id=$RT&check_in=tomorrow&check_out=2031-03-02"
refuse "availability of an unknown room type" 404 room_type_not_found GET "/api/availability?room_type_id=987654321&check_in=2031-03-01&check_out=2031-03-02"
refuse "availability with a leading zero in the id (as in a path)" 400 invalid_room_type_id GET "/api/availability?room_type_id=0$RT&check_in=2031-03-01&check_out=2031-03-02"
refuse "room types of an unknown hotel" 404 hotel_not_found GET /api/hotels/987654321/room-types

big=$(head -c 70000 /dev/zero | tr '\0' ' ')
api POST /api/holds "{\"room_type_id\":$RT,\"pad\":\"$big\"}" "$T"
expect_eq "a body over 64 KiB is 413 payload_too_large" "413 payload_too_large" "$HTTP_STATUS $(jf .error.code)"
out=$(head -c 70000 /dev/zero | tr '\0' ' ' | curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $T" \
      -H 'Transfer-Encoding: chunked' --data-binary @- "$SRV_URL/api/holds")
expect_eq "a chunked body over 64 KiB is 413 too" 413 "$out"
hdrs=(); for i in $(seq 80); do hdrs+=(-H "X-Filler-$i: $i"); done
out=$(curl -s -o /dev/null -w '%{http_code}' "${hdrs[@]}" "$SRV_URL/health/live")
expect_eq "80 header fields are 431" 431 "$out"
out=$(curl -s -o /dev/null -w '%{http_code}' -H "X-Big: $(head -c 40000 /dev/zero | tr '\0' x)" "$SRV_URL/health/live")
check "a 40 KB header is refused (4xx, got $out)" test "${out:0:1}" = 4

# tokens
api POST /api/holds "$(hold "$RT" 2031-03-01 2031-03-02 1)"
expect_eq "no token is 401 unauthorized" "401 unauthorized" "$HTTP_STATUS $(jf .error.code)"
api POST /api/holds "$(hold "$RT" 2031-03-01 2031-03-02 1)" "${T%?}x"
expect_eq "a forged signature is 401" "401 unauthorized" "$HTTP_STATUS $(jf .error.code)"
forged=${T/.guest./.admin.}
api GET /api/admin/integrity "" "$forged"
expect_eq "a guest token edited to say admin is 401" "401 unauthorized" "$HTTP_STATUS $(jf .error.code)"
api GET /api/bookings "" "" -H "Authorization: Basic dXNlcjpwYXNz"
expect_eq "a Basic header is 401" "401 unauthorized" "$HTTP_STATUS $(jf .error.code)"

# registration and login input
reg() { api POST /api/auth/register "$1"; expect_eq "register $2" "400 $3" "$HTTP_STATUS $(jf .error.code)"; }
reg '{"password":"longenough"}' "without email" missing_email
reg '{"email":"no-at-sign","password":"longenough"}' "with a bad email" invalid_email
reg '{"email":"a b@example.com","password":"longenough"}' "with a space in the email" invalid_email
reg '{"email":"x@example.com","password":"short"}' "with a 5-byte password" invalid_password
reg "{\"email\":\"x@example.com\",\"password\":\"$(head -c 129 /dev/zero | tr '\0' p)\"}" "with a 129-byte password" invalid_password
reg '{"email":"x@example.com"}' "without password" missing_password
reg '{"email":"x@example.com","password":"longenough","full_name":7}' "with a numeric full_name" invalid_full_name
api POST /api/auth/register '{"email":"role-'$$'@example.com","password":"longenough","role":"admin"}'
api POST /api/auth/login '{"email":"role-'$$'@example.com","password":"longenough"}'
expect_eq "a client cannot set its own role (unknown fields ignored)" "200 guest" "$HTTP_STATUS $(jf .user.role)"
api POST /api/auth/login '{"email":"x@example.com"}'
expect_eq "login without password is 400 missing_password" "400 missing_password" "$HTTP_STATUS $(jf .error.code)"

# admin input
adm() { api "$1" "$2" "$3" "$ADMIN"; expect_eq "admin $4" "$5 $6" "$HTTP_STATUS $(jf .error.code)"; }
adm POST /api/admin/hotels '{"city":"x"}' "hotel without name" 400 missing_name
adm POST /api/admin/hotels '{"name":""}' "hotel with an empty name" 400 invalid_name
adm POST /api/admin/room-types '{"hotel_id":987654321,"name":"x"}' "room type of an unknown hotel" 404 hotel_not_found
adm POST /api/admin/room-types '{"hotel_id":'"$HOTEL"',"name":"x","capacity":0}' "room type with capacity 0" 400 invalid_capacity
adm PUT /api/admin/inventory '{"room_type_id":987654321,"from":"2031-03-01","to":"2031-03-02","allotment":1}' "inventory of an unknown room type" 404 room_type_not_found
adm PUT /api/admin/inventory '{"room_type_id":'"$RT"',"from":"2031-03-05","to":"2031-03-02","allotment":1}' "inventory with to before from" 400 invalid_to
adm PUT /api/admin/inventory '{"room_type_id":'"$RT"',"from":"2031-03-01","to":"2031-03-02","allotment":-1}' "inventory with a negative allotment" 400 invalid_allotment
adm GET "/api/admin/inventory?room_type_id=$RT&from=2031-03-01" "" "inventory without to" 400 missing_to

expect_eq "none of the refused requests changed the room" "$before" "$(room_state)"
expect_eq "none of the refused registrations made a user" "$((users_before + 1))" "$(psql_q "SELECT count(*) FROM users")"
api GET "/api/admin/inventory?room_type_id=$RT&from=2031-03-01&to=2031-03-31" "" "$ADMIN"
expect_eq "the allotment is still 1 on every night" "1" "$(jf '[.inventory[].allotment] | unique | join(",")')"
api GET /health/live
expect_eq "the server is still up" 200 "$HTTP_STATUS"
srv_stop
expect_eq "and exits 0 on SIGTERM" 0 "$SRV_RC"
finish
