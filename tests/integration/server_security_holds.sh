#!/usr/bin/env bash
# server_security_holds.sh: the cap on live holds per user (--max-holds-per-user), so
# that one account cannot hold a whole hotel: the cap and its 409 too_many_holds with
# nothing changed, what does not count (released, confirmed, expired holds), other users
# unaffected, idempotent replays still answered, 20 holds of one user released together
# (exactly the cap succeed), holds and confirms of one user racing on the same nights
# (no deadlock), and 0 meaning no cap.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/server_common.sh"

CAP=5
# the sweeper is slowed so that an expired hold stays in the table (it must not count)
srv_start --max-holds-per-user $CAP --sweep-interval 1h --pool-wait 20s \
  || { nok "lastroomd starts"; finish; exit 1; }
ok "lastroomd starts with --max-holds-per-user $CAP"
admin_token
new_room 100

# hold_night N TOKEN [CURL ARGS...]: one room for night N of March 2031 (N = 1..29)
hold_night() {
  local n=$1 t=$2
  shift 2
  api POST /api/holds "$(printf '{"room_type_id":%s,"check_in":"2031-03-%02d","check_out":"2031-03-%02d","quantity":1}' \
    "$RT" "$n" $((n + 1)))" "$t" "$@"
}
live_holds() { psql_q "SELECT count(*) FROM booking_holds WHERE user_id = $1 AND hold_expiry > now()"; }

new_user; U=$USER_TOKEN; U_ID=$USER_ID
holds=()
for n in $(seq $CAP); do
  if [ "$n" = 1 ]; then hold_night "$n" "$U" -H 'Idempotency-Key: first-hold'; else hold_night "$n" "$U"; fi
  [ "$HTTP_STATUS" = 201 ] && holds+=("$(jf .hold_id)")
done
expect_eq "$CAP holds of one user are 201" $CAP "${#holds[@]}"
before=$(room_state)
hold_night 10 "$U"
expect_eq "hold number $((CAP + 1)) is 409 too_many_holds" "409 too_many_holds" "$HTTP_STATUS $(jf .error.code)"
check "its message names the cap" grep -q "at most $CAP live holds" <<<"$(jf .error.message)"
expect_eq "nothing changed for the refusal" "$before" "$(room_state)"
expect_eq "the user still has $CAP live holds" $CAP "$(live_holds "$U_ID")"

hold_night 1 "$U" -H 'Idempotency-Key: first-hold'
expect_eq "a replay of the first hold's Idempotency-Key still answers 201 and that hold" \
  "201 ${holds[0]}" "$HTTP_STATUS $(jf .hold_id)"
expect_eq "the replay changed nothing" "$before" "$(room_state)"

new_user; V=$USER_TOKEN
hold_night 10 "$V"
expect_eq "another user is not limited by it (201)" 201 "$HTTP_STATUS"
api DELETE "/api/holds/$(jf .hold_id)" "" "$V"

api DELETE "/api/holds/${holds[1]}" "" "$U"
expect_eq "a hold released" 200 "$HTTP_STATUS"
hold_night 11 "$U"
expect_eq "a released hold no longer counts: 201" 201 "$HTTP_STATUS"
hold_night 12 "$U"
expect_eq "at the cap again: 409 too_many_holds" "409 too_many_holds" "$HTTP_STATUS $(jf .error.code)"

api POST /api/bookings '{"hold_id":'"${holds[2]}"'}' "$U"
expect_eq "a hold confirmed" 201 "$HTTP_STATUS"
hold_night 12 "$U"
expect_eq "a confirmed hold no longer counts: 201" 201 "$HTTP_STATUS"

psql_q "UPDATE booking_holds SET hold_expiry = now() - interval '1 minute' WHERE hold_id = ${holds[3]}" >/dev/null
expect_eq "an expired hold not yet swept stays in the table" 1 \
  "$(psql_q "SELECT count(*) FROM booking_holds WHERE hold_id = ${holds[3]}")"
