#!/usr/bin/env bash
# server_security_tokens.sh: bearer tokens that must be refused, over real sockets:
# tampered payloads and signatures, a token signed by a lastroomd with another secret,
# expired tokens (forged with the known test secret, and a real one from a lastroomd
# with --token-ttl 1s), malformed tokens, a missing "Bearer" and other schemes. Each is
# 401 unauthorized on a route that would change the database, and nothing changes.
# Controls: the genuine token, a correctly forged unexpired one, and a lower-case
# "bearer" (schemes are case-insensitive) are accepted.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/server_common.sh"

SECRET_A=secret-a-$$-at-least-32-characters
SECRET_B=secret-b-$$-at-least-32-characters
SRV_SECRET=$SECRET_A srv_start || { nok "lastroomd starts"; finish; exit 1; }
URL_A=$SRV_URL PID_A=$SRV_PID
admin_token
new_room 10
new_user; T=$USER_TOKEN; UID_=$USER_ID; EMAIL=$USER_EMAIL; PASS=password-$SRV_SEQ
new_user; OTHER=$USER_TOKEN
IFS=. read -r t_uid t_role t_exp t_sig <<<"$T"
expect_eq "a token is <user_id>.<role>.<expiry>.<43-char signature>" "$UID_ guest 43" "$t_uid $t_role ${#t_sig}"

# forge SECRET BODY: BODY.<HMAC-SHA256 under SHA-256(SECRET), base64url>, as lastroomd signs
forge() {
  local key
  key=$(printf %s "$1" | sha256sum | cut -c1-64)
  printf '%s.%s' "$2" "$(printf %s "$2" | openssl dgst -sha256 -mac HMAC -macopt "hexkey:$key" -binary \
    | base64 | tr '+/' '-_' | tr -d '=\n')"
}
now=$(date +%s)
expect_eq "forge() signs exactly like lastroomd" "$T" "$(forge "$SECRET_A" "$t_uid.$t_role.$t_exp")"

body='{"room_type_id":'$RT',"check_in":"2031-03-01","check_out":"2031-03-02","quantity":1}'
before=$(room_state)
# refused LABEL AUTHORIZATION-VALUE: POST /api/holds is 401 unauthorized
refused() {
  api POST /api/holds "$body" "" -H "Authorization: $2"
  expect_eq "$1: 401 unauthorized" "401 unauthorized" "$HTTP_STATUS $(jf .error.code)"
}
# accepted LABEL AUTHORIZATION-VALUE: GET /api/bookings is 200
accepted() {
  api GET /api/bookings "" "" -H "Authorization: $2"
  expect_eq "$1: 200" 200 "$HTTP_STATUS"
}

accepted "control: the genuine token" "Bearer $T"
accepted "control: a token forged with the right secret and a future expiry" \
  "Bearer $(forge "$SECRET_A" "$t_uid.guest.$((now + 600))")"
accepted "control: the scheme in lower case (RFC 7235: case-insensitive)" "bearer $T"

