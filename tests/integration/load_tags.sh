#!/usr/bin/env bash
# load_tags.sh: every sample carries its tags, and thresholds can select any of them.
# Against Python's http.server on a loopback port: thresholds on status, method, name
# and expected_response series and on a combination of them, a run tag (--tag), the
# NDJSON points with all their tags, a threshold on a series with no sample failing
# with "no data" (the typo that used to pass), an unknown metric or tag key as a usage
# error, :abort stopping a run early, --summary-trend-stats, and a base URL with a
# path prefix.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/load_http_helpers.bash"

mkdir -p "$TMP/www/v1"
printf 'hello\n' >"$TMP/www/index.html"
printf 'prefixed\n' >"$TMP/www/v1/index.html"
start_file_server "$TMP/www"
check "the test server answers" wait_http "$URL/index.html" 20

# 7 answers 200: thresholds on tagged series see exactly those samples.
run_load --iterations 7 --vus 1 --path /index.html --tag env=ci \
  --threshold 'http_reqs{status:200}=count==7' \
  --threshold 'http_reqs{method:GET, status:200}=count==7' \
  --threshold 'http_req_duration{name:/index.html}=max>=0' \
  --threshold 'http_reqs{expected_response:true,scenario:http}=count==7' \
  --threshold 'http_reqs{env:ci}=count==7'
expect_eq "thresholds on status, method, name, expected_response and --tag pass: exit 0" 0 "$RC"
expect_eq "the status series counted 7" 7 "$(metric 'http_reqs{status:200}' count | cut -d. -f1)"
expect_eq "the combined series, keys in name order" 7 \
  "$(metric 'http_reqs{method:GET,status:200}' count | cut -d. -f1)"

# the reported case: a threshold on 201s of a run that got only 200s has no data.
run_load --iterations 7 --vus 1 --path /index.html --threshold 'http_reqs{status:201}=count<=1'
expect_eq "a threshold on a series without samples fails: exit 99" 99 "$RC"
check "the summary says no data" grep -q "✗ 'count<=1' no data" "$TMP/out.txt"
run_load --iterations 3 --vus 1 --path /index.html --threshold 'timeout_errors=count==0'
expect_eq "a metric's own counter without samples is a measured 0: exit 0" 0 "$RC"

# 404s are tagged status:404 and expected_response:false.
run_load --iterations 5 --vus 1 --path /missing.html --no-thresholds \
  --threshold 'http_req_failed{status:404}=rate==1'
expect_eq "--no-thresholds drops --threshold too: exit 0" 0 "$RC"
run_load --iterations 5 --vus 1 --path /missing.html \
  --threshold 'http_reqs{status:404,expected_response:false}=count==5' \
  --threshold 'http_req_failed=rate<=1'
expect_eq "the 404s are in their series (the default threshold fails): exit 99" 99 "$RC"
check "the 404 threshold passed" grep -q "✓ 'count==5'" "$TMP/out.txt"

run_load --iterations 1 --path /index.html --threshold 'http_reqz=count>0'
expect_eq "an unknown metric is a usage error: exit 2" 2 "$RC"
check "naming it" grep -q "unknown metric 'http_reqz'" "$TMP/err.txt"
run_load --iterations 1 --path /index.html --threshold 'http_reqs{stauts:200}=count>0'
expect_eq "an unknown tag key is a usage error: exit 2" 2 "$RC"
check "naming it and the known keys" grep -q "unknown tag key 'stauts' (known: method status" "$TMP/err.txt"
run_load --iterations 1 --path /index.html --threshold 'http_reqs=count>0:stop'
expect_eq "a bad threshold option is a usage error: exit 2" 2 "$RC"
run_load --iterations 1 --path /index.html --tag status=1
expect_eq "--tag on a built-in key is a usage error: exit 2" 2 "$RC"

# :abort ends a long run at the first evaluation after its delay.
run_load --vus 2 --duration 60s --path /missing.html --threshold 'http_req_failed=rate<0.5:abort:1s'
expect_eq "an aborting threshold exits 99" 99 "$RC"
expect_eq "long before 60 s: fewer requests than a minute would make" true \
  "$(jq '.state.testRunDurationMs < 30000' "$TMP/summary.json")"

# --out json: each point carries its tags.
run_load --iterations 2 --vus 1 --path /index.html --tag env=ci --out "json=$TMP/points.json"
expect_eq "two http_reqs points, each with method, status, name, scenario, env" 2 \
  "$(jq -c 'select(.type=="Point" and .metric=="http_reqs") | .data.tags
            | select(.method=="GET" and .status=="200" and .name=="/index.html"
                     and .scenario=="http" and .env=="ci" and .expected_response=="true")' \
        "$TMP/points.json" | wc -l)"

# --summary-trend-stats chooses the trend columns.
run_load --iterations 7 --vus 1 --path /index.html --summary-trend-stats 'avg,p(99.9),count'
check "the trend lines show avg, p(99.9) and count, and nothing else" grep -Eq \
  '^    http_req_duration\.+: avg=[^ ]+ +p\(99\.9\)=[^ ]+ +count=7$' "$TMP/out.txt"
run_load --iterations 1 --path /index.html --summary-trend-stats 'avg,p95'
expect_eq "an unknown statistic is a usage error: exit 2" 2 "$RC"

# a base URL with a path prefix: every request goes under it.
URL=http://127.0.0.1:$PORT/v1/ run_load --iterations 3 --vus 1 --path /index.html
expect_eq "a prefixed base URL exits 0" 0 "$RC"
expect_eq "3 requests to /v1/index.html" 3 "$(grep -c 'GET /v1/index.html' "$TMP/server.log")"
finish