hold_night 13 "$U"
expect_eq "an expired hold no longer counts: 201" 201 "$HTTP_STATUS"
hold_night 14 "$U"
expect_eq "and the cap holds after it: 409 too_many_holds" "409 too_many_holds" "$HTTP_STATUS $(jf .error.code)"
expect_eq "the user has exactly $CAP live holds" $CAP "$(live_holds "$U_ID")"
api DELETE "/api/holds/${holds[3]}" "" "$U"   # the sweeper is slow here: give its rooms back
expect_eq "the expired hold is released by its owner" 200 "$HTTP_STATUS"

# 20 holds of one fresh user released together against 100 rooms: exactly the cap
new_user; W=$USER_TOKEN; W_ID=$USER_ID
body='{"room_type_id":'"$RT"',"check_in":"2031-03-20","check_out":"2031-03-21","quantity":1}'
burst_begin
for i in $(seq 20); do burst_add POST /api/holds "$body" "$W"; done
burst_go
expect_eq "20 concurrent holds of one user: exactly $CAP are 201" $CAP "$(burst_count 201)"
expect_eq "the other $((20 - CAP)) are 409 too_many_holds" $((20 - CAP)) "$(burst_count 409 too_many_holds)"
expect_eq "the user holds exactly $CAP rooms" $CAP "$(live_holds "$W_ID")"
expect_eq "the night's counter shows exactly those $CAP" $CAP \
  "$(psql_q "SELECT tentative_count FROM room_inventory WHERE room_type_id = $RT AND date = '2031-03-20'")"

# one user's confirms and new holds on the same nights at once: the user row is locked
# before any inventory row, so neither waits on the other in a cycle (a deadlock would
# be a 503 db_conflict)
new_user; X=$USER_TOKEN; X_ID=$USER_ID
xholds=()
for i in 1 2 3 4; do
  api POST /api/holds '{"room_type_id":'"$RT"',"check_in":"2031-03-22","check_out":"2031-03-26","quantity":1}' "$X"
  xholds+=("$(jf .hold_id)")
done
burst_begin
for h in "${xholds[@]}"; do burst_add POST /api/bookings '{"hold_id":'"$h"'}' "$X"; done
for i in $(seq 12); do
  burst_add POST /api/holds '{"room_type_id":'"$RT"',"check_in":"2031-03-2'"$((i % 4 + 2))"'","check_out":"2031-03-27","quantity":1}' "$X"
done
burst_go
confirmed=0
for i in 1 2 3 4; do [ "$(cat "$BURST_DIR/code.$i")" = 201 ] && confirmed=$((confirmed + 1)); done
expect_eq "the 4 confirms racing 12 holds of the same user are 201" 4 "$confirmed"
granted=$(( $(burst_count 201) - confirmed ))
expect_eq "the holds: each 201 or 409 too_many_holds, no other answer" 12 $((granted + $(burst_count 409 too_many_holds)))
check "between 1 and $CAP of them granted (got $granted)" test "$granted" -ge 1 -a "$granted" -le $CAP
expect_eq "live holds afterwards are the granted ones" "$granted" "$(live_holds "$X_ID")"
api GET "/api/admin/integrity?room_type_id=$RT" "" "$ADMIN"
expect_eq "integrity: every check at zero" "200 true 0" "$HTTP_STATUS $(jf .ok) $(jf .violations)"

srv_stop
expect_eq "lastroomd exits 0" 0 "$SRV_RC"

# 0: no cap
srv_start --max-holds-per-user 0 || { nok "lastroomd starts with no cap"; finish; exit 1; }
new_user; Z=$USER_TOKEN
n201=0
for n in $(seq $((CAP + 2))); do hold_night "$n" "$Z"; [ "$HTTP_STATUS" = 201 ] && n201=$((n201 + 1)); done
expect_eq "--max-holds-per-user 0: $((CAP + 2)) holds of one user are all 201" $((CAP + 2)) "$n201"
srv_stop
expect_eq "lastroomd exits 0" 0 "$SRV_RC"

"$LASTROOM_BIN/lastroomd" --db "$SRV_DB" --max-holds-per-user -1 >/dev/null 2>&1
expect_eq "--max-holds-per-user -1 is a usage error (exit 2)" 2 "$?"
LASTROOM_MAX_HOLDS_PER_USER=many "$LASTROOM_BIN/lastroomd" --db "$SRV_DB" >/dev/null 2>&1
expect_eq "LASTROOM_MAX_HOLDS_PER_USER=many is a usage error (exit 2)" 2 "$?"
finish
