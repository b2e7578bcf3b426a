#!/usr/bin/env bash
# load_mixed.sh: the mixed profile against the real functions passes with every check
# quiet, and really is the wider workload: two room types verified, stays of several
# rooms, confirms sent after their hold's expiry (lastroomd with a 1 s hold TTL, a
# sweeper every 200 ms) answered 410 or 404, repeated cancels, replays answering the
# booking told first, bookings cancelled by two VUs at once, and the nights reconciled
# exactly. It runs on a scratch database with the inventory change log
# (tests/inventory-log.sql), so that every sold_out answer is judged too, and none is
# found false.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/load_helpers.bash"

check "a scratch database" scratch_db lastroom_mixed
LOAD_DB=$SCRATCH_DB check "lastroomd starts (1 s holds)" start_lastroomd --hold-ttl 1s \
  --sweep-interval 200ms
check "the inventory change log is installed" "$ROOT/scripts/mutant.sh" log "$SCRATCH_DB"
export_file=$(mktemp)
trap 'rm -f "$export_file"; lib_cleanup; psql_q "DROP DATABASE IF EXISTS lastroom_mixed WITH (FORCE)" >/dev/null' EXIT

run_load run smoke --profile mixed --url "$URL" --db "$SCRATCH_DB" --quiet \
  --summary-export "$export_file"
expect_eq "smoke (mixed) exits 0" 0 "$RC"
lr() { jq -r ".lastroom.$1" "$export_file"; }
expect_eq "the profile is named in the export" mixed "$(lr profile)"
expect_eq "no check fired" "" "$(lr 'verify.fired | join(",")')"
expect_eq "the nights were reconciled exactly" true "$(lr verify.exact)"
check "two room types were verified" grep -q '^Verification (database; room type [0-9]* and [0-9]*, 5 nights' <<<"$OUT"
for f in several_rooms late_confirms repeated_cancels replays concurrent_cancels; do
  n=$(lr "workload.$f")
  check "the workload has $f (${n:-none})" test "${n:-0}" -gt 0
done
judged=$(sed -n 's/.*sold_out answers judged by the inventory change log: \([0-9]*\)$/\1/p' <<<"$OUT")
check "sold_out answers were judged by the log (${judged:-none})" test "${judged:-0}" -gt 0
check "some bookings succeeded" test "$(verdict_field 'Successful Bookings')" -gt 0
expect_eq "every check of the run passed (late confirms refused, replays the same booking)" \
  "1" "$(jq -r '.metrics.checks.values.rate' "$export_file")"

run_load run last-room --profile mixed --url "$URL"
expect_eq "a scenario without a mixed profile refuses it (usage, exit 2)" 2 "$RC"
check "and says so" grep -q 'no such profile' <<<"$OUT"
finish
