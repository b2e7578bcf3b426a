#!/usr/bin/env bash
# load_results.sh: live metrics, gzipped samples, regression detection and bad input. --metrics-listen
# serves the tester's metrics during a run, and every query of deploy/grafana's
# dashboard names a metric lastroomd or the tester really exports (a checker shown to
# catch a misspelt one). `compare` of a run with itself
# exits 0; of an http run slowed more than tenfold by lastroom-faultproxy's latency
# fault it exits 99 naming http_req_duration p95; `report` draws a report from a
# summary; bad input (corrupt, truncated, other version, other scenario, a histogram
# that does not add up, an unwritable output) is a clear error with exit 1 or 2, decided
# before the run. (The quick race test's report, JUnit and CSV: load_race.sh.)
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/load_helpers.bash"

LOAD=$LASTROOM_BIN/lastroom-load
TMP=$(mktemp -d)
trap 'lib_cleanup; rm -rf "$TMP"' EXIT

check "lastroomd starts" start_lastroomd

# ---- compare ------------------------------------------------------------------------
LPORT=$(free_port); CPORT=$(free_port)
"$LASTROOM_BIN/lastroom-faultproxy" --listen "127.0.0.1:$LPORT" --upstream "${URL#http://}" \
  --control "127.0.0.1:$CPORT" 2>"$TMP/proxy.log" &
track_pid $!
check "the fault proxy answers" wait_http "http://127.0.0.1:$LPORT/health/live" 20
http_run() {   # http_run URL OUT.json [ARGS]: 2 s of /health/live from 4 VUs
  local url=$1 out=$2; shift 2
  "$LOAD" run http --url "$url" --path /health/live --vus 4 --duration 2s --quiet \
    --summary-export "$out" "$@" >/dev/null 2>&1
}
# The base run also serves its metrics: scraped while it runs, then checked, with
# lastroomd's, against every query of the Grafana dashboard.
MPORT=$(free_port)
scrape_tester() {   # poll /metrics until it shows requests (at most 20 s)
  for _ in $(seq 200); do
    curl -sf --max-time 1 "http://127.0.0.1:$MPORT/metrics" -o "$TMP/tester.part" \
      && grep -q '^lastroom_load_http_reqs_total [1-9]' "$TMP/tester.part" \
      && mv "$TMP/tester.part" "$TMP/tester.prom" && return 0
    sleep 0.1
  done
  return 1
}
scrape_tester & scraper=$!
check "the base http run (serving --metrics-listen)" http_run "$URL" "$TMP/base.json" \
  --metrics-listen "127.0.0.1:$MPORT"
wait "$scraper"; expect_eq "Prometheus scraped the tester during the run" 0 "$?"
check "... a summary with quantiles in seconds" \
  grep -qE '^lastroom_load_http_req_duration_seconds\{quantile="0.95"\} [0-9]' "$TMP/tester.prom"
curl -sf "$URL/metrics" -o "$TMP/server.prom"
dash=$(python3 "$ROOT/tests/integration/dashboard_metrics.py" "$ROOT/deploy/grafana/lastroom.json" \
       "$TMP/server.prom" "$TMP/tester.prom"); rc=$?
printf '%s\n' "$dash" | sed 's/^/# /'
expect_eq "every query of the Grafana dashboard names a metric lastroomd or the tester exports" 0 "$rc"
jq '.panels[1].targets[0].expr = "rate(lastroom_holds_createdd_total[30s])"' \
  "$ROOT/deploy/grafana/lastroom.json" >"$TMP/bad-dashboard.json"
dash=$(python3 "$ROOT/tests/integration/dashboard_metrics.py" "$TMP/bad-dashboard.json" \
       "$TMP/server.prom" "$TMP/tester.prom"); rc=$?
expect_eq "... a checker that fails a misspelt metric, naming it" "1 1" \
  "$rc $(grep -c '^missing: lastroom_holds_createdd_total ' <<<"$dash")"
check "deploy/prometheus.yml scrapes both" python3 -c '
import sys, yaml
jobs = {j["job_name"] for j in yaml.safe_load(open(sys.argv[1]))["scrape_configs"]}
sys.exit(jobs != {"lastroomd", "lastroom-load"})' "$ROOT/deploy/prometheus.yml"
check "the CI example runs the quick race test with report and JUnit, and compares" python3 -c '
import sys, yaml
steps = yaml.safe_load(open(sys.argv[1]))["jobs"]["race"]["steps"]
run = "\n".join(s.get("run", "") for s in steps)
sys.exit(not all(w in run for w in ("run race --profile quick", "--report", "--junit", "compare")))' \
  "$ROOT/deploy/github/load-test.yml"
