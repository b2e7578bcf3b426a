#!/usr/bin/env bash
# server_security_logs.sh: passwords and tokens never reach lastroomd's output. A
# lastroomd at its most verbose level (--log-level debug) serves registration, good and
# bad logins, every authenticated route, refused tokens, bodies that fail validation
# with a password inside, a token in a query string and a header line MHD refuses; then
# its whole output (stdout and stderr) must hold none of the passwords, tokens, token
# signatures, the token secret, password hashes, nor an Authorization header.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/server_common.sh"

SRV_SECRET=log-secret-$$-never-printed-32-characters
srv_start --log-level debug || { nok "lastroomd starts at --log-level debug"; finish; exit 1; }
admin_token
new_room 10

P="Pw-$$-known-only-to-its-owner"
W="Wrong-$$-guess-of-a-password"
email="logs-$$@example.com"
api POST /api/auth/register "{\"email\":\"$email\",\"password\":\"$P\",\"full_name\":\"L\"}"
expect_eq "register is 201" 201 "$HTTP_STATUS"
api POST /api/auth/login "{\"email\":\"$email\",\"password\":\"$W\"}"
expect_eq "a wrong password is 401" 401 "$HTTP_STATUS"
api POST /api/auth/login "{\"email\":\"nobody-$$@example.com\",\"password\":\"$W\"}"
expect_eq "an unknown email is 401" 401 "$HTTP_STATUS"
api POST /api/auth/login "{\"email\":\"$email\",\"password\":\"$P\"}"
T=$(jf .token)
expect_eq "the right password is 200 with a token" "200 yes" "$HTTP_STATUS $( [ -n "$T" ] && echo yes)"

body='{"room_type_id":'$RT',"check_in":"2031-03-01","check_out":"2031-03-03","quantity":1}'
api POST /api/holds "$body" "$T" -H 'Idempotency-Key: log-key'
H=$(jf .hold_id)
expect_eq "a hold with the token is 201" 201 "$HTTP_STATUS"
api GET "/api/holds/$H" "" "$T"
api POST /api/bookings '{"hold_id":'"$H"'}' "$T"
B=$(jf .booking_id)
expect_eq "its booking is 201" 201 "$HTTP_STATUS"
api GET "/api/bookings/$B" "" "$T"
api GET /api/bookings "" "$T"
api POST "/api/bookings/$B/cancel" "" "$T"
expect_eq "the cancel is 200" 200 "$HTTP_STATUS"
api POST /api/holds "$body" "$T"
api DELETE "/api/holds/$(jf .hold_id)" "" "$T"
expect_eq "a release is 200" 200 "$HTTP_STATUS"
api GET /api/admin/integrity "" "$ADMIN"
expect_eq "an admin route with the admin's token is 200" 200 "$HTTP_STATUS"

FORGED="4242.admin.9999999999.forged-signature-$$-xxxxxxxxxxxxxxxxxxxxxxxx"
api GET /api/bookings "" "$FORGED"
expect_eq "a forged token is 401" 401 "$HTTP_STATUS"
api GET /api/bookings "" "" -H "Authorization: Basic $(printf '%s:%s' "$email" "$P" | base64)"
expect_eq "Basic credentials are 401" 401 "$HTTP_STATUS"
api POST /api/auth/login "{\"email\":\"$email\",\"password\":\"$P\","
expect_eq "a broken login body holding the password is 400 invalid_json" "400 invalid_json" "$HTTP_STATUS $(jf .error.code)"
api POST /api/auth/register "{\"email\":\"not-an-email\",\"password\":\"$P\"}"
expect_eq "a refused registration holding the password is 400" "400 invalid_email" "$HTTP_STATUS $(jf .error.code)"
api GET "/api/availability?room_type_id=$RT&check_in=2031-03-01&check_out=2031-03-02&access_token=$T"
expect_eq "a token in a query string (ignored) is 200" 200 "$HTTP_STATUS"
# a header line without a colon, holding the token: MHD refuses or skips it
( exec 4<>"/dev/tcp/127.0.0.1/${SRV_URL##*:}"   # a subshell: SIGPIPE if it hangs up first
  printf 'GET /api/bookings HTTP/1.1\r\nHost: t\r\nAuthorization Bearer %s\r\nConnection: close\r\n\r\n' "$T" >&4
  timeout 5 cat <&4 >/dev/null ) 2>/dev/null

srv_stop
expect_eq "lastroomd exits 0" 0 "$SRV_RC"
check "its output has debug lines (the most verbose level was on)" grep -q ' debug ' "$SRV_LOG"
check "its output has the request lines" grep -q 'POST /api/auth/login 200' "$SRV_LOG"
sig=${T##*.}
for pair in "the password:$P" "the wrong password:$W" "the token:$T" "the token's signature:$sig" \
            "the admin's token:$ADMIN" "the admin's password:$SRV_ADMIN_PASSWORD" \
            "the forged token:$FORGED" "the token secret:$SRV_SECRET" \
            "an argon2id hash:\$argon2id\$" "an Authorization header:Authorization" \
            "a Bearer scheme:Bearer" "a Basic scheme:Basic " "the query string:access_token"; do
  what=${pair%%:*}; secret=${pair#*:}
  check "the output holds no $what" test "$(grep -ciF -- "$secret" "$SRV_LOG")" = 0
done
finish
