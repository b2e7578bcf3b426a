-- race-condition-test.lua: many guests book, confirm and cancel overlapping stays on a
-- room type with few rooms, so that every night is fought over; afterwards the
-- database must agree with every answer (no room sold twice at any moment, no
-- acknowledged booking lost, none that nobody was told about). Every hold waits at
-- lr.barrier for the other guests inside an iteration, so the guests race in rounds:
-- each round's holds reach the server together, whatever the ramp. Every guest has an
-- account of its own: lastroomd runs one account's holds one after the other, so
-- shared accounts would queue a round's holds instead of racing them. lastroomd's API;
-- reads API_URL, DB_URL, ADMIN_EMAIL, ADMIN_PASSWORD and PROFILE (quick|full) from lr.env.
local lr = require "lastroom"
local lastroomd = require "lastroom.lastroomd"

local QUICK = lr.env.PROFILE == "quick"
local PEAK = QUICK and 20 or 50
local NIGHTS, ROOMS = 3, 5

options = {
  scenarios = {
    race = { executor = "ramping-vus", startVUs = 0, gracefulRampDown = "10s",
             stages = QUICK and { { duration = "2s", target = PEAK }, { duration = "4s", target = PEAK },
                                  { duration = "1s", target = 0 } }
                            or { { duration = "10s", target = PEAK }, { duration = "40s", target = PEAK },
                                 { duration = "10s", target = 0 } } },
  },
  thresholds = {
    overbookings = { "count==0" },
    inventory_violations = { "count==0" },
    ["http_req_duration{name:hold}"] = { "p(95)<2000" },
    ["http_req_duration{name:confirm}"] = { "p(95)<2000" },
    http_req_failed = { "rate<0.1" },
  },
}

function setup()
  return lastroomd.world{ nights = NIGHTS, allotment = ROOMS, users = PEAK }
end

function default(data)
  local first = math.random(1, NIGHTS)
  local n = math.random(1, NIGHTS - first + 1)
  local qty = math.random(1, 2)
  local id, r = lastroomd.book(data, first, n, qty, { barrier = true })
  lr.check(r, { ["booked, or refused as sold out"] = function(x)
    return x.status == 201 or x.status == 409
  end })
  if id and math.random() < 0.3 then
    lastroomd.cancel(data, id, first, n, qty)
  end
end

function verify(data)
  return lastroomd.verify(data)
end
