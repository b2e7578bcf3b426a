-- connection-pool-stress.lua: an arrival rate that climbs past what lastroomd's
-- database pool serves at once, so requests queue for connections; answers may slow
-- down or be refused with 503, but none may be wrong: the database must agree with
-- every answer. lastroomd's API; reads API_URL, DB_URL, ADMIN_EMAIL, ADMIN_PASSWORD and
-- PROFILE (quick|full) from lr.env.
local lr = require "lastroom"
local lastroomd = require "lastroom.lastroomd"

local QUICK = lr.env.PROFILE == "quick"
local MAXVUS = QUICK and 100 or 200

options = {
  scenarios = {
    pool = { executor = "ramping-arrival-rate", startRate = 10, timeUnit = "1s",
             preAllocatedVUs = 20, maxVUs = MAXVUS,
             stages = QUICK and { { duration = "3s", target = 100 }, { duration = "3s", target = 100 } }
                            or { { duration = "20s", target = 300 }, { duration = "40s", target = 300 } } },
  },
  thresholds = {
    overbookings = { "count==0" },
    inventory_violations = { "count==0" },
    http_req_duration = { "p(95)<5000" },
    http_req_failed = { "rate<0.1" },
  },
}

function setup()
  -- 8 users shared by every VU: past 5 live holds a user is refused (409
  -- too_many_holds), a clean refusal like sold_out
  return lastroomd.world{ nights = 1, allotment = 20, users = 8 }
end

function default(data)
  local id = lastroomd.book(data, 1, 1, 1)
  if id then lastroomd.cancel(data, id, 1, 1, 1) end
end

function verify(data)
  return lastroomd.verify(data)
end
