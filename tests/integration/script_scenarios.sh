#!/usr/bin/env bash
# script_scenarios.sh: several scenarios in one script run at once, each with its own
# executor, VUs, exec function, env, tags and startTime. Against the reservation service:
# per-vu-iterations "browse" and shared-iterations "buy" starting 2 s later run their
# exact iteration counts (iterations{scenario:NAME} in the summary export), each VU sees
# its own lr.scenario.name and env, VU ids are unique across both, every sample carries
# scenario:NAME (and the scenario's tags), buy's first request comes no earlier than 2 s
# after the process was started (so after the run's start plus its startTime), and a
# threshold filtered by {scenario:NAME} passes or fails the run as it should, and
# lr.barrier waits only for the VUs of its own scenario. Bad
# scenarios (an unknown executor in the second, a negative startTime, exec naming a
# missing function) and a command-line executor that would need a missing default()
# exit 2 before any connection is made.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/load_helpers.bash"
source "$(dirname "$0")/script_helpers.bash"
cd "$ROOT" || exit 1
dir=$(mktemp -d); trap 'rm -rf "$dir"; lib_cleanup' EXIT

check "the reservation service starts" start_reservations safe

cat >"$dir/two.lua" <<'LUA'
local http = require "lastroom.http"
local lr = require "lastroom"
local metrics = require "lastroom.metrics"
local right = metrics.counter("right_scenario")
options = {
  scenarios = {
    browse = { executor = "per-vu-iterations", vus = 3, iterations = 4, exec = "browse",
               env = { WHO = "browser" }, tags = { kind = "read" } },
    buy = { executor = "shared-iterations", vus = 2, iterations = 5, exec = "buy",
            startTime = lr.env.START or "2s", env = { WHO = "buyer" } },
  },
  thresholds = {
    ["iterations{scenario:browse}"] = { "count==12" },
    ["http_reqs{scenario:buy}"] = { "count==5" },
    ["right_scenario{scenario:buy}"] = { "count==5" },
  },
}
local function one(name, who, lo, hi)
  http.get("/healthz")
  if lr.scenario.name == name and lr.env.WHO == who then right:add(1) end
  lr.check(lr.vu.id, { ["VU ids of " .. name] = function(id) return id >= lo and id <= hi end })
end
function browse() one("browse", "browser", 1, 3) end
function buy() one("buy", "buyer", 4, 5) end
function default() one("default", nil, 1, 2) end
LUA
t_launch=$(date +%s.%N)
run_script "$dir/two.lua" --url "$SVC_URL" --summary-export "$dir/two.json" \
  --out json="$dir/two.ndjson"
expect_eq "two scenarios: the run passes (exit 0)" 0 "$RC"
count() { jq -r ".metrics[\"$1\"].values.count" "$dir/two.json"; }
expect_eq "browse ran 3 VUs x 4 iterations" 12 "$(count 'iterations{scenario:browse}')"
expect_eq "buy ran its 5 shared iterations" 5 "$(count 'iterations{scenario:buy}')"
expect_eq "17 iterations in all" 17 "$(count iterations)"
expect_eq "every buy iteration saw lr.scenario.name buy and its env" 5 \
  "$(count 'right_scenario{scenario:buy}')"
expect_eq "every iteration of both saw its own name and env" 17 "$(count right_scenario)"
check "browse's VUs are ids 1-3" grep -q '✓ VU ids of browse: 12 passed, 0 failed' <<<"$OUT"
check "buy's VUs are ids 4-5 (unique across the test)" grep -q \
  '✓ VU ids of buy: 5 passed, 0 failed' <<<"$OUT"
check "the summary names both scenarios, buy with its startTime" grep -qF \
  '* buy: 5 iterations shared among 2 VUs (maxDuration: 10m0s, startTime: 2s, gracefulStop: 30s)' \
  <<<"$OUT"
check "the summary says the run had 2 scenarios, 5 VUs" grep -q \
  'scenarios: 2 scenarios, 5 max VUs' <<<"$OUT"
expect_eq "the export lists the scenarios, in k6's order" "browse per-vu-iterations 0,buy shared-iterations 2" \
  "$(jq -r '[.lastroom.scenarios[] | "\(.name) \(.executor) \(.startTime)"] | join(",")' "$dir/two.json")"
# shellcheck disable=SC2016  # the program is Python's
read -r first_browse first_buy tagged untagged < <(python3 - "$dir/two.ndjson" <<'PY'
import datetime, json, sys
first, tagged, untagged = {}, 0, 0
for line in open(sys.argv[1]):
    p = json.loads(line)
    if p["type"] != "Point" or p["metric"] != "http_reqs":
        continue
    tags = p["data"]["tags"]
    t = p["data"]["time"]  # RFC 3339 with nanoseconds: keep microseconds
    ts = datetime.datetime.strptime(t[:26], "%Y-%m-%dT%H:%M:%S.%f").replace(
        tzinfo=datetime.timezone.utc).timestamp()
    s = tags.get("scenario")
    first[s] = min(first.get(s, ts), ts)
    ok = (s == "browse") == (tags.get("kind") == "read")
    tagged, untagged = tagged + ok, untagged + (not ok)
print(f"{first.get('browse', 0):.6f} {first.get('buy', 0):.6f} {tagged} {untagged}")
PY
)
expect_eq "--out json: every request carries its scenario (browse's with its tag kind)" "17 0" \
  "$tagged $untagged"
