#!/usr/bin/env bash
# server_hygiene.sh: small guarantees of lastroomd, each against a real process:
#   - a token secret shorter than 32 characters is refused at start (exit 2), by flag or
#     environment, without the secret being echoed; a secret given as a flag (visible
#     in ps) starts the server with a warning;
#   - control bytes a client sends in the path (%0a, %1b) are escaped in the request log
#     line, so a client cannot forge log lines;
#   - a 413 and a 431 refused from the headers alone are counted in /metrics under the
#     route they were sent to (not under GET /health);
#   - a hold for a night before today (UTC) is 400 invalid_check_in.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/server_common.sh"

short=short-$$-secret
out=$(timeout 20 "$LASTROOM_BIN/lastroomd" --db "$LASTROOM_TEST_DB" --token-secret "$short" 2>&1); rc=$?
expect_eq "--token-secret of 20 characters: exit 2" 2 "$rc"
check "it says why" grep -q "shorter than 32 characters" <<<"$out"
check "and does not echo the secret" test "$(grep -c -- "$short" <<<"$out")" = 0
out=$(LASTROOM_TOKEN_SECRET=$short timeout 20 "$LASTROOM_BIN/lastroomd" --db "$LASTROOM_TEST_DB" 2>&1); rc=$?
expect_eq "LASTROOM_TOKEN_SECRET of 20 characters: exit 2, not echoed" "2 0" "$rc $(grep -c -- "$short" <<<"$out")"

srv_start --token-secret "flag-secret-$$-long-enough-to-be-accepted" || { nok "lastroomd starts"; finish; exit 1; }
check "a secret given as a flag is warned about" grep -q "token-secret is visible to every user" "$SRV_LOG"

curl -s -o /dev/null "$SRV_URL/api/hotels%0a2031-01-01T00:00:00.000Z%20info%20%20forged%1b"
deadline=$((SECONDS + 10)); until grep -q 'hotels' "$SRV_LOG" || [ $SECONDS -ge $deadline ]; do sleep 0.1; done
check "the path's newline is written \\x0a in the log line" grep -q 'GET /api/hotels\\x0a2031-01-01T00:00:00.000Z info  forged\\x1b 404' "$SRV_LOG"
check "and no log line was forged" test "$(grep -c '^2031-01-01' "$SRV_LOG")" = 0

head -c 5000 /dev/zero | tr '\0' ' ' >"$SRV_TMP/5k"
api POST /api/holds "@$SRV_TMP/5k" "x"
expect_eq "a 5,000-byte hold body is 413 from its Content-Length" "413 payload_too_large" "$HTTP_STATUS $(jf .error.code)"
hdrs=(); for i in $(seq 70); do hdrs+=(-H "X-H$i: $i"); done
api GET /api/hotels "" "" "${hdrs[@]}"
expect_eq "70 header fields are 431" 431 "$HTTP_STATUS"
api GET /metrics
check "the 413 is counted under POST /api/holds" grep -q 'lastroom_http_requests_total{route="POST /api/holds",status="413"} 1' <<<"$HTTP_BODY"
check "the 431 under GET /api/hotels" grep -q 'lastroom_http_requests_total{route="GET /api/hotels",status="431"} 1' <<<"$HTTP_BODY"
check "nothing under GET /health" test -z "$(grep 'route="GET /health"' <<<"$HTTP_BODY")"

admin_token; new_user
api POST /api/admin/hotels '{"name":"Past"}' "$ADMIN"; h=$(jf .hotel_id)
api POST /api/admin/room-types '{"hotel_id":'"$h"',"name":"Past"}' "$ADMIN"; rt=$(jf .room_type_id)
yesterday=$(date -u -d yesterday +%F); today=$(date -u +%F); tomorrow=$(date -u -d tomorrow +%F)
api PUT /api/admin/inventory '{"room_type_id":'"$rt"',"from":"'"$yesterday"'","to":"'"$(date -u -d '+3 days' +%F)"'","allotment":5}' "$ADMIN"
api POST /api/holds '{"room_type_id":'"$rt"',"check_in":"'"$yesterday"'","check_out":"'"$tomorrow"'","quantity":1}' "$USER_TOKEN"
expect_eq "a hold from yesterday is 400 invalid_check_in" "400 invalid_check_in" "$HTTP_STATUS $(jf .error.code)"
expect_eq "and holds nothing" 0 "$(psql_q "SELECT count(*) FROM booking_holds WHERE room_type_id = $rt")"
api POST /api/holds '{"room_type_id":'"$rt"',"check_in":"'"$today"'","check_out":"'"$tomorrow"'","quantity":1}' "$USER_TOKEN"
expect_eq "a hold from today (UTC) is made" 201 "$HTTP_STATUS"
srv_stop
expect_eq "lastroomd exits 0" 0 "$SRV_RC"
finish