flip() { local c=${1:$2:1} r; r=A; [ "$c" = A ] && r=B; echo "${1:0:$2}$r${1:$(($2 + 1))}"; }
refused "tampered user id" "Bearer $((t_uid + 1)).$t_role.$t_exp.$t_sig"
refused "tampered role (guest -> admin)" "Bearer $t_uid.admin.$t_exp.$t_sig"
refused "tampered expiry (+1 h)" "Bearer $t_uid.$t_role.$((t_exp + 3600)).$t_sig"
refused "tampered signature (first character)" "Bearer $t_uid.$t_role.$t_exp.$(flip "$t_sig" 0)"
refused "tampered signature (last character)" "Bearer $t_uid.$t_role.$t_exp.$(flip "$t_sig" 42)"
refused "another user's signature on this payload" "Bearer $t_uid.$t_role.$t_exp.${OTHER##*.}"
refused "signature cut to 42 characters" "Bearer $t_uid.$t_role.$t_exp.${t_sig:0:42}"
refused "signature with one more character" "Bearer ${T}A"
refused "signature with base64 padding" "Bearer ${T}="
refused "expired (forged with the right secret, 10 s ago)" "Bearer $(forge "$SECRET_A" "$t_uid.guest.$((now - 10))")"
refused "expiry 0" "Bearer $(forge "$SECRET_A" "$t_uid.guest.0")"
refused "user id 0 (signed right)" "Bearer $(forge "$SECRET_A" "0.guest.$((now + 600))")"
refused "a role that does not exist (signed right)" "Bearer $(forge "$SECRET_A" "$t_uid.root.$((now + 600))")"
refused "signed with another secret" "Bearer $(forge "$SECRET_B" "$t_uid.guest.$((now + 600))")"
refused "empty token" "Bearer "
refused "no dots" "Bearer abcdefghijklmnop"
refused "only dots" "Bearer ..."
refused "no signature part" "Bearer $t_uid.$t_role.$t_exp"
refused "bad base64 in the signature" "Bearer $t_uid.$t_role.$t_exp.$(printf '!%.0s' $(seq 43))"
refused "non-numeric user id" "Bearer x.$t_role.$t_exp.$t_sig"
refused "negative user id" "Bearer -$t_uid.$t_role.$t_exp.$t_sig"
refused "over 160 bytes" "Bearer $T$(printf 'A%.0s' $(seq 120))"
refused "a space inside" "Bearer $t_uid.$t_role. $t_exp.$t_sig"
refused "two spaces after Bearer" "Bearer  $T"
refused "\"Bearer\" missing" "$T"
refused "scheme Basic" "Basic $(printf '%s:%s' "$EMAIL" "$PASS" | base64)"
refused "scheme Token" "Token $T"
refused "no space after Bearer" "Bearer$T"
api POST /api/holds "$body"
expect_eq "no Authorization header: 401 unauthorized" "401 unauthorized" "$HTTP_STATUS $(jf .error.code)"
api GET /api/admin/integrity "" "$t_uid.admin.$t_exp.$t_sig"
expect_eq "the role-tampered token on an admin route: 401, not 403 or 200" "401 unauthorized" "$HTTP_STATUS $(jf .error.code)"
expect_eq "none of the refused holds changed the database" "$before" "$(room_state)"

# a token of a lastroomd with another secret, on the same database, and the other way round
srv_start --token-secret "$SECRET_B" || { nok "a second lastroomd starts with --token-secret"; finish; exit 1; }
api POST /api/auth/login "{\"email\":\"$EMAIL\",\"password\":\"$PASS\"}"
T_B=$(jf .token)
expect_eq "the same user logs in on the lastroomd with another secret" "200 $UID_" "$HTTP_STATUS $(jf .user.user_id)"
api GET /api/bookings "" "$T"
expect_eq "the first lastroomd's token there: 401" "401 unauthorized" "$HTTP_STATUS $(jf .error.code)"
srv_stop
SRV_URL=$URL_A SRV_PID=$PID_A
refused "its token here" "Bearer $T_B"
expect_eq "still nothing changed" "$before" "$(room_state)"
srv_stop
expect_eq "lastroomd exits 0" 0 "$SRV_RC"

# a real token with a 1 s life: refused once its second is over (bounded wait)
SRV_SECRET=$SECRET_A srv_start --token-ttl 1s || { nok "lastroomd --token-ttl 1s starts"; finish; exit 1; }
api POST /api/auth/login "{\"email\":\"$EMAIL\",\"password\":\"$PASS\"}"
SHORT=$(jf .token)
expect_eq "--token-ttl 1s: login answers expires_in 1" "200 1" "$HTTP_STATUS $(jf .expires_in)"
exp=$(cut -d. -f3 <<<"$SHORT")
check "its expiry is at most 2 s from now" test "$exp" -le $(( $(date +%s) + 2 ))
deadline=$((SECONDS + 10))
while [ "$(date +%s)" -le "$exp" ] && [ $SECONDS -lt $deadline ]; do sleep 0.2; done
api GET /api/bookings "" "$SHORT"
expect_eq "after its expiry: 401 unauthorized" "401 unauthorized" "$HTTP_STATUS $(jf .error.code)"
srv_stop
expect_eq "lastroomd exits 0" 0 "$SRV_RC"
"$LASTROOM_BIN/lastroomd" --db "$SRV_DB" --token-ttl 10ms >/dev/null 2>&1
expect_eq "--token-ttl under 1 s is a usage error (exit 2)" 2 "$?"
finish
