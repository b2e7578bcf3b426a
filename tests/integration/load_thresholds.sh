#!/usr/bin/env bash
# load_thresholds.sh: a threshold that cannot pass makes a clean run exit 99, and the
# summary marks it failed while the verdict still reports no overbooking.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/load_helpers.bash"

check "lastroomd starts" start_lastroomd

run_load run last-room --profile quick --url "$URL" --db "$LASTROOM_TEST_DB" \
  --threshold 'successful_bookings=count>1'
expect_eq "an impossible threshold exits 99" 99 "$RC"
check "the threshold is marked failed" grep -q "✗ 'count>1' count=1" <<<"$OUT"
check "the verdict still says no overbooking" grep -q '^✅ NO OVERBOOKING DETECTED' <<<"$OUT"
expect_eq "one successful booking" 1 "$(verdict_field 'Successful Bookings')"
finish
