#!/usr/bin/env bash
# load_http_client.sh: what the http client sends and how it treats answers, against
# load_http_server.py on a loopback port: a 1 MiB body and 8 KiB of headers go out
# whole (through a thread's pool buffer), the user's Content-Type is the only one, the
# caps are usage errors naming the option; same-origin redirects followed, each hop a
# request of its own, and an endless one cut at --max-redirects with a named error;
# a redirect to another origin (a second server) followed there with that origin's
# Host, without the request's Authorization and Cookie headers.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/load_http_helpers.bash"

start_test_server
check "the test server answers" wait_http "$URL/" 20

head -c 1048575 /dev/zero | tr '\0' 'a' >"$TMP/body.txt"
run_load --iterations 3 --vus 2 --method POST --path /upload --body "@$TMP/body.txt" \
  --header 'Content-Type: text/plain'
expect_eq "three 1 MiB posts exit 0" 0 "$RC"
expect_eq "each arrived whole, with the user's Content-Type only" 3 \
  "$(grep -c '^POST /upload len=1048575 ctype=text/plain ctypes=1 ' "$TMP/requests.log")"
run_load --iterations 2 --vus 1 --method POST --path /json --body '{"a":1}'
expect_eq "a body without a Content-Type header gets application/json" 2 \
  "$(grep -c '^POST /json len=7 ctype=application/json ctypes=1 ' "$TMP/requests.log")"

long=$(head -c 8000 /dev/zero | tr '\0' 'h')
run_load --iterations 2 --vus 1 --path /hdr --header "X-Long: $long"
expect_eq "8,000 bytes of header go out: exit 0" 0 "$RC"
expect_eq "and the server saw both requests" 2 "$(grep -c '^GET /hdr ' "$TMP/requests.log")"
run_load --iterations 1 --path /hdr --header "X-Long: $long$long"
expect_eq "16 KB of headers is a usage error: exit 2" 2 "$RC"
check "naming the cap" grep -q 'the headers exceed 8192 bytes' "$TMP/err.txt"
head -c 1048576 /dev/zero >"$TMP/toolarge.bin"
run_load --iterations 1 --method POST --body "@$TMP/toolarge.bin"
expect_eq "a body of 1 MiB + 0 is over the cap: exit 2" 2 "$RC"
check "naming it" grep -q 'is larger than the body cap' "$TMP/err.txt"
run_load --iterations 1 --path "/$(head -c 9000 /dev/zero | tr '\0' p)"
expect_eq "a 9,000-byte path is a usage error: exit 2" 2 "$RC"
check "naming the cap" grep -q -- '--path: at most 8191 bytes' "$TMP/err.txt"

run_load --iterations 3 --vus 1 --path /gzip --header 'Accept-Encoding: gzip' \
  --threshold 'http_req_failed=rate==0'
expect_eq "gzip answers decode without failure: exit 0" 0 "$RC"
expect_eq "fewer bytes received than the 3,400-byte plain body three times" true \
  "$(jq '.metrics.data_received.values.count < 3 * 3400' "$TMP/summary.json")"

run_load --iterations 2 --vus 1 --path /redirect/3
expect_eq "a chain of 3 redirects: exit 0" 0 "$RC"
expect_eq "each hop a request: 2 x 4" 8 "$(metric http_reqs count | cut -d. -f1)"
expect_eq "and the server saw every hop" "2 2" \
  "$(grep -c '^GET /redirect/3 ' "$TMP/requests.log") $(grep -c '^GET /redirect/0 ' "$TMP/requests.log")"
run_load --iterations 1 --vus 1 --path /loop --max-redirects 2 \
  --threshold 'http_reqs{error:too_many_redirects}=count==1' --threshold 'http_reqs=count==3'
expect_eq "an endless redirect stops after --max-redirects 2 and fails: exit 99" 99 "$RC"
check "one request tagged too_many_redirects, three in all" \
  test "$(grep -c "✓ 'count==" "$TMP/out.txt")" = 2
run_load --iterations 1 --vus 1 --path /redirect/2 --max-redirects 0
expect_eq "--max-redirects 0 follows none: one request, a 302 that is not a failure" "0 1" \
  "$RC $(metric http_reqs count | cut -d. -f1)"

away=$(free_port)
python3 "$(dirname "$0")/load_http_server.py" "$away" >"$TMP/away.log" 2>&1 &
track_pid $!
check "the second origin answers" wait_http "http://127.0.0.1:$away/" 20
from=$(($(wc -l <"$TMP/away.log") + 1))
run_load --iterations 2 --vus 1 --path "/away/$away" --header 'Authorization: Bearer secret' \
  --header 'Cookie: user=1' --threshold 'http_req_failed=rate==0'
expect_eq "a redirect to another origin is followed: exit 0, 2 x 2 requests" "0 4" \
  "$RC $(metric http_reqs count | cut -d. -f1)"
expect_eq "the first origin got the credentials" 2 \
  "$(grep -c "^GET /away/$away .* cookie=user=1 .* auth=Bearer secret\$" "$TMP/requests.log")"
expect_eq "the second got the hop with its own Host and neither credential" 2 \
  "$(tail -n "+$from" "$TMP/away.log" | grep -c "^GET /landed .* cookie=- .* host=127.0.0.1:$away auth=-\$")"
finish
