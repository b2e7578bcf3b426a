-- last-room-test.lua: the last room. VUS guests (default 50) are released together at
-- one room type with one room on one night: exactly one may get it, every other answer
-- must be a clean refusal (409 sold_out), and the database must agree with what each
-- guest was told. lastroomd's API; reads API_URL, DB_URL, ADMIN_EMAIL, ADMIN_PASSWORD,
-- VUS, USERS and PROFILE from lr.env. USERS (default one per five guests, within
-- lastroomd's live-hold cap) is the accounts the guests share: each costs two password
-- hashes in setup; only the winner's hold lives, so fewer suffice for large runs.
--
--   lastroom-load run load-tests/last-room-test.lua -e API_URL=http://127.0.0.1:8080 \
--       -e DB_URL=postgresql://... -e ADMIN_EMAIL=... -e ADMIN_PASSWORD=...
local lr = require "lastroom"
local lastroomd = require "lastroom.lastroomd"

local VUS = tonumber(lr.env.VUS or "50")
local USERS = tonumber(lr.env.USERS or "0") or 0
if USERS < 1 then USERS = (VUS + 4) // 5 end

options = {
  scenarios = {
    last_room = { executor = "shared-iterations", vus = VUS, iterations = VUS,
                  maxDuration = "120s" },
  },
  thresholds = {
    overbookings = { "count==0" },
    inventory_violations = { "count==0" },
    checks = { "rate==1" },
    ["http_req_duration{name:hold}"] = { "p(95)<2000" },
    ["http_req_duration{name:confirm}"] = { "p(95)<2000" },
  },
}

function setup()
  -- one hold per guest: five guests per user stay within lastroomd's live-hold cap
  return lastroomd.world{ nights = 1, allotment = 1, users = USERS }
end

function default(data)
  local _, r = lastroomd.book(data, 1, 1, 1, { barrier = true })
  lr.check(r, { ["booked, or refused as sold out"] = function(x)
    return x.status == 201 or x.status == 409
  end })
end

function verify(data)
  return lastroomd.verify(data)
end
