#!/usr/bin/env bash
# server_confirm_batch.sh: confirms that wait together are sent as one
# api_confirm_batch call (src/server/coalesce.c), and each client still gets its own
# answer. The stay's first night is locked from psql while one confirm runs on
# lastroomd's only connection, so that a burst of confirms queues behind it; once the
# lock goes, they go as batches. Checked: lastroomd's log shows a call of several
# confirms; each hold's owner is answered 201 with its own booking; of two confirms of
# one hold in the same burst one is 201, the other 200 with that same booking; another
# user's confirm of a hold 404; three requests sharing one Idempotency-Key behave as if
# made one after the other; the counters and integrity_report agree.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/server_common.sh"

N=12 # holds, each confirmed once by its owner in the burst
srv_start --pool-size 1 --pool-wait 30s --max-holds-per-user 0 --log-level debug \
  || { nok "lastroomd starts"; finish; exit 1; }
admin_token
new_room $((N + 2))
new_user; alice=$USER_TOKEN
new_user; bob=$USER_TOKEN
body='{"room_type_id":'"$RT"',"check_in":"2031-03-10","check_out":"2031-03-12","quantity":1}'
holds=()
for i in $(seq $((N + 2))); do
  api POST /api/holds "$body" "$([ $((i % 2)) = 0 ] && echo "$alice" || echo "$bob")"
  holds+=("$(jf .hold_id)")
done
expect_eq "$((N + 2)) holds made" "$((N + 2))" "$(psql_q "SELECT count(*) FROM booking_holds WHERE room_type_id = $RT")"
# owner I: alice's token for even I, bob's for odd (I from 1)
owner() { [ $(($1 % 2)) = 0 ] && echo "$alice" || echo "$bob"; }
other() { [ $(($1 % 2)) = 0 ] && echo "$bob" || echo "$alice"; }

# The lock: a psql session that holds the first night until told to commit.
night_lock 2031-03-10
expect_eq "psql holds the night's lock" 1 "$NIGHT_LOCKED"
h0=${holds[$((N + 1))]} # hold N+2 (alice's): confirmed first, alone
first_out=$SRV_TMP/first.out
( curl -s --max-time 60 -o "$first_out" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
    -H "Authorization: Bearer $alice" --data-binary '{"hold_id":'"$h0"'}' "$SRV_URL/api/bookings" \
    >"$SRV_TMP/first.code" ) &
first_pid=$!
expect_eq "the first confirm waits on the locked night" 1 "$(lock_waiters)"

# The burst: each of holds 1..N confirmed by its owner; hold 1 again by its owner and
# by the other user; hold N+1 three times under one key (two bodies alike, one not).
burst_begin
for i in $(seq $N); do burst_add POST /api/bookings '{"hold_id":'"${holds[$((i - 1))]}"'}' "$(owner "$i")"; done
burst_add POST /api/bookings '{"hold_id":'"${holds[0]}"'}' "$(owner 1)"
burst_add POST /api/bookings '{"hold_id":'"${holds[0]}"'}' "$(other 1)"
k=${holds[$N]} # hold N+1
burst_add POST /api/bookings '{"hold_id":'"$k"'}' "$(owner $((N + 1)))" -H "Idempotency-Key: shared-$$"
burst_add POST /api/bookings '{"hold_id":'"$k"'}' "$(owner $((N + 1)))" -H "Idempotency-Key: shared-$$"
burst_add POST /api/bookings '{"hold_id":'"$((k + 1000000))"'}' "$(owner $((N + 1)))" -H "Idempotency-Key: shared-$$"
night_unlock_at $((N + 6))
burst_go
wait "$first_pid"
exec 4>&-

expect_eq "the first confirm was granted" 201 "$(cat "$SRV_TMP/first.code")"
own=0
for i in $(seq 2 $N); do
  code=$(cat "$BURST_DIR/code.$i" 2>/dev/null)
  bid=$(jq -r .booking_id "$BURST_DIR/out.$i" 2>/dev/null)
  want=$(psql_q "SELECT booking_id FROM bookings WHERE hold_id = ${holds[$((i - 1))]}")
  if [ "$code" = 201 ] && [ "$bid" = "$want" ]; then own=$((own + 1))
  else echo "# client $i: $code $(cat "$BURST_DIR/out.$i" 2>/dev/null) (its hold's booking: $want)"; fi
done
expect_eq "each owner of holds 2..N got 201 with its own hold's booking" $((N - 1)) "$own"
# Hold 1 was confirmed twice by its owner in the burst (clients 1 and N+1); which of the
# two reached lastroomd first is the network's choice: that one is 201, the other 200,
# both with hold 1's booking.
a=$((N + 1)); b=$((N + 2))
want=$(psql_q "SELECT booking_id FROM bookings WHERE hold_id = ${holds[0]}")
expect_eq "hold 1 confirmed twice by its owner: one 201, one 200, both its one booking" \
  "200 $want,201 $want" \
  "$(for i in 1 $a; do echo "$(cat "$BURST_DIR/code.$i") $(jq -r .booking_id "$BURST_DIR/out.$i")"; done \
     | sort | paste -sd,)"
expect_eq "hold 1 confirmed by the other user: 404 hold_not_found" "404 hold_not_found" \
  "$(cat "$BURST_DIR/code.$b") $(jq -r .error.code "$BURST_DIR/out.$b")"
c1=$((N + 3)); c2=$((N + 4)); c3=$((N + 5))
expect_eq "the two requests with one key and one body got the same answer" \
  "$(cat "$BURST_DIR/code.$c1") $(cat "$BURST_DIR/out.$c1")" "$(cat "$BURST_DIR/code.$c2") $(cat "$BURST_DIR/out.$c2")"
reused=$(for i in $c1 $c3; do jq -r .error.code "$BURST_DIR/out.$i"; done | grep -c idempotency_key_reused)
expect_eq "the key's other body, or the two, refused 422 idempotency_key_reused: one side exactly" 1 "$reused"
booked=$(psql_q "SELECT count(*) FROM bookings WHERE room_type_id = $RT AND status = 'Confirmed'")
keyed=$(psql_q "SELECT count(*) FROM bookings WHERE hold_id = $k")
expect_eq "bookings: the first, the N owners', and the keyed hold's if it went" $((N + 1 + keyed)) "$booked"
expect_eq "every night's counters show them" "$booked/$((N + 2 - booked)),$booked/$((N + 2 - booked))" \
  "$(psql_q "SELECT string_agg(booked_count || '/' || tentative_count, ',' ORDER BY date) FROM room_inventory
             WHERE room_type_id = $RT AND date IN ('2031-03-10', '2031-03-11')")"
expect_eq "integrity_report: no violation" 0 \
  "$(psql_q "SELECT coalesce(sum(violations), 0) FROM integrity_report($RT)")"
largest=$(sed -n 's/.*coalesce: \([0-9]*\) confirms in one call.*/\1/p' "$SRV_LOG" | sort -n | tail -1)
check "confirms queued together went as one call (largest: ${largest:-none})" test "${largest:-0}" -ge 2
finish
