#!/usr/bin/env bash
# script_barrier.sh: lr.barrier's timeout and its release report. Three VUs, one of
# which spends its iteration sleeping and never reaches the barrier: past the
# barrier's timeout the two waiting VUs are released (their requests sent, the
# responses marked r.barrier == "timeout") instead of waiting for it, and the run says
# so (barrier_timeouts, the summary line). Five VUs that all arrive are released
# together, round after round (a VU going on to its next iteration is waited for), and
# the spread of their release (first to last request written) is
# reported in µs and exported as barrier_release_spread. r.timings.after_release times
# the answers of an iteration from the instant its barrier opened.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/load_helpers.bash"
source "$(dirname "$0")/script_helpers.bash"
cd "$ROOT" || exit 1

check "the reservation service starts" start_reservations safe
dir=$(mktemp -d); trap 'rm -rf "$dir"; lib_cleanup' EXIT

cat >"$dir/timeout.lua" <<'LUA'
local http = require "lastroom.http"
local lr = require "lastroom"
options = { scenarios = { late = { executor = "per-vu-iterations", vus = 3, iterations = 1 } } }
function default()
  if lr.vu.id == 1 then
    lr.sleep(3)                     -- inside its iteration, never at the barrier
    return
  end
  lr.barrier({ timeout = "200ms" })
  local r = http.get("/healthz")
  lr.check(r, {
    ["released by the timeout"] = function(x) return x.barrier == "timeout" end,
    ["request sent and answered"] = function(x) return x.status == 200 end,
  })
end
LUA
run_script "$dir/timeout.lua" --url "$SVC_URL" --summary-export "$dir/timeout.json"
expect_eq "timeout: the run ends (exit 0) instead of hanging" 0 "$RC"
check "timeout: both waiting VUs were told the barrier timed out" grep -q \
  '✓ released by the timeout: 2 passed, 0 failed' <<<"$OUT"
check "timeout: their requests were sent and answered" grep -q \
  '✓ request sent and answered: 2 passed, 0 failed' <<<"$OUT"
check "timeout: the summary says one release timed out" grep -qE \
  '^lr.barrier: 1 release, spread \(first to last request written\) max [0-9]+ µs, avg [0-9]+ µs; 1 timed out' <<<"$OUT"
expect_eq "timeout: barrier_timeouts is 1 in the JSON export" 1 \
  "$(jq -r '.metrics.barrier_timeouts.values.count' "$dir/timeout.json")"

cat >"$dir/spread.lua" <<'LUA'
local http = require "lastroom.http"
local lr = require "lastroom"
options = { scenarios = { together = { executor = "per-vu-iterations", vus = 5, iterations = 3 } } }
function default()
  lr.barrier({ timeout = "60s" })
  local r = http.get("/healthz")
  lr.check(r, { ["not a timeout"] = function(x) return x.barrier == nil end })
end
LUA
run_script "$dir/spread.lua" --url "$SVC_URL" --summary-export "$dir/spread.json"
expect_eq "spread: the run passes (exit 0)" 0 "$RC"
check "spread: every VU was released by the others' arrival" grep -q \
  '✓ not a timeout: 15 passed, 0 failed' <<<"$OUT"
check "spread: three rounds, each released whole, none timed out, the spread in µs" grep -qE \
  '^lr.barrier: 3 releases, spread \(first to last request written\) max [0-9]+ µs, avg [0-9]+ µs; 0 timed out$' <<<"$OUT"
expect_eq "spread: barrier_release_spread exported (max > 0)" true \
  "$(jq -r '.metrics.barrier_release_spread.values.max > 0' "$dir/spread.json")"
expect_eq "spread: no barrier timed out" 0 \
  "$(jq -r '.metrics.barrier_timeouts.values.count' "$dir/spread.json")"
# r.timings.after_release: from the instant the barrier opened to each answer of the
# iteration. VU 1 reaches the barrier 300 ms after the other two, so the barrier opens
# then: the released request's after_release is its own duration plus at most the
# release's writing (not the 300 ms the others waited parked); a request after a 200 ms
# sleep is at least 200 ms after the release; before the barrier, and in the next
# iteration until its own barrier, there is none.
cat >"$dir/after.lua" <<'LUA'
local http = require "lastroom.http"
local lr = require "lastroom"
options = { scenarios = { after = { executor = "per-vu-iterations", vus = 3, iterations = 2 } } }
function default()
  local r0 = http.get("/healthz")
  lr.check(r0, { ["none before the barrier"] = function(x) return x.timings.after_release == nil end })
  if lr.vu.id == 1 then lr.sleep(0.3) end
  lr.barrier({ timeout = "60s" })
  local r1 = http.get("/healthz")
  lr.check(r1, { ["released: from the opening, not the parking"] = function(x)
    local a, d = x.timings.after_release, x.timings.duration
    return a ~= nil and a >= d and a < d + 100
  end })
  lr.sleep(0.2)
  local r2 = http.get("/healthz")
  lr.check(r2, { ["later: the sleep included"] = function(x)
    local a = x.timings.after_release
    return a ~= nil and a >= 200 + x.timings.duration and a < 2000
  end })
end
LUA
run_script "$dir/after.lua" --url "$SVC_URL"
expect_eq "after_release: the run passes (exit 0)" 0 "$RC"
check "after_release: absent before the barrier, every iteration" grep -q \
  '✓ none before the barrier: 6 passed, 0 failed' <<<"$OUT"
check "after_release: the released request is timed from the barrier's opening" grep -q \
  '✓ released: from the opening, not the parking: 6 passed, 0 failed' <<<"$OUT"
check "after_release: a later request of the iteration includes the sleep" grep -q \
  '✓ later: the sleep included: 6 passed, 0 failed' <<<"$OUT"
finish
