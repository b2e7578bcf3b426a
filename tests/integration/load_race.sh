#!/usr/bin/env bash
# load_race.sh: the race scenario's quick profile (ramping to 50 users over a small
# allotment) passes: rooms sell out, clients are refused cleanly, nothing is oversold,
# and the database agrees with every answer. The same run writes the summary
# (version 1, histograms, timeline), the HTML report, JUnit and CSV; headless Chromium
# (JavaScript blocked) renders the report and every chart has drawn pixels
# (report_pixels.py), a checker shown to fail charts whose lines are taken out.
# LASTROOM_SCREENSHOT_OUT=FILE.png keeps the screenshot (make docs-screenshot).
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/load_helpers.bash"

check "lastroomd starts" start_lastroomd
TMP=$(mktemp -d); trap 'rm -rf "$TMP"; lib_cleanup' EXIT
export_file=$TMP/race.json
FRAMES=("#606265" "#606267" "#606269" "#60626b")   # REPORT_FRAME_COLORS in report.h

run_load run race --profile quick --url "$URL" --db "$LASTROOM_TEST_DB" \
  --summary-export "$export_file" --report "$TMP/race.html" --junit "$TMP/race.xml" \
  --out "csv=$TMP/race.csv" --history-out "$TMP/history.ndjson"
expect_eq "race (quick) exits 0" 0 "$RC"
expect_eq "no overbooking" 0 "$(verdict_field 'Overbookings Detected')"
ok_n=$(verdict_field 'Successful Bookings'); refused=$(verdict_field 'Failed Bookings')
check "some bookings succeeded (${ok_n:-none})" test "${ok_n:-0}" -gt 0
check "rooms sold out and clients were refused (${refused:-none})" test "${refused:-0}" -gt 0
expect_eq "JSON successful_bookings agrees" "$ok_n" \
  "$(jq -r '.metrics.successful_bookings.values.count' "$export_file")"
expect_eq "JSON inventory_violations is 0" 0 \
  "$(jq -r '.metrics.inventory_violations.values.count' "$export_file")"
rt=$(run_room_type)
expect_eq "the operators' first query finds nothing for the run's room type" 0 \
  "$(psql_q "SELECT count(*) FROM room_inventory WHERE room_type_id = ${rt:-0} AND (booked_count + tentative_count) > allotment")"
expect_eq "no night holds more Confirmed details than rooms" 0 "$(psql_q "
  SELECT count(*) FROM room_inventory ri WHERE ri.room_type_id = ${rt:-0} AND ri.allotment <
    (SELECT COALESCE(sum(bd.quantity), 0) FROM booking_details bd JOIN bookings b USING (booking_id)
      WHERE b.status = 'Confirmed' AND bd.room_type_id = ri.room_type_id AND bd.date = ri.date)")"
# ---- what the run wrote ----------------------------------------------------------------
expect_eq "--history-out: one line per attempt, then the dropped count" \
  "$(jq -r '.lastroom.verify.attempts + 1' "$export_file")" "$(wc -l <"$TMP/history.ndjson")"
expect_eq "--history-out: its confirmed attempts are the successful bookings" "$ok_n" \
  "$(grep -c '"outcome":"ok"' "$TMP/history.ndjson")"
expect_eq "the summary is version 1" 1 "$(jq -r .version "$TMP/race.json")"
expect_eq "http_req_duration's histogram holds every answered request" \
  "$(jq -r '.metrics.http_reqs.values.count - (.metrics["http_req_errors{status:0}"].values.count // 0)' "$TMP/race.json")" \
  "$(jq -r '.metrics.http_req_duration.histogram.count' "$TMP/race.json")"
expect_eq "the timeline counts every request" \
  "$(jq -r '.metrics.http_reqs.values.count' "$TMP/race.json")" \
  "$(jq -r '[.timeline.requests[]] | add' "$TMP/race.json")"
expect_eq "the timeline is marked not mergeable" false "$(jq -r .timeline.mergeable "$TMP/race.json")"
junit=$(python3 - "$TMP/race.xml" <<'EOF'
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
print(' '.join('%s:%s/%s' % (s.get('name'), len(s.findall('testcase')), len(s.findall('testcase/failure')))
               for s in root.findall('testsuite')))
EOF
)
expect_eq "JUnit: 7 threshold cases and 6 verification cases, none failed" \
  "thresholds:7/0 verification:6/0" "$junit"
expect_eq "CSV: k6's header" "metric_name,timestamp,metric_value,check,error,error_code,expected_response,group,method,name,proto,scenario,service,status,subproto,tls_version,url,extra_tags,metadata" \
  "$(head -1 "$TMP/race.csv")"
expect_eq "CSV: one http_reqs row per request" \
  "$(jq -r '.metrics.http_reqs.values.count' "$TMP/race.json")" \
  "$(grep -c '^http_reqs,' "$TMP/race.csv")"
expect_eq "the report has the four charts" 4 "$(grep -c "<svg id='chart-" "$TMP/race.html")"
expect_eq "the report has no script and fetches nothing" 0 \
  "$(grep -ciE '<script|src=|href=|@import|url\(' "$TMP/race.html")"

# ---- the report in a browser --------------------------------------------------------
# shoot HTML PNG HEIGHT: a headless Chromium screenshot, in a fresh profile whose
# preferences block JavaScript on every page.
shoot() {
  rm -rf "$TMP/profile"; mkdir -p "$TMP/profile/Default"
  echo '{"profile": {"default_content_setting_values": {"javascript": 2}}}' \
    >"$TMP/profile/Default/Preferences"
  timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-background-networking \
    --disable-component-update --disable-sync --no-first-run --user-data-dir="$TMP/profile" \
    --hide-scrollbars --window-size="960,$3" --screenshot="$2" "file://$1" \
    >"$TMP/chromium.log" 2>&1 </dev/null
  test -s "$2"
}
check "Chromium renders the report" shoot "$TMP/race.html" "$TMP/race.png" 1250
pixels=$(python3 "$ROOT/tests/integration/report_pixels.py" "$TMP/race.png" "${FRAMES[@]}"); prc=$?
printf '%s\n' "$pixels" | sed 's/^/# /'
expect_eq "each of the four charts is drawn" "0 4" "$prc $(grep -c ': drawn$' <<<"$pixels")"
if [ -n "${LASTROOM_SCREENSHOT_OUT:-}" ] && [ "$prc" -eq 0 ]; then cp "$TMP/race.png" "$LASTROOM_SCREENSHOT_OUT"; fi
sed "s/<polyline[^>]*>//g" "$TMP/race.html" >"$TMP/blank.html"   # charts without their lines
check "Chromium renders the report without lines" shoot "$TMP/blank.html" "$TMP/blank.png" 700
pixels=$(python3 "$ROOT/tests/integration/report_pixels.py" "$TMP/blank.png" "${FRAMES[0]}" "${FRAMES[1]}"); prc=$?
printf '%s\n' "$pixels" | sed 's/^/# /'
expect_eq "the checker fails charts without lines, naming both" "1 2" "$prc $(grep -c ': EMPTY$' <<<"$pixels")"

"$LASTROOM_BIN/lastroom-load" report "$TMP/race.json" -o "$TMP/again.html"
expect_eq "the report redrawn from the summary (report -o) is the same page" "" \
  "$(diff "$TMP/race.html" "$TMP/again.html" 2>&1 | head -3)"

finish