check "buy's first request came at least its startTime (2 s) after the process started" \
  python3 -c "import sys; sys.exit(not ($first_buy >= $t_launch + 2))"
check "and after browse's first request" python3 -c "import sys; sys.exit(not ($first_buy > $first_browse))"

run_script "$dir/two.lua" --url "$SVC_URL" --quiet -e START=0s \
  --threshold 'iterations{scenario:buy}=count==6'
expect_eq "a threshold filtered by {scenario:buy} that does not hold fails the run (exit 99)" 99 "$RC"
check "it is the buy threshold that failed, browse's held" grep -qzE \
  "iterations\\{scenario:browse\\}.    ✓ 'count==12' count=12.*iterations\\{scenario:buy\\}.    ✗ 'count==6' count=5" \
  <<<"$OUT"

run_script "$dir/two.lua" --url "$SVC_URL" --quiet --vus 2 --iterations 4 --no-thresholds
expect_eq "--vus/--iterations replace the scenarios with one default (exit 0)" 0 "$RC"
check "the one scenario is default, running default()" grep -qF \
  '* default: 4 iterations shared among 2 VUs' <<<"$OUT"
check "default's VUs saw lr.scenario.name default" grep -q \
  '✓ VU ids of default: 4 passed, 0 failed' <<<"$OUT"

# lr.barrier waits for the VUs of the VU's own scenario only: "idle" sleeps through its
# iteration and never parks, yet "together"'s three are released at once, not by the
# timeout (which a barrier over both scenarios would need).
cat >"$dir/barrier.lua" <<'LUA'
local http = require "lastroom.http"
local lr = require "lastroom"
options = { scenarios = {
  together = { executor = "per-vu-iterations", vus = 3, iterations = 1 },
  idle = { executor = "per-vu-iterations", vus = 1, iterations = 1, exec = "idle" } } }
function default()
  lr.barrier({ timeout = "1s" })
  local r = http.get("/healthz")
  lr.check(r, { ["released by its own scenario"] = function(x) return x.barrier == nil end })
end
function idle() lr.sleep(1.2) end
LUA
run_script "$dir/barrier.lua" --url "$SVC_URL" --quiet
expect_eq "barrier: the run passes (exit 0)" 0 "$RC"
check "barrier: the three were released by their own arrival" grep -q \
  '✓ released by its own scenario: 3 passed, 0 failed' <<<"$OUT"
check "barrier: one release, none timed out" grep -qE '^lr.barrier: 1 release, .*; 0 timed out' \
  <<<"$OUT"

# Bad scenarios: exit 2 before any connection (a listener that writes one line per accept).
port=$(free_port)
python3 -c 'import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(64); print("listening", flush=True)
while True: c, _ = s.accept(); print("accepted", flush=True); c.close()' "$port" >"$dir/accepts" 2>&1 &
track_pid $!
for _ in $(seq 200); do grep -q listening "$dir/accepts" && break; sleep 0.05; done  # bound: 10 s
check "the listener is up before the bad scenarios run" grep -q listening "$dir/accepts"
bad() {   # bad NAME MESSAGE LUA-SCENARIOS [ARGS...]
  local name=$1 msg=$2 scn=$3; shift 3
  printf 'function browse() end\nfunction default() end\noptions = { scenarios = { %s } }\n' \
    "$scn" >"$dir/$name.lua"
  run_script "$dir/$name.lua" --url "http://127.0.0.1:$port" --quiet "$@"
  expect_eq "$name: a usage error (exit 2)" 2 "$RC"
  check "$name: the message says what is wrong" grep -qF "$msg" <<<"$OUT"
}
first='a = { executor = "constant-vus", duration = "1s" }'
bad executor 'options: scenarios.b.executor: one of k6'"'"'s executors' \
  "$first, b = { executor = \"constant-vu\", duration = \"1s\" }"
bad start 'options: scenarios.b.startTime: must not be negative' \
  "$first, b = { executor = \"constant-vus\", duration = \"1s\", startTime = \"-1s\" }"
bad exec 'scenarios.b.exec: no function bruise()' \
  "$first, b = { executor = \"constant-vus\", duration = \"1s\", exec = \"bruise\" }"
printf 'function browse() end\noptions = { scenarios = { a = { executor = "constant-vus", duration = "1s", exec = "browse" }, b = { executor = "constant-vus", duration = "1s", exec = "browse" } } }\n' >"$dir/nodefault.lua"
run_script "$dir/nodefault.lua" --url "http://127.0.0.1:$port" --quiet --duration 1s
expect_eq "no default(): --duration over several scenarios is a usage error (exit 2)" 2 "$RC"
check "no default(): the message says why" grep -qF 'replace the script'"'"'s scenarios with one running default()' <<<"$OUT"
expect_eq "the bad scenarios made no connection" 0 "$(grep -c accepted "$dir/accepts")"
curl -s -m 5 "http://127.0.0.1:$port/" >/dev/null
expect_eq "(the listener does count a connection)" 1 "$(grep -c accepted "$dir/accepts")"
finish
