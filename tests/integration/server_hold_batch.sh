#!/usr/bin/env bash
# server_hold_batch.sh: holds that wait together in one lane are sent as one
# api_hold_batch call (src/server/coalesce.c), and each client still gets its own
# answer. The stay's first night is locked from psql while one hold runs on lastroomd's
# only connection, so that a burst of holds queues behind it; once the lock goes, they
# go as batches. Checked: lastroomd's log shows a call of several holds; exactly the
# allotment is held, every other plain hold is a clean 409 sold_out; three requests
# sharing one Idempotency-Key behave as if made one after the other (two with the same
# body answer alike, the one with another body 422 or the two do); the counters and
# integrity_report agree.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/server_common.sh"

N=20          # plain holds in the burst, besides the three sharing a key
ALLOTMENT=4
srv_start --pool-size 1 --pool-wait 30s --max-holds-per-user 0 --log-level debug \
  || { nok "lastroomd starts"; finish; exit 1; }
admin_token
new_room "$ALLOTMENT"
new_user; alice=$USER_TOKEN
new_user; bob=$USER_TOKEN
body='{"room_type_id":'"$RT"',"check_in":"2031-03-10","check_out":"2031-03-12","quantity":1}'
body2='{"room_type_id":'"$RT"',"check_in":"2031-03-10","check_out":"2031-03-12","quantity":2}'

# The lock: a psql session that holds the first night until told to commit.
night_lock 2031-03-10
expect_eq "psql holds the night's lock" 1 "$NIGHT_LOCKED"
first_out=$SRV_TMP/first.out
( curl -s --max-time 60 -o "$first_out" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
    -H "Authorization: Bearer $alice" --data-binary "$body" "$SRV_URL/api/holds" >"$SRV_TMP/first.code" ) &
first_pid=$!
expect_eq "the first hold waits on the locked night" 1 "$(lock_waiters)"

# The burst; the lock goes once every client has its connection open.
burst_begin
for i in $(seq $N); do burst_add POST /api/holds "$body" "$([ $((i % 2)) = 0 ] && echo "$alice" || echo "$bob")"; done
burst_add POST /api/holds "$body" "$bob" -H "Idempotency-Key: shared-$$"
burst_add POST /api/holds "$body" "$bob" -H "Idempotency-Key: shared-$$"
burst_add POST /api/holds "$body2" "$bob" -H "Idempotency-Key: shared-$$"
night_unlock_at $((N + 4))
burst_go
wait "$first_pid"
exec 4>&-

expect_eq "the first hold was granted" 201 "$(cat "$SRV_TMP/first.code")"
created=1; sold_out=0; other=0
for i in $(seq $N); do
  code=$(cat "$BURST_DIR/code.$i" 2>/dev/null)
  if [ "$code" = 201 ]; then created=$((created + 1))
  elif [ "$code" = 409 ] && [ "$(jq -r .error.code "$BURST_DIR/out.$i")" = sold_out ]; then sold_out=$((sold_out + 1))
  else other=$((other + 1)); echo "# client $i: $code $(cat "$BURST_DIR/out.$i" 2>/dev/null)"; fi
done
a=$((N + 1)); b=$((N + 2)); c=$((N + 3))
keyed_held=0
for i in $a $b $c; do
  [ "$(cat "$BURST_DIR/code.$i")" = 201 ] || continue
  keyed_held=$(( keyed_held + $(jq -r .quantity "$BURST_DIR/out.$i") ))
done
same=$( [ "$(cat "$BURST_DIR/code.$a") $(cat "$BURST_DIR/out.$a")" = "$(cat "$BURST_DIR/code.$b") $(cat "$BURST_DIR/out.$b")" ] && echo yes)
expect_eq "the two requests with one key and one body got the same answer" yes "$same"
[ "$(cat "$BURST_DIR/code.$a")" = 201 ] && keyed_held=$((keyed_held - 1))   # one hold, answered twice
reused=$(for i in $a $c; do jq -r .error.code "$BURST_DIR/out.$i"; done | grep -c idempotency_key_reused)
expect_eq "the key's other body, or the two, refused 422 idempotency_key_reused: one side exactly" 1 "$reused"
expect_eq "no plain hold got anything but 201 or 409 sold_out" 0 "$other"
held_rooms=$(psql_q "SELECT coalesce(sum(quantity), 0) FROM booking_holds WHERE room_type_id = $RT")
expect_eq "exactly the allotment is held" "$ALLOTMENT" "$held_rooms"
expect_eq "the rooms held are those answered 201 (plain $created, keyed $keyed_held)" "$held_rooms" $((created + keyed_held))
expect_eq "every night's counter shows them" "$ALLOTMENT,$ALLOTMENT" \
  "$(psql_q "SELECT string_agg(tentative_count::text, ',' ORDER BY date) FROM room_inventory
             WHERE room_type_id = $RT AND date IN ('2031-03-10', '2031-03-11')")"
expect_eq "integrity_report: no violation" 0 \
  "$(psql_q "SELECT coalesce(sum(violations), 0) FROM integrity_report($RT)")"
largest=$(sed -n 's/.*coalesce: \([0-9]*\) holds of lane .*/\1/p' "$SRV_LOG" | sort -n | tail -1)
check "holds queued together went as one call (largest: ${largest:-none})" test "${largest:-0}" -ge 2
finish
