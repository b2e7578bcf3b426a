#!/usr/bin/env bash
# load_coalescing_off.sh: the race and last-room scenarios pass with lastroomd's
# batching off (--hold-batch 0 --confirm-batch 0: one hold and one confirm per
# transaction), as they do with it on in load_race.sh and load_last_room.sh. The debug
# log proves it was off: not one batched call (server_hold_batch.sh and
# server_confirm_batch.sh show the same log line when it is on).
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/load_helpers.bash"

check "lastroomd starts with batching off" start_lastroomd --hold-batch 0 --confirm-batch 0 \
  --log-level debug
log=$LOAD_LOGDIR/$(basename "$0" .sh)-lastroomd-$LOAD_SRV_N.log

run_load run last-room --profile quick --url "$URL" --db "$LASTROOM_TEST_DB"
expect_eq "last-room exits 0" 0 "$RC"
expect_eq "last-room: exactly one successful booking" 1 "$(verdict_field 'Successful Bookings')"
expect_eq "last-room: 49 clean refusals" 49 "$(verdict_field 'Failed Bookings')"
expect_eq "last-room: no overbooking" 0 "$(verdict_field 'Overbookings Detected')"

run_load run race --profile quick --url "$URL" --db "$LASTROOM_TEST_DB"
expect_eq "race exits 0" 0 "$RC"
expect_eq "race: no overbooking" 0 "$(verdict_field 'Overbookings Detected')"
check "race: the verification found no inventory violation" grep -q \
  '^  inventory violations: 0 ' <<<"$OUT"
ok_n=$(verdict_field 'Successful Bookings')
check "race: some bookings succeeded (${ok_n:-none})" test "${ok_n:-0}" -gt 0

check "the log is there to read" test -s "$log"
expect_eq "no hold or confirm went in a batch" 0 "$(grep -c 'coalesce: ' "$log")"
finish
