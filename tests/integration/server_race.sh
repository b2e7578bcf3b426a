#!/usr/bin/env bash
# server_race.sh: 200 HTTP clients released together against one room with allotment 1:
# exactly one hold, 199 clean 409 sold_out, one booking after confirming, and every
# invariant of integrity_report at zero afterwards.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/server_common.sh"

N=200    # the pool wait is raised below: this test is about correctness, not speed
USERS=10
srv_start --pool-wait 20s || { nok "lastroomd starts"; finish; exit 1; }
admin_token
new_room 1
tokens=()
for i in $(seq $USERS); do new_user; tokens+=("$USER_TOKEN"); done
check "$USERS users logged in" test "${#tokens[@]}" -eq $USERS -a -n "${tokens[$((USERS - 1))]}"

body='{"room_type_id":'"$RT"',"check_in":"2031-03-10","check_out":"2031-03-12","quantity":1}'
burst_begin
for i in $(seq $N); do burst_add POST /api/holds "$body" "${tokens[$((i % USERS))]}"; done
burst_go

created=0; sold_out=0; other=0
for i in $(seq $N); do
  code=$(cat "$BURST_DIR/code.$i" 2>/dev/null)
  if [ "$code" = 201 ]; then created=$((created + 1)); winner=$i
  elif [ "$code" = 409 ] && [ "$(jq -r .error.code "$BURST_DIR/out.$i")" = sold_out ]; then sold_out=$((sold_out + 1))
  else other=$((other + 1)); echo "# client $i: $code $(cat "$BURST_DIR/out.$i" 2>/dev/null)"; fi
done
expect_eq "exactly one hold was granted" 1 "$created"
expect_eq "the other 199 got 409 sold_out" $((N - 1)) "$sold_out"
expect_eq "no other answer" 0 "$other"
expect_eq "the database holds one hold and one room taken per night" "0/2 holds=1 bookings=0 cancelled=0" "$(room_state)"

HOLD=$(jq -r .hold_id "$BURST_DIR/out.$winner")
api POST /api/bookings '{"hold_id":'"$HOLD"'}' "${tokens[$((winner % USERS))]}"
expect_eq "the winner confirms: 201 Confirmed" "201 Confirmed" "$HTTP_STATUS $(jf .status)"
expect_eq "one booking, the room sold on both nights" "2/0 holds=0 bookings=1 cancelled=0" "$(room_state)"
api GET "/api/admin/integrity?room_type_id=$RT" "" "$ADMIN"
expect_eq "integrity: every check at zero" "200 true 0" "$HTTP_STATUS $(jf .ok) $(jf .violations)"
expect_eq "no check reported anything" "0" "$(jf '[.checks[]] | add')"
api GET "/api/availability?room_type_id=$RT&check_in=2031-03-10&check_out=2031-03-12"
expect_eq "availability shows 0 left" "0" "$(jf '.room_types[0].min_available')"
api GET /metrics
check "metrics counted 199 sold out" grep -q '^lastroom_sold_out_total 199$' <<<"$HTTP_BODY"
srv_stop
expect_eq "lastroomd exits 0 after the race" 0 "$SRV_RC"
finish
