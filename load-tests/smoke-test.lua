-- smoke-test.lua: every endpoint of a booking's life answers as documented, under a
-- little load: health, hotels, availability, hold, confirm, read back, cancel. Then
-- the database must agree with every answer. lastroomd's API; reads API_URL, DB_URL,
-- ADMIN_EMAIL, ADMIN_PASSWORD and PROFILE (quick|full) from lr.env.
local http = require "lastroom.http"
local lr = require "lastroom"
local lastroomd = require "lastroom.lastroomd"

local QUICK = lr.env.PROFILE == "quick"
local VUS = 10

options = {
  scenarios = {
    smoke = { executor = "constant-vus", vus = VUS, duration = QUICK and "5s" or "30s",
              gracefulStop = "10s" },
  },
  thresholds = {
    overbookings = { "count==0" },
    inventory_violations = { "count==0" },
    checks = { "rate>0.99" },
    http_req_failed = { "rate<0.1" },
  },
}

function setup()
  return lastroomd.world{ nights = 2, allotment = 3, users = (VUS + 4) // 5 }
end

local function status(want)
  return function(r) return r.status == want end
end

function default(data)
  local auth = { headers = { Authorization = "Bearer " .. lastroomd.token(data) } }
  lr.check(http.get("/health/live", { tags = { name = "health" } }), { ["health 200"] = status(200) })
  lr.check(http.get("/api/hotels", { tags = { name = "hotels" } }), { ["hotels 200"] = status(200) })
  local av = http.get(("/api/availability?room_type_id=%d&check_in=%s&check_out=%s"):format(
    data.room_type_id, data.nights[1], data.nights[3]), { tags = { name = "availability" } })
  lr.check(av, { ["availability 200"] = status(200) })
  local id, r = lastroomd.book(data, 1, 2, 1)
  lr.check(r, { ["booked, or refused as sold out"] = function(x)
    return x.status == 201 or x.status == 409
  end })
  if id then
    local b = http.get("/api/bookings/" .. id, { headers = auth.headers, tags = { name = "booking" } })
    lr.check(b, { ["booking reads back Confirmed"] = function(x)
      return x.status == 200 and x:json().status == "Confirmed"
    end })
    lr.check(lastroomd.cancel(data, id, 1, 2, 1), { ["cancel 200"] = status(200) })
  end
  lr.sleep(0.1)
end

function verify(data)
  return lastroomd.verify(data)
end