check "the proxy takes the latency fault" "$ROOT/scripts/nemesis.sh" proxy "127.0.0.1:$CPORT" mode latency 25 >/dev/null
check "the slowed http run (its samples to --out json=FILE.gz)" \
  http_run "http://127.0.0.1:$LPORT" "$TMP/slow.json" --out "json=$TMP/slow.ndjson.gz"
expect_eq "the gzipped NDJSON holds one http_reqs point per request" \
  "$(jq -r '.metrics.http_reqs.values.count' "$TMP/slow.json")" \
  "$(zcat "$TMP/slow.ndjson.gz" | jq -c 'select(.type == "Point" and .metric == "http_reqs")' | wc -l)"
p95() { jq -r '.metrics.http_req_duration.values["p(95)"]' "$1"; }
check "the slowdown is at least 10x the base p95 ($(p95 "$TMP/base.json") -> $(p95 "$TMP/slow.json") ms)" \
  awk -v b="$(p95 "$TMP/base.json")" -v s="$(p95 "$TMP/slow.json")" 'BEGIN { exit !(s >= 10 * b) }'
"$LOAD" compare "$TMP/base.json" "$TMP/slow.json" --tolerance 10% >"$TMP/cmp" 2>&1; rc=$?
sed 's/^/# /' "$TMP/cmp"
expect_eq "compare with the slowed run exits 99" 99 "$rc"
check "... naming http_req_duration p95 as regressed" grep -qE '^http_req_duration +p95 .*REGRESSED$' "$TMP/cmp"
"$LOAD" compare "$TMP/base.json" "$TMP/base.json" >"$TMP/cmp" 2>&1; rc=$?
expect_eq "compare of a run with itself exits 0" 0 "$rc"
expect_eq "... with no regression" "0 regressions beyond the tolerance and the noise" "$(tail -1 "$TMP/cmp")"
"$LOAD" report "$TMP/slow.json" -o "$TMP/slow.html" 2>"$TMP/err"; rc=$?
expect_eq "report SUMMARY -o FILE exits 0" 0 "$rc"
expect_eq "... with the four charts" 4 "$(grep -c "<svg id='chart-" "$TMP/slow.html")"

# ---- bad input ----------------------------------------------------------------------
# refused EXPECTED_RC MESSAGE CMD...: the command exits EXPECTED_RC saying MESSAGE.
refused() {
  local want=$1 msg=$2 rc; shift 2
  "$@" >"$TMP/out" 2>"$TMP/err"; rc=$?
  expect_eq "$msg: exit $want" "$want" "$rc"
  check "... saying '$msg'" grep -qF -e "$msg" "$TMP/err"
}
jq '.lastroom.scenario = "race"' "$TMP/base.json" >"$TMP/race.json"
refused 2 "the two runs are of different scenarios (race and http)" \
  "$LOAD" compare "$TMP/race.json" "$TMP/base.json"
head -c 2000 "$TMP/base.json" >"$TMP/truncated.json"
refused 1 "not valid JSON (corrupt or truncated?)" "$LOAD" compare "$TMP/truncated.json" "$TMP/base.json"
printf '{"format": "lastroom-summary", "version": 1, "metrics": {"x": 3}' >"$TMP/corrupt.json"
refused 1 "not valid JSON (corrupt or truncated?)" "$LOAD" report "$TMP/corrupt.json" -o "$TMP/x.html"
jq '.version = 2' "$TMP/base.json" >"$TMP/v2.json"
refused 1 "summary version 2 is not one this program reads (it reads version 1)" \
  "$LOAD" report "$TMP/v2.json" -o "$TMP/x.html"
jq '.metrics.http_req_duration.histogram.count += 1' "$TMP/base.json" >"$TMP/badhist.json"
refused 1 "series http_req_duration: histogram: buckets hold" \
  "$LOAD" compare "$TMP/base.json" "$TMP/badhist.json"
refused 2 "--report $TMP/no-such-dir/r.html cannot be written" \
  "$LOAD" run race --profile quick --url "$URL" --report "$TMP/no-such-dir/r.html"
expect_eq "... before the run (nothing ran)" "" "$(grep -i 'running\|setup' "$TMP/out" "$TMP/err")"
refused 2 "--junit $TMP cannot be written (it is a folder)" \
  "$LOAD" run race --profile quick --url "$URL" --junit "$TMP"
refused 2 "-o $TMP/no-such-dir/x.html cannot be written" \
  "$LOAD" report "$TMP/base.json" -o "$TMP/no-such-dir/x.html"
refused 2 "compare: bad --tolerance (e.g. 10% or 0.1): ten" \
  "$LOAD" compare "$TMP/base.json" "$TMP/base.json" --tolerance ten
expect_eq "no file was left behind by the refused writes" "" \
  "$(find "$TMP" -maxdepth 1 \( -name '*.tmp' -o -name x.html \) -print)"
finish
