#!/usr/bin/env bash
# script_example.sh: a Lua script race-tests an API that is not lastroomd
# (examples/reservations.lua against tests/reservation_service.py): 50 guests released
# together at one room. The safe service passes with one reservation; the racy one
# (check, then act) sells the room several times and the script's reconciliation
# catches it: exit 99, the overbooking named with its key and evidence.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/load_helpers.bash"
source "$(dirname "$0")/script_helpers.bash"
cd "$ROOT" || exit 1

check "the safe reservation service starts" start_reservations safe
export_file=$(mktemp); trap 'rm -f "$export_file"; lib_cleanup' EXIT
run_script examples/reservations.lua --url "$SVC_URL" --quiet --summary-export "$export_file"
expect_eq "safe service: the example passes (exit 0)" 0 "$RC"
expect_eq "safe service: one guest got the room" 1 "$(verdict_field 'Successful Bookings')"
expect_eq "safe service: 49 were told it is full" 49 "$(verdict_field 'Failed Bookings')"
expect_eq "safe service: no overbooking" 0 "$(verdict_field 'Overbookings Detected')"
check "safe service: the verdict line says passed" grep -q \
  '^✅ NO OVERBOOKING DETECTED - System passed race condition test!$' <<<"$OUT"
expect_eq "safe service: overbookings is 0 in the JSON export" 0 \
  "$(jq -r '.metrics.overbookings.values.count' "$export_file")"
expect_eq "safe service: every request was named reserve" 50 \
  "$(jq -r '.metrics["http_reqs{name:reserve}"].values.count' "$export_file")"

# A script written for wrk runs unchanged: wrk's table, request/response/done hooks,
# and per-thread globals.
cat >"$export_file.wrk.lua" <<'LUA'
counter = 0
wrk.method = "GET"
wrk.headers["X-Test"] = "1"
request = function()
  counter = counter + 1
  return wrk.format(nil, "/healthz", { ["X-N"] = tostring(counter) })
end
response = function(status, headers, body)
  if status ~= 200 or not body:find('"ok"') then error("unexpected answer " .. status) end
end
done = function(summary, latency, requests)
  print(string.format("wrk done: %d requests, p99 > 0: %s", summary.requests,
                      tostring(latency:percentile(99) > 0)))
end
LUA
run_script "$export_file.wrk.lua" --url "$SVC_URL" --vus 2 --iterations 10 --quiet
rm -f "$export_file.wrk.lua"
expect_eq "a wrk script runs unchanged (exit 0)" 0 "$RC"
check "wrk script: done() saw the 10 requests and their latency" grep -q \
  '^wrk done: 10 requests, p99 > 0: true$' <<<"$OUT"
check "wrk script: no iteration failed in response()" test "$(grep -c 'script error' <<<"$OUT")" = 0

# The rest of the API on one run: lr.shared, lr.open, custom metrics with thresholds,
# lr.vu.state, json, env (from -e and the scenario), uuid, the scenario's exec and name.
api=$(mktemp -d)
printf 'hello\n' >"$api/data.txt"
cat >"$api/api.lua" <<'LUA'
local http = require "lastroom.http"
local lr = require "lastroom"
local metrics = require "lastroom.metrics"
local words = lr.shared("words", function() return { "a", "b", "c" } end)
local text = lr.open("data.txt")
local hits = metrics.counter("api_hits")
local lat = metrics.trend("api_latency", true)
options = {
  scenarios = { s = { executor = "per-vu-iterations", vus = 3, iterations = 4, exec = "run",
                      env = { FROM_SCENARIO = "yes" } } },
  thresholds = { api_hits = { "count==12" }, api_latency = { "max<60000" }, checks = { "rate==1" } },
}
function run()
  local st = lr.vu.state
  st.n = (st.n or 0) + 1
  local r = http.get("/healthz", { tags = { name = "health" } })
  hits:add(1)
  lat:add(r.timings.duration)
  lr.check(r, {
    ["json"] = function(x) return x:json().ok == true end,
    ["state is per VU"] = function() return st.n == lr.vu.iteration + 1 end,
    ["shared"] = function() return #words == 3 and words[2] == "b" end,
    ["open"] = function() return text == "hello\n" end,
    ["json round trip"] = function() return lr.json.decode(lr.json.encode({ a = { 1, 2 } })).a[2] == 2 end,
    ["env"] = function() return lr.env.FROM_SCENARIO == "yes" and lr.env.GIVEN == "1" end,
    ["uuid"] = function() return #lr.uuid() == 36 end,
    ["scenario"] = function() return lr.scenario.name == "s" end,
  })
end
LUA
run_script "$api/api.lua" --url "$SVC_URL" --quiet -e GIVEN=1
rm -rf "$api"
expect_eq "the API script passes (exit 0)" 0 "$RC"
for c in json "state is per VU" shared open "json round trip" env uuid scenario; do
  check "API: check '$c' passed in all 12 iterations" grep -q "✓ $c: 12 passed, 0 failed" <<<"$OUT"
done
check "API: the custom counter's threshold held (count==12)" grep -q "✓ 'count==12' count=12" <<<"$OUT"

check "the racy reservation service starts" start_reservations racy
run_script examples/reservations.lua --url "$SVC_URL" --quiet --summary-export "$export_file"
expect_eq "racy service: the example fails with exit 99" 99 "$RC"
ok_n=$(verdict_field 'Successful Bookings')
check "racy service: more than one guest was told yes (got '$ok_n')" test "${ok_n:-0}" -gt 1
expect_eq "racy service: the room is reported oversold" 1 "$(verdict_field 'Overbookings Detected')"
check "racy service: the evidence names the stored count against the capacity" grep -qE \
  "overbooking: stored more than the capacity: key room-[0-9a-f-]+, expected at most 1, got $ok_n\$" <<<"$OUT"
check "racy service: the evidence lists the acknowledged attempts" grep -qE \
  '^    VU [0-9]+ book ok qty 1 id [0-9a-f]{32} sent' <<<"$OUT"
check "racy service: the verdict line says failed" grep -q \
  '^❌ OVERBOOKING DETECTED - System failed race condition test!$' <<<"$OUT"
expect_eq "racy service: overbookings is 1 in the JSON export" 1 \
  "$(jq -r '.metrics.overbookings.values.count' "$export_file")"
finish
