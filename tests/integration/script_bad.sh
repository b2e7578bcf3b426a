#!/usr/bin/env bash
# script_bad.sh: bad scripts get a clear answer and never crash or hang the tester
# (run under ASan): a syntax error exits 2 naming file and line before anything is sent;
# a runtime error, an endless loop, a state past its memory cap, a global assigned from
# VU code, io/os.execute/require from disk, and writing setup's data each fail only the
# iteration, with the message in the summary, while the other VUs go on; an error in
# setup or verify exits 1; a key verify() leaves out is a violation (exit 99).
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/load_helpers.bash"
source "$(dirname "$0")/script_helpers.bash"
cd "$ROOT" || exit 1
dir=$(mktemp -d); trap 'rm -rf "$dir"; lib_cleanup' EXIT

check "the reservation service starts" start_reservations safe

printf 'local lr = require "lastroom"\nfunction default()\n  local x = = 1\nend\n' >"$dir/syntax.lua"
run_script "$dir/syntax.lua" --url http://127.0.0.1:9 --quiet
expect_eq "syntax error: exit 2" 2 "$RC"
check "syntax error: the message names file and line" grep -q "$dir/syntax.lua:3: unexpected symbol near '='" <<<"$OUT"
check "syntax error: nothing was run (no summary)" test "$(grep -c 'TOTAL RESULTS' <<<"$OUT")" = 0

# VU 1 fails in its own way each time, VUs 2 and 3 are healthy and must go on.
cat >"$dir/bad.lua" <<'LUA'
local http = require "lastroom.http"
local lr = require "lastroom"
local CASE = lr.env.CASE
options = { scenarios = { s = { executor = "per-vu-iterations", vus = 3, iterations = 2 } } }
function setup() return { list = { 1, 2 } } end
function default(data)
  if lr.vu.id == 1 then
    if CASE == "error" then error("the script's own error") end
    if CASE == "loop" then while true do end end
    if CASE == "memory" then local t = {} for i = 1, 1e8 do t[i] = ("x"):rep(64) .. i end end
    if CASE == "global" then counter = 1 end
    if CASE == "io" then io.open("/etc/passwd") end
    if CASE == "execute" then os.execute("true") end
    if CASE == "require" then require "socket" end
    if CASE == "data" then data.list[1] = 5 end
    if CASE == "barrier" then lr.barrier() end
  end
  local r = http.get("/healthz")
  lr.check(r, { ["healthy"] = function(x) return x.status == 200 end })
end
LUA
bad_case() {   # bad_case CASE MESSAGE-REGEX [EXTRA ARGS]
  local c=$1 msg=$2; shift 2
  run_script "$dir/bad.lua" --url "$SVC_URL" --quiet -e CASE="$c" "$@"
  expect_eq "$c: the run completes (exit 0)" 0 "$RC"
  check "$c: the message is in the summary, twice (VU 1's two iterations)" grep -qE \
    "^script error \\(2 iterations\\): $msg" <<<"$OUT"
  check "$c: the other VUs went on: 4 healthy checks" grep -q '✓ healthy: 4 passed, 0 failed' <<<"$OUT"
  check "$c: counted in script_errors" grep -qE '^ +script_errors\.+: 2 ' <<<"$OUT"
}
bad_case error ".*bad.lua:8: the script's own error"
bad_case loop ".*bad.lua:9: stopped after 1000000 instructions without yielding" --max-instructions 1000000
bad_case memory "the state's memory cap was reached \\(--memory-max\\)" --memory-max 4
check "memory: the state at its cap is reported" grep -q 'Lua state at its memory cap (4 MiB' <<<"$OUT"
bad_case global ".*bad.lua:11: assigning the global 'counter' after the init context.*lr\\.vu\\.state"
bad_case io ".*bad.lua:12: attempt to index a nil value \\(global 'io'\\)"
bad_case execute ".*bad.lua:13: attempt to call a nil value \\(field 'execute'\\)"
bad_case require ".*bad.lua:14: module 'socket' not found"
bad_case data ".*bad.lua:15: this table is read-only"

run_script "$dir/bad.lua" --url "$SVC_URL" --quiet -e CASE=none --max-instructions 5
expect_eq "a bad --max-instructions is a usage error (exit 2)" 2 "$RC"

cat >"$dir/arrival.lua" <<'LUA'
local http = require "lastroom.http"
local lr = require "lastroom"
options = { scenarios = { s = { executor = "constant-arrival-rate", rate = 5, duration = "1s",
                                preAllocatedVUs = 2 } } }
function default() lr.barrier() http.get("/healthz") end
LUA
run_script "$dir/arrival.lua" --url "$SVC_URL" --quiet
check "lr.barrier under an arrival-rate executor is refused with the reason" grep -qE \
  '^script error \([0-9]+ iterations?\): .*lr.barrier under an arrival-rate executor' <<<"$OUT"

printf 'function setup() error("no room today") end\nfunction default() end\n' >"$dir/setup.lua"
run_script "$dir/setup.lua" --url "$SVC_URL" --quiet
expect_eq "an error in setup exits 1" 1 "$RC"
check "an error in setup is shown with its line" grep -q "setup.lua:1: no room today" <<<"$OUT"

cat >"$dir/verify.lua" <<'LUA'
local history = require "lastroom.history"
function default() history.record{ key = "K1", outcome = "ok" } history.record{ key = "K2", outcome = "fail" } end
function verify() if os.getenv("BROKEN") then error("cannot read the system") end
  return { K1 = { capacity = 1, stored = 1 } } end
LUA
run_script "$dir/verify.lua" --url "$SVC_URL" --quiet -e BROKEN=1
expect_eq "an error in verify exits 1" 1 "$RC"
check "an error in verify is shown" grep -q "verify(): .*verify.lua:3: cannot read the system" <<<"$OUT"
run_script "$dir/verify.lua" --url "$SVC_URL" --quiet --no-thresholds
expect_eq "a key verify() leaves out exits 99, thresholds or not" 99 "$RC"
check "the missing key is named" grep -q "key attempted but missing from verify(): key K2" <<<"$OUT"
finish
