#!/usr/bin/env bash
# hostile_json.sh: hostile request bodies, query strings and headers against a real
# lastroomd: deep nesting, huge numbers, invalid UTF-8, NULs, duplicate keys, wrong
# types, impossible dates, oversized fields, and SQL injection strings in every field,
# query argument and header that reaches the database. Each case asserts its status
# and error code from docs/contract.md. Strings that are valid input (an injection
# string is a fine hotel name) must be stored and given back verbatim. Afterwards the
# server still serves, its memory stayed bounded, and the database holds exactly the
# rows this test created on purpose.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/server_common.sh"
source "$(dirname "$0")/hostile_lib.sh"

hostile_start || { nok "lastroomd starts"; finish; exit 1; }
ok "lastroomd starts"
admin_token
new_user
new_room 5
[ -n "$ADMIN" ] && [ -n "$USER_TOKEN" ] && [ -n "$RT" ] || { nok "setup: admin, user and room"; finish; exit 1; }
before=$(db_snapshot)
HOLD='"room_type_id":'$RT',"check_in":"2031-03-02","check_out":"2031-03-04","quantity":1'

# refuse DESC STATUS CODE METHOD PATH BODY [TOKEN] [CURL ARGS]
refuse() {
  local d=$1 st=$2 code=$3; shift 3
  api "$@"
  expect_eq "$d" "$st $code" "$HTTP_STATUS $(jf .error.code)"
}
py() { python3 -c "import sys; sys.stdout.write($1)"; }

