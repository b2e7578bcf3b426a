-- stress-test.lua: a constant crowd books and cancels on a small room type for a
-- while; latency and errors are judged by thresholds, and the database must agree with
-- every answer afterwards. lastroomd's API; reads API_URL, DB_URL, ADMIN_EMAIL,
-- ADMIN_PASSWORD, VUS and PROFILE (quick|full) from lr.env.
local lr = require "lastroom"
local lastroomd = require "lastroom.lastroomd"

local QUICK = lr.env.PROFILE == "quick"
local VUS = tonumber(lr.env.VUS or "100")

options = {
  scenarios = {
    stress = { executor = "constant-vus", vus = VUS, duration = QUICK and "10s" or "120s",
               gracefulStop = QUICK and "15s" or "30s" },
  },
  thresholds = {
    overbookings = { "count==0" },
    inventory_violations = { "count==0" },
    ["http_req_duration{name:hold}"] = { "p(95)<5000" },
    ["http_req_duration{name:confirm}"] = { "p(95)<5000" },
    http_req_failed = { "rate<0.1" },
  },
}

function setup()
  return lastroomd.world{ nights = 2, allotment = 10, users = (VUS + 4) // 5 }
end

function default(data)
  local first = math.random(1, 2)
  local id = lastroomd.book(data, first, 1, 1)
  if id and math.random() < 0.5 then lastroomd.cancel(data, id, first, 1, 1) end
end

function verify(data)
  return lastroomd.verify(data)
end
