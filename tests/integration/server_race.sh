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

body='{"room_type_id":'$RT',"check_in":"2031-03-10","check_out":"2031-03-12","quantity":1}'
# The barrier: every client blocks reading one line from a FIFO held open here; once
# all $N have said they are ready, $N lines release them together.
fifo=$SRV_TMP/barrier
mkfifo "$fifo"
exec 3<>"$fifo"
pids=()
for i in $(seq $N); do
  ( : >"$SRV_TMP/ready.$i"
    read -r _ <"$fifo"
    curl -s --max-time 30 -o "$SRV_TMP/out.$i" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
      -H "Authorization: Bearer ${tokens[$((i % USERS))]}" --data-binary "$body" "$SRV_URL/api/holds" \
      >"$SRV_TMP/code.$i" ) &
  pids+=($!)
done
deadline=$((SECONDS + 60))
while [ "$(find "$SRV_TMP" -name 'ready.*' | wc -l)" -lt $N ] && [ $SECONDS -lt $deadline ]; do sleep 0.1; done
printf '%*s' $N '' | tr ' ' '\n' >&3
for p in "${pids[@]}"; do wait "$p"; done
exec 3>&-

created=0; sold_out=0; other=0
for i in $(seq $N); do
  code=$(cat "$SRV_TMP/code.$i" 2>/dev/null)
  if [ "$code" = 201 ]; then created=$((created + 1)); winner=$i
  elif [ "$code" = 409 ] && [ "$(jq -r .error.code "$SRV_TMP/out.$i")" = sold_out ]; then sold_out=$((sold_out + 1))
  else other=$((other + 1)); echo "# client $i: $code $(cat "$SRV_TMP/out.$i" 2>/dev/null)"; fi
done
expect_eq "exactly one hold was granted" 1 "$created"
expect_eq "the other 199 got 409 sold_out" $((N - 1)) "$sold_out"
expect_eq "no other answer" 0 "$other"
expect_eq "the database holds one hold and one room taken per night" "0/2 holds=1 bookings=0 cancelled=0" "$(room_state)"

HOLD=$(jq -r .hold_id "$SRV_TMP/out.$winner")
api POST /api/bookings '{"hold_id":'$HOLD'}' "${tokens[$((winner % USERS))]}"
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
