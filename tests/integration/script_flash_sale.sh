#!/usr/bin/env bash
# script_flash_sale.sh: load-tests/flash-sale.lua, small: 50 rooms, 500 guests released
# together, each trying hold then confirm, users shared and lastroomd's per-user cap
# off. Against lastroomd: exit 0, exactly 50 booked, every other guest refused
# sold_out, every answer timed from the release, the database agreeing. Against the
# racy booking path (the mutant `unsafe`): exit 99 with the overbooking reported.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/load_helpers.bash"
source "$(dirname "$0")/script_helpers.bash"
cd "$ROOT" || exit 1

VUS=500
ROOMS=50
flash() {
  run_script load-tests/flash-sale.lua -e "API_URL=$URL" -e "DB_URL=${LOAD_DB:-$LASTROOM_TEST_DB}" \
    -e "ADMIN_EMAIL=$LOAD_ADMIN_EMAIL" -e "ADMIN_PASSWORD=$LOAD_ADMIN_PASSWORD" \
    -e VUS=$VUS -e ROOMS=$ROOMS -e USERS=10 --summary-export "$TMP/$1.json"
}
metric() { jq -r ".metrics[\"$2\"].values.$3" "$TMP/$1.json"; }
TMP=$(mktemp -d); trap 'rm -rf "$TMP"; lib_cleanup' EXIT

check "lastroomd starts (per-user cap off)" start_lastroomd --max-holds-per-user 0 --max-connections 2000
flash safe
expect_eq "flash-sale.lua passes (exit 0)" 0 "$RC"
expect_eq "exactly $ROOMS booked" $ROOMS "$(verdict_field 'Successful Bookings')"
expect_eq "every other guest refused" $((VUS - ROOMS)) "$(verdict_field 'Failed Bookings')"
expect_eq "the script counted $ROOMS confirmed" $ROOMS "$(metric safe flash_confirmed count)"
expect_eq "and $((VUS - ROOMS)) refused sold_out" $((VUS - ROOMS)) "$(metric safe flash_sold_out count)"
expect_eq "every hold answered 201 or 409" 0 "$(metric safe 'http_req_failed{name:hold}' passes)"
expect_eq "every answer timed from the release" $VUS "$(jq -r '.metrics.answer_after_release.histogram.count' "$TMP/safe.json")"
check "one release of all $VUS" grep -q '^lr.barrier: 1 release, ' <<<"$OUT"
# the room type the script's setup just made (the tests run one at a time)
expect_eq "the night: $ROOMS booked, none held" "$ROOMS|$ROOMS|0" \
  "$(psql_q "SELECT allotment, booked_count, tentative_count FROM room_inventory
             WHERE room_type_id = (SELECT max(room_type_id) FROM room_types)")"

check "lastroomd (racy booking path) starts" start_lastroomd_racy --max-holds-per-user 0 --max-connections 2000
flash racy
expect_eq "flash-sale.lua against the racy path exits 99" 99 "$RC"
check "the overbooking is reported ($(verdict_field 'Overbookings Detected'))" \
  test "$(verdict_field 'Overbookings Detected')" -gt 0
finish
