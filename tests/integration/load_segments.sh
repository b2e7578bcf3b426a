#!/usr/bin/env bash
# load_segments.sh: one last-room test split into three execution segments run as
# three processes on the same setup data, released together by --start-at, merged
# into one run with exactly one winner over all histories; and merge refusing a
# missing part, a truncated one and parts of different seeds, never saying PASS then.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/load_helpers.bash"

check "lastroomd starts" start_lastroomd
dir=$(mktemp -d); trap 'rm -rf "$dir"; lib_cleanup' EXIT
seq=0,1/3,2/3,1

run_load setup last-room --profile quick --url "$URL" --setup-out "$dir/setup.json"
expect_eq "setup exits 0" 0 "$RC"
expect_eq "the setup data names one hotel" 1 "$(jq '[.hotel_id] | length' "$dir/setup.json")"
expect_eq "and the 50 users the whole test shares" 50 "$(jq '.users | length' "$dir/setup.json")"

run_load run last-room --profile quick --url "$URL" --start-at 2020-01-01T00:00:00Z
expect_eq "a --start-at in the past is a usage error" 2 "$RC"
check "which says so" grep -q 'start-at is in the past' <<<"$OUT"
run_load run last-room --profile quick --url "$URL" --start-at 2099-01-01T00:00:00Z
expect_eq "one past the run's duration too" 2 "$RC"
check "saying the wait counts in it" grep -q 'further away than the run lasts' <<<"$OUT"

at=$(date -u -d '+5 seconds' +%Y-%m-%dT%H:%M:%SZ)
pids=()
for i in 0 1 2; do
  ADMIN_EMAIL=$LOAD_ADMIN_EMAIL ADMIN_PASSWORD=$LOAD_ADMIN_PASSWORD \
    "$LASTROOM_BIN/lastroom-load" run last-room --profile quick --url "$URL" --quiet \
    --setup-data "$dir/setup.json" --execution-segment "$i/3:$((i + 1))/3" \
    --execution-segment-sequence "$seq" --start-at "$at" --threads 1 \
    --summary-export "$dir/part$i.json" --history-out "$dir/hist$i.jsonl" \
    >"$dir/out$i" 2>&1 &
  pids+=($!)
done
for i in 0 1 2; do
  wait "${pids[$i]}"; rc=$?
  sed 's/^/# part '"$i"': /' "$dir/out$i"
  expect_eq "part $i ran (exit 0)" 0 "$rc"
  check "part $i judged no verdict of its own" grep -q '^No verdict here' "$dir/out$i"
done
expect_eq "the parts' attempts add up to the test's 50" 50 \
  "$(cat "$dir"/hist*.jsonl | jq -s '[.[] | select(.vu != null)] | length')"
expect_eq "their VU numbers are 0..49, none twice" "0 49 50" \
  "$(cat "$dir"/hist*.jsonl | jq -rs '[.[] | .vu // empty] | unique | "\(min) \(max) \(length)"')"

run_load merge --db "$LASTROOM_TEST_DB" --history "$dir/hist0.jsonl" \
  --history "$dir/hist1.jsonl" --history "$dir/hist2.jsonl" \
  "$dir/part0.json" "$dir/part1.json" "$dir/part2.json"
expect_eq "merge exits 0" 0 "$RC"
expect_eq "exactly one winner over all parts" 1 "$(verdict_field 'Successful Bookings')"
expect_eq "49 clean refusals" 49 "$(verdict_field 'Failed Bookings')"
expect_eq "no overbooking" 0 "$(verdict_field 'Overbookings Detected')"
expect_eq "50 attempts" 50 "$(verdict_field 'Total Booking Attempts')"
check "merge says PASS" grep -q '^merged verdict: PASS (0 thresholds failed, 0 checks fired)$' <<<"$OUT"
holds=$(jq -s '[.[].metrics["http_req_duration{name:hold}"].histogram.count // 0] | add' \
  "$dir"/part*.json)
check "the merged hold latency counts every part's holds" grep -q \
  "^  http_req_duration{name:hold} .*($holds)\$" <<<"$OUT"

run_load merge --db "$LASTROOM_TEST_DB" --history "$dir/hist0.jsonl" \
  --history "$dir/hist2.jsonl" "$dir/part0.json" "$dir/part2.json"
expect_eq "a missing part: no verdict (exit 1)" 1 "$RC"
check "merge names the missing segment" grep -q 'the part for segment 1/3:2/3 is missing' <<<"$OUT"
expect_eq "and never says PASS" 0 "$(grep -c PASS <<<"$OUT")"

# a broken path: one history claims a confirmed booking the database never made
{ grep -v dropped "$dir/hist1.jsonl"
  grep -m1 '"outcome":"refused"' "$dir/hist1.jsonl" |
    jq -c '.outcome = "ok" | .hold_id = 999999999 | .booking_id = 999999999'
  grep dropped "$dir/hist1.jsonl"; } >"$dir/forged.jsonl"
run_load merge --db "$LASTROOM_TEST_DB" --history "$dir/hist0.jsonl" \
  --history "$dir/forged.jsonl" --history "$dir/hist2.jsonl" \
  "$dir/part0.json" "$dir/part1.json" "$dir/part2.json"
expect_eq "a booking told but not in the database fails the merge (exit 99)" 99 "$RC"
check "missing_confirmed fires, with the seen oversale it implies" grep -q \
  '^  checks fired: oversold_seen=1, missing_confirmed=1, night_bounds=1$' <<<"$OUT"
check "naming the forged booking" grep -q '^  \[missing_confirmed\] booking 999999999 ' <<<"$OUT"
check "and the merge says FAIL" grep -q '^merged verdict: FAIL' <<<"$OUT"

head -c 300 "$dir/part1.json" >"$dir/cut.json"
run_load merge "$dir/part0.json" "$dir/cut.json" "$dir/part2.json"
expect_eq "a truncated part: no verdict (exit 1)" 1 "$RC"
check "merge names the truncated file" grep -q "$dir/cut.json" <<<"$OUT"

jq '.lastroom.seed = "7"' "$dir/part1.json" >"$dir/seed7.json"
run_load merge "$dir/part0.json" "$dir/seed7.json" "$dir/part2.json"
expect_eq "parts of different seeds: usage error" 2 "$RC"
check "merge says why" grep -q 'different seeds' <<<"$OUT"

head -n 3 "$dir/hist1.jsonl" >"$dir/hcut.jsonl"
run_load merge --db "$LASTROOM_TEST_DB" --history "$dir/hist0.jsonl" \
  --history "$dir/hcut.jsonl" --history "$dir/hist2.jsonl" \
  "$dir/part0.json" "$dir/part1.json" "$dir/part2.json"
expect_eq "a truncated history: no verdict (exit 1)" 1 "$RC"
check "merge names it" grep -q 'hcut.jsonl: truncated' <<<"$OUT"

k8s=$(python3 -c '
import sys, yaml
docs = {d["metadata"]["name"]: d for d in yaml.safe_load_all(open(sys.argv[1]))}
parts = docs["lastroom-parts"]["spec"]
args = parts["template"]["spec"]["containers"][0]["args"][0]
print(parts["completionMode"], parts["completions"], parts["parallelism"],
      "--start-at" in args, "lastroom-merge" in docs)' "$ROOT/deploy/k8s/segments.yaml")
expect_eq "deploy/k8s runs the three parts as one Indexed Job at once, then a merge" \
  "Indexed 3 3 True True" "$k8s"
finish
