#!/usr/bin/env bash
# server_unknowns.sh: answers after lastroomd loses its database connection while a call
# is in flight. lastroomd talks to PostgreSQL through lastroom-faultproxy; a psql session
# locks the room's nights so that the call waits in PostgreSQL; the proxy then resets
# every connection (and passes again at once), and the session lets go, so the call
# commits in PostgreSQL although lastroomd never gets its result.
#   - POST /api/holds without a key: 503 outcome_unknown without Retry-After (not
#     db_unavailable, which says "never reached the database"); the hold exists, and
#     GET /api/holds shows it.
#   - DELETE /api/holds/{id}: retried on a new connection, the retry finds the hold gone
#     and answers 200 released, not 404.
# (A cancel retried the same way takes the same path in api_db.c: already_cancelled on
# the retry answers 200 Cancelled.)
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/server_common.sh"

PROXY=$LASTROOM_BIN/lastroom-faultproxy
pgport=$(psql_q "SHOW port")
lport=$(free_port); cport=$(free_port)
"$PROXY" --listen "127.0.0.1:$lport" --upstream "127.0.0.1:$pgport" --control "127.0.0.1:$cport" \
  >"$SRV_TMP/proxy.log" 2>&1 &
track_pid $!
# shellcheck disable=SC2034  # SRV_DB is read by srv_start
SRV_DB=$(sed "s/:$pgport\//:$lport\//" <<<"$LASTROOM_TEST_DB")
srv_start --pool-size 2 || { nok "lastroomd starts behind the proxy"; finish; exit 1; }
admin_token; new_room 5; new_user

# cut: reset every connection through the proxy and pass again, in one control write,
# so that a reconnect finds the proxy passing.
cut() {
  exec 7<>"/dev/tcp/127.0.0.1/$cport"
  printf 'mode reset\nmode pass\n' >&7
  read -r -t 10 a <&7; read -r -t 10 b <&7
  exec 7>&-
  [[ $a == ok* && $b == ok* ]]
}
# lock_room / unlock: a psql session that holds RT's nights, idle in transaction.
lock_room() {
  mkfifo "$SRV_TMP/locker.$1"
  psql -X -q "$LASTROOM_TEST_DB" <"$SRV_TMP/locker.$1" >/dev/null 2>&1 &
  LOCKER=$!; track_pid "$LOCKER"
  exec 5>"$SRV_TMP/locker.$1"
  echo "BEGIN; SELECT 1 FROM room_inventory WHERE room_type_id = $RT FOR UPDATE; SELECT 'lock-$$-$1';" >&5
  wait_for "SELECT count(*) FROM pg_stat_activity WHERE state = 'idle in transaction' AND query LIKE '%lock-$$-$1%'" 1
}
unlock() { echo "COMMIT;" >&5; exec 5>&-; wait "$LOCKER"; }
# wait_for SQL WANT: poll SQL (20 s at most) until it prints WANT.
wait_for() {
  local deadline=$((SECONDS + 20))
  until [ "$(psql_q "$1")" = "$2" ]; do [ $SECONDS -lt $deadline ] || return 1; sleep 0.05; done
}
waiting_calls() { echo "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'lastroomd' AND wait_event_type = 'Lock'"; }
# in_flight NAME METHOD PATH [BODY]: the request in the background; answer in $SRV_TMP/NAME.*
in_flight() {
  curl -s --max-time 60 -D "$SRV_TMP/$1.head" -o "$SRV_TMP/$1.body" -w '%{http_code}' -X "$2" \
    -H "Authorization: Bearer $USER_TOKEN" -H 'Content-Type: application/json' ${4:+--data-binary "$4"} \
    "$SRV_URL$3" >"$SRV_TMP/$1.code" &
  CURL=$!
}
answer_of() { echo "$(cat "$SRV_TMP/$1.code") $(jq -r '.error.code // .status' "$SRV_TMP/$1.body")"; }

# --- a hold without a key whose answer is lost
hold_body='{"room_type_id":'$RT',"check_in":"2031-03-07","check_out":"2031-03-08","quantity":1}'
check "a psql session locks the room's nights" lock_room 1
in_flight hold POST /api/holds "$hold_body"
check "the hold waits for the lock in PostgreSQL" wait_for "$(waiting_calls)" 1
check "the proxy resets lastroomd's connections" cut
wait "$CURL"
expect_eq "POST /api/holds whose connection was lost: 503 outcome_unknown" "503 outcome_unknown" "$(answer_of hold)"
check "without Retry-After (resending could hold twice)" test -z "$(grep -i '^retry-after' "$SRV_TMP/hold.head")"
unlock
check "the call committed in PostgreSQL after all" \
  wait_for "SELECT count(*) FROM booking_holds WHERE room_type_id = $RT AND user_id = $USER_ID" 1
api GET /api/holds "" "$USER_TOKEN"
expect_eq "GET /api/holds lists it, so the client can find it" \
  "200 1 $RT" "$HTTP_STATUS $(jf '.holds | length') $(jf '.holds[0].room_type_id')"
HOLD=$(jf '.holds[0].hold_id')

# --- a release retried after its answer was lost
check "a psql session locks the room's nights again" lock_room 2
in_flight release DELETE "/api/holds/$HOLD"
check "the release waits for the lock" wait_for "$(waiting_calls)" 1
check "the proxy resets lastroomd's connections" cut
check "lastroomd sends the release again on a new connection" wait_for "$(waiting_calls)" 2
unlock
wait "$CURL"
expect_eq "the retry finds the hold released and answers so" "200 released" "$(answer_of release)"
expect_eq "the hold is gone and its room given back" "0 0" \
  "$(psql_q "SELECT count(*) FROM booking_holds WHERE hold_id = $HOLD") $(psql_q "SELECT sum(tentative_count) FROM room_inventory WHERE room_type_id = $RT")"

srv_stop
expect_eq "lastroomd exits 0" 0 "$SRV_RC"
[ "$TAP_FAILED" = 0 ] || sed 's/^/# /' "$SRV_LOG" "$SRV_TMP/proxy.log" | tail -40
finish
