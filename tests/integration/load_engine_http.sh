#!/usr/bin/env bash
# load_engine_http.sh: lastroom-load's engine against a small real HTTP server (Python's
# http.server on a free loopback port, serving a temporary directory): exact request
# and iteration counts for shared iterations, per-VU iterations and a constant arrival
# rate, failures counted from the status, a failing threshold exiting 99, the
# usage / cannot-run exit codes, and templated paths.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/load_http_helpers.bash"

mkdir -p "$TMP/www"
printf 'hello from the test\n' >"$TMP/www/index.html"
start_file_server "$TMP/www"
check "the test server answers" wait_http "$URL/index.html" 20

run_load --iterations 200 --vus 10 --threads 2 --path /index.html
expect_eq "200 shared iterations exit 0" 0 "$RC"
expect_eq "exactly 200 requests" 200 "$(metric http_reqs count | cut -d. -f1)"
expect_eq "exactly 200 iterations" 200 "$(metric iterations count | cut -d. -f1)"
expect_eq "no request failed" 0 "$(metric http_req_failed passes)"
expect_eq "10 VUs initialised" 10 "$(metric vus_max value | cut -d. -f1)"
expect_eq "bytes were received" true "$(jq '.metrics.data_received.values.count > 200 * 20' "$TMP/summary.json")"

run_load --iterations 30 --vus 3 --path /missing.html
expect_eq "30 requests answered 404 fail the default threshold: exit 99" 99 "$RC"
expect_eq "all 30 counted as failed" 30 "$(metric http_req_failed passes)"
check "the summary marks the threshold failed" grep -q "✗ 'rate<0.01'" "$TMP/out.txt"

run_load --iterations 20 --vus 2 --path /index.html --threshold 'http_req_duration=p(95)<0'
expect_eq "an impossible --threshold exits 99" 99 "$RC"
expect_eq "and the run itself was complete" 20 "$(metric http_reqs count | cut -d. -f1)"

run_load --iterations 20 --vus 2 --path /index.html --threshold 'http_req_duration=p(95)<0' \
  --no-thresholds
expect_eq "--no-thresholds judges none: exit 0" 0 "$RC"

# constant-arrival-rate: 100 iterations/s for 2 s is 200 scheduled starts, each either
# run or counted as dropped, never lost.
run_load --rate 100 --duration 2s --vus 20 --path /index.html
expect_eq "arrival rate exits 0" 0 "$RC"
started=$(metric iterations count | cut -d. -f1)
dropped=$(metric dropped_iterations count | cut -d. -f1)
expect_eq "200 arrivals, run or dropped" 200 "$((started + ${dropped:-0}))"

# ramping-vus from the --stage shortcut ends with every VU stopped.
run_load --stage 1s:4 --stage 1s:0 --path /index.html
expect_eq "ramping-vus exits 0" 0 "$RC"
expect_eq "4 VUs at most" 4 "$(metric vus_max value | cut -d. -f1)"
expect_eq "no interrupted request failed" 0 "$(metric http_req_failed passes)"

run_load --iterations 5 --header 'X-Test: 1' --method POST --body '{"a":1}' --path /index.html
expect_eq "http.server refuses POST: 5 failed requests" 5 "$(metric http_req_failed passes)"

# the start barrier: 20 VUs on 2 threads park with their request written; each round
# releases all of them, so 40 iterations are exactly two bursts of 20.
run_load --iterations 40 --vus 20 --threads 2 --path /index.html --barrier yes
expect_eq "barrier rounds exit 0" 0 "$RC"
expect_eq "every parked request was sent: 40" 40 "$(metric http_reqs count | cut -d. -f1)"
expect_eq "and answered without failure" 0 "$(metric http_req_failed passes)"

# a server that accepts and never answers: every request times out.
SILENT=$(free_port)
python3 -c 'import socket,sys
s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(64); held=[]
while True: held.append(s.accept())' "$SILENT" >/dev/null 2>&1 &
track_pid $!
for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$SILENT") 2>/dev/null && break; sleep 0.1; done
rm -f "$TMP/summary.json"
"$LOAD" run http --url "http://127.0.0.1:$SILENT" --iterations 4 --vus 2 --timeout 300ms \
  --quiet --summary-export "$TMP/summary.json" >/dev/null 2>&1
expect_eq "timeouts fail the default threshold: exit 99" 99 "$?"
expect_eq "4 timeouts counted" 4 "$(metric timeout_errors count | cut -d. -f1)"
expect_eq "4 transport errors under status 0" 4 \
  "$(metric 'http_req_errors{status:0}' count | cut -d. -f1)"
expect_eq "4 failed requests" 4 "$(metric http_req_failed passes)"

"$LOAD" run http --url "http://127.0.0.1:$(free_port)" --iterations 3 --quiet >/dev/null 2>&1
expect_eq "an unreachable target exits 1" 1 "$?"
"$LOAD" run http --url "$URL" --vus 0 --duration 1s --quiet >/dev/null 2>&1
expect_eq "--vus 0 is a usage error: exit 2" 2 "$?"
"$LOAD" run http --url "$URL" --duration 10 --quiet >/dev/null 2>&1
expect_eq "a duration without a unit is a usage error: exit 2" 2 "$?"
"$LOAD" run http --url "$URL" --header 'no colon' --iterations 1 --quiet >/dev/null 2>&1
expect_eq "a malformed --header is a usage error: exit 2" 2 "$?"
"$LOAD" run http --url "$URL" --iterations 1 --users 3 --quiet >/dev/null 2>"$TMP/err.txt"
expect_eq "an option the scenario does not take is a usage error: exit 2" 2 "$?"
check "the message names it and what the scenario takes" grep -q \
  'unknown option --users for the http scenario (it accepts: --method --path' "$TMP/err.txt"
"$LOAD" run last-room --url "$URL" --user 3 --quiet >/dev/null 2>"$TMP/err.txt"
expect_eq "a misspelt booking option is a usage error: exit 2" 2 "$?"
check "naming the option" grep -q 'unknown option --user for the last-room scenario' "$TMP/err.txt"
"$LOAD" run http --url "$URL" --iterations 1 --path '/x/{{rand 9 1}}' --quiet >/dev/null 2>"$TMP/err.txt"
expect_eq "a bad template is a usage error: exit 2" 2 "$?"
check "the message names the option" grep -q '^lastroom-load: http: --path: template:' "$TMP/err.txt"

# templates: one run spread over three files and 4 VUs x 5 iterations of query strings
for i in 0 1 2; do cp "$TMP/www/index.html" "$TMP/www/f$i.html"; done
run_load --iterations 60 --vus 4 --threads 2 --path '/f{{rand 0 2}}.html?vu={{vu}}&i={{iter}}'
expect_eq "a templated path: 60 requests, none failed" "60 0" \
  "$(metric http_reqs count | cut -d. -f1) $(metric http_req_failed passes)"
expect_eq "spread over the three files" 3 \
  "$(grep -o 'GET /f[0-9].html' "$TMP/server.log" | sort -u | wc -l)"
expect_eq "each request its own VU and iteration" 60 \
  "$(grep -o 'GET /f[0-9].html?vu=[0-9]*&i=[0-9]*' "$TMP/server.log" | sed 's/f[0-9].html//' | sort -u | wc -l)"
"$LOAD" list | grep -q '^http ' ; expect_eq "list shows the http scenario" 0 "$?"
finish