# nesting and size
refuse "60000 open brackets are 413 payload_too_large (login's cap is 4 KiB)" 413 payload_too_large \
  POST /api/auth/login "$(py '"[" * 60000')"
refuse "4000 open brackets are 400 invalid_json" 400 invalid_json POST /api/auth/login "$(py '"[" * 4000')"
refuse "an object 16 levels deep is parsed (400 invalid_email)" 400 invalid_email \
  POST /api/auth/login "$(py '"{\"email\":" + "[" * 15 + "]" * 15 + "}"')"
refuse "an object 17 levels deep is 400 invalid_json" 400 invalid_json \
  POST /api/auth/login "$(py '"{\"email\":" + "[" * 16 + "]" * 16 + "}"')"
refuse "60 unknown keys and no email: 400 missing_email" 400 missing_email \
  POST /api/auth/login "$(py '"{" + ",".join("\"k%d\":%d" % (i, i) for i in range(60)) + "}"')"
refuse "an object of 63 members (64 values) is parsed: 400 missing_email" 400 missing_email \
  POST /api/auth/login "$(py '"{" + ",".join("\"k%d\":%d" % (i, i) for i in range(63)) + "}"')"
refuse "an object of 64 members (65 values) is 400 invalid_json" 400 invalid_json \
  POST /api/auth/login "$(py '"{" + ",".join("\"k%d\":%d" % (i, i) for i in range(64)) + "}"')"
refuse "an array of 50 numbers as email: 400 invalid_email" 400 invalid_email \
  POST /api/auth/login "$(py '"{\"email\":[" + ",".join("0" * 50) + "]}"')"
refuse "an array of 2000 numbers as email: 400 invalid_json (values cap)" 400 invalid_json \
  POST /api/auth/login "$(py '"{\"email\":[" + ",".join("0" * 2000) + "]}"')"
refuse "a 3 KB string of escapes as full_name: 400 invalid_full_name" 400 invalid_full_name \
  POST /api/auth/register "$(py '"{\"email\":\"long@example.com\",\"password\":\"password1\",\"full_name\":\"" + "\\u00e9" * 500 + "\"}"')"
refuse "a 300-byte email is 400 invalid_email" 400 invalid_email \
  POST /api/auth/register "$(py '"{\"email\":\"" + "a" * 290 + "@example.com\",\"password\":\"password1\"}"')"
refuse "a 129-byte password is 400 invalid_password" 400 invalid_password \
  POST /api/auth/register "$(py '"{\"email\":\"pw@example.com\",\"password\":\"" + "p" * 129 + "\"}"')"
refuse "a 10000-byte hotel name is 400 invalid_name" 400 invalid_name \
  POST /api/admin/hotels "$(py '"{\"name\":\"" + "h" * 10000 + "\"}"')" "$ADMIN"

# malformed JSON
refuse "an empty body is 400 invalid_json" 400 invalid_json POST /api/holds "" "$USER_TOKEN" -H 'Content-Type: application/json'
refuse "a JSON array is 400 invalid_json" 400 invalid_json POST /api/holds "[{$HOLD}]" "$USER_TOKEN"
refuse "trailing bytes after the object are 400 invalid_json" 400 invalid_json POST /api/holds "{$HOLD}x" "$USER_TOKEN"
refuse "duplicate keys are 400 invalid_json" 400 invalid_json POST /api/holds "{$HOLD,\"quantity\":2}" "$USER_TOKEN"
refuse "invalid UTF-8 in a string is 400 invalid_json" 400 invalid_json POST /api/auth/login $'{"email":"\xff\xfe@b.co","password":"password1"}'
refuse "overlong UTF-8 is 400 invalid_json" 400 invalid_json POST /api/auth/login $'{"email":"\xc0\xaf@b.co","password":"password1"}'
refuse "a lone surrogate escape is 400 invalid_json" 400 invalid_json POST /api/auth/login '{"email":"\ud800@b.co","password":"password1"}'
refuse "an escaped NUL is 400 invalid_json" 400 invalid_json POST /api/auth/login '{"email":"a\u0000@b.co","password":"password1"}'
expect_raw "a raw NUL byte inside a string is 400 invalid_json" "400 invalid_json -" \
  '(lambda b: b"POST /api/auth/login HTTP/1.1\r\nHost: t\r\nContent-Length: %d\r\n\r\n" % len(b) + b)(b"{\"email\":\"a\x00@b.co\",\"password\":\"password1\"}")'
refuse "a UTF-8 byte order mark is 400 invalid_json" 400 invalid_json POST /api/auth/login $'\xef\xbb\xbf{}'

# hold_refused DESC STATUS CODE FIELD RAW: a hold body whose FIELD is the raw JSON text RAW
hold_refused() {
  local body="{\"room_type_id\":$RT,\"check_in\":\"2031-03-02\",\"check_out\":\"2031-03-04\",\"quantity\":1}"
  body=$(sed -E "s/\"$4\":(\"[^\"]*\"|[0-9]+)/\"$4\":$(sed 's/[&/\\]/\\&/g' <<<"$5")/" <<<"$body")
  refuse "$1" "$2" "$3" POST /api/holds "$body" "$USER_TOKEN"
}
# inventory_refused DESC CODE ALLOTMENT_RAW
inventory_refused() {
  refuse "$1" 400 "$2" PUT /api/admin/inventory "{\"room_type_id\":$RT,\"from\":\"2031-03-01\",\"to\":\"2031-03-02\",\"allotment\":$3}" "$ADMIN"
}

# numbers
refuse "quantity 1e400 is 400 invalid_json" 400 invalid_json POST /api/holds "{$HOLD,\"x\":1e400}" "$USER_TOKEN"
hold_refused "an integer past 2^63 is 400 invalid_json" 400 invalid_json room_type_id 99999999999999999999
hold_refused "quantity 2^63-1 is 400 invalid_quantity" 400 invalid_quantity quantity 9223372036854775807
hold_refused "quantity 1.0 is 400 invalid_quantity" 400 invalid_quantity quantity 1.0
hold_refused "quantity -0 is 400 invalid_quantity" 400 invalid_quantity quantity -0
hold_refused "quantity 11 is 400 invalid_quantity" 400 invalid_quantity quantity 11
hold_refused "room_type_id -2^63 is 400 invalid_room_type_id" 400 invalid_room_type_id room_type_id -9223372036854775808
hold_refused "room_type_id 2^63-1 reaches the database and is 404 room_type_not_found" 404 room_type_not_found room_type_id 9223372036854775807
inventory_refused "an allotment of 2^31 is 400 invalid_allotment" invalid_allotment 2147483648
inventory_refused "a negative allotment is 400 invalid_allotment" invalid_allotment -1

# types and dates
d() { echo "{\"room_type_id\":$RT,\"check_in\":\"$1\",\"check_out\":\"$2\",\"quantity\":1}"; }
hold_refused "room_type_id as a string is 400 invalid_room_type_id" 400 invalid_room_type_id room_type_id "\"$RT\""
hold_refused "quantity true is 400 invalid_quantity" 400 invalid_quantity quantity true
hold_refused "quantity null is 400 missing_quantity" 400 missing_quantity quantity null
hold_refused "check_in as a number is 400 invalid_check_in" 400 invalid_check_in check_in 20310302
for bad in 2031-02-29 2031-13-01 2031-3-02 2031-03-02T00:00:00Z +031-03-02 ' 2031-03-02' 1999-12-31 2101-01-01 0000-00-00 '' '２０３１-03-02'; do
  refuse "check_in '$bad' is 400 invalid_check_in" 400 invalid_check_in POST /api/holds "$(d "$bad" 2031-03-04)" "$USER_TOKEN"
done
refuse "check_out before check_in is 400 invalid_check_out" 400 invalid_check_out POST /api/holds "$(d 2031-03-04 2031-03-02)" "$USER_TOKEN"
refuse "check_out equal to check_in is 400 invalid_check_out" 400 invalid_check_out POST /api/holds "$(d 2031-03-04 2031-03-04)" "$USER_TOKEN"
refuse "31 nights are 400 invalid_check_out" 400 invalid_check_out POST /api/holds "$(d 2031-03-01 2031-04-01)" "$USER_TOKEN"
refuse "inventory over 3660 nights is 400 invalid_to" 400 invalid_to PUT /api/admin/inventory \
  "{\"room_type_id\":$RT,\"from\":\"2000-01-01\",\"to\":\"2100-12-31\",\"allotment\":1}" "$ADMIN"

# SQL injection: refused where the field has a shape, stored verbatim where it is free text
SQLI=("' OR '1'='1" "1; DROP TABLE bookings; --" "1' UNION SELECT password_hash FROM users --" "'; SELECT pg_sleep(30); --")
for s in "${SQLI[@]}"; do
  j=$(jq -Rn --arg s "$s" '$s')
  refuse "login email $j is 401" 401 invalid_credentials POST /api/auth/login "{\"email\":$j,\"password\":\"password1\"}"
  refuse "login password $j is 401" 401 invalid_credentials POST /api/auth/login "{\"email\":\"$USER_EMAIL\",\"password\":$j}"
  refuse "register email $j is 400 invalid_email" 400 invalid_email POST /api/auth/register "{\"email\":$j,\"password\":\"password1\"}"
  hold_refused "hold room_type_id $j is 400" 400 invalid_room_type_id room_type_id "$j"
  refuse "hold check_in $j is 400" 400 invalid_check_in POST /api/holds "$(d "$s" 2031-03-04)" "$USER_TOKEN"
  hold_refused "hold quantity $j is 400" 400 invalid_quantity quantity "$j"
  refuse "booking hold_id $j is 400" 400 invalid_hold_id POST /api/bookings "{\"hold_id\":$j}" "$USER_TOKEN"
  refuse "inventory from $j is 400" 400 invalid_from PUT /api/admin/inventory "{\"room_type_id\":$RT,\"from\":$j,\"to\":\"2031-03-02\",\"allotment\":1}" "$ADMIN"
  q=$(jq -rn --arg s "$s" '$s|@uri')
  refuse "availability room_type_id=$q is 400" 400 invalid_room_type_id GET "/api/availability?room_type_id=$q&check_in=2031-03-02&check_out=2031-03-04"
  refuse "availability hotel_id=$q is 400" 400 invalid_hotel_id GET "/api/availability?hotel_id=$q&check_in=2031-03-02&check_out=2031-03-04"
  refuse "availability check_out=$q is 400" 400 invalid_check_out GET "/api/availability?room_type_id=$RT&check_in=2031-03-02&check_out=$q"
  refuse "inventory to=$q is 400" 400 invalid_to GET "/api/admin/inventory?room_type_id=$RT&from=2031-03-01&to=$q" "" "$ADMIN"
  refuse "integrity room_type_id=$q is 400" 400 invalid_room_type_id GET "/api/admin/integrity?room_type_id=$q" "" "$ADMIN"
  refuse "a bearer token $j is 401" 401 unauthorized GET /api/bookings "" "$s"
  refuse "an Idempotency-Key $j (with blanks) is 400" 400 invalid_idempotency_key POST /api/holds "{$HOLD}" "$USER_TOKEN" -H "Idempotency-Key: $s"
done

refuse "a login email shaped to pass validation (admin'--@…) reaches the database and is 401" 401 invalid_credentials \
  POST /api/auth/login "{\"email\":\"${SRV_ADMIN_EMAIL%@*}'--@${SRV_ADMIN_EMAIL#*@}\",\"password\":\"x' OR '1'='1\"}"

# free text that looks like SQL is data: stored and given back byte for byte
NAME="Bobby'); DROP TABLE hotels;-- \"quoted\" \\ é"
api POST /api/admin/hotels "$(jq -n --arg n "$NAME" --arg c "'; DELETE FROM users; --" '{name:$n, city:$c, address:"1 OR 1=1"}')" "$ADMIN"
expect_eq "a hotel named with SQL is created" 201 "$HTTP_STATUS"
H2=$(jf .hotel_id)
api GET /api/hotels
expect_eq "its name comes back verbatim" "$NAME" "$(jq -r --argjson id "${H2:-0}" '.hotels[] | select(.hotel_id == $id) | .name' <<<"$HTTP_BODY")"
api POST /api/admin/room-types "$(jq -n --argjson h "${H2:-0}" '{hotel_id:$h, name:"x\u0027 UNION SELECT 1 --", capacity:2}')" "$ADMIN"
expect_eq "a room type named with SQL is created" 201 "$HTTP_STATUS"
EMAIL="o'hara'||pg_sleep(30)||'-$$@example.com"
api POST /api/auth/register "$(jq -n --arg e "$EMAIL" '{email:$e, password:"password1", full_name:"Robert\u0027); DROP TABLE users;--"}')"
expect_eq "an email with quotes registers" 201 "$HTTP_STATUS"
expect_eq "the user row holds the name verbatim" "Robert'); DROP TABLE users;--" \
  "$(psql_q "SELECT full_name FROM users WHERE email = \$e\$${EMAIL,,}\$e\$")"
api POST /api/auth/login "$(jq -n --arg e "$EMAIL" '{email:$e, password:"password1"}')"
expect_eq "and logs in as a guest" "200 guest" "$HTTP_STATUS $(jf .user.role)"
KEY="k';DROP/**/TABLE/**/booking_holds;--"
api POST /api/holds "{$HOLD}" "$USER_TOKEN" -H "Idempotency-Key: $KEY"
expect_eq "an Idempotency-Key holding SQL without blanks is a key like any other" 201 "$HTTP_STATUS"
HID=$(jf .hold_id)
api POST /api/holds "{$HOLD}" "$USER_TOKEN" -H "Idempotency-Key: $KEY"
expect_eq "its replay gives the same hold" "201 $HID" "$HTTP_STATUS $(jf .hold_id)"
api DELETE "/api/holds/$HID" "" "$USER_TOKEN"
expect_eq "and the hold is released" "200 released" "$HTTP_STATUS $(jf .status)"

# created on purpose: 1 user, 1 hotel, 1 room type; the hold was released
hostile_after "$(snapshot_add "$before" 1 1 1 0 0)" "the hostile bodies"
srv_stop
expect_eq "lastroomd exits 0 on SIGTERM afterwards (no leak reported)" 0 "$SRV_RC"
finish
