-- flash-sale.lua: a flash sale. ROOMS rooms (default 1,000) of one room type on one
-- night, VUS guests (default 10,000) released together from the start barrier, each
-- trying to hold one room and confirm it. Exactly ROOMS guests must get a booking, every
-- other one a clean refusal (409 sold_out on the hold), and the database must agree with
-- what each guest was told. The trend answer_after_release is, per guest, the time from
-- the barrier's release (the instant every guest was parked and the engine began
-- writing their holds: r.timings.after_release) to its last answer (the confirm's, or
-- the refused hold's); its max is the figure "every answer within N s of the release".
-- hold_after_release is the same for the hold's answer alone. With ROOMS=1 this is the
-- last room.
-- lastroomd's API; reads API_URL, DB_URL, ADMIN_EMAIL, ADMIN_PASSWORD, VUS, ROOMS and
-- USERS from lr.env. USERS (default 100) is the accounts the guests share; lastroomd
-- must run with --max-holds-per-user 0 (the per-user cap off), or most holds would be
-- refused too_many_holds rather than sold_out.
--
--   lastroom-load run load-tests/flash-sale.lua -e API_URL=http://127.0.0.1:8080 \
--       -e DB_URL=postgresql://... -e ADMIN_EMAIL=... -e ADMIN_PASSWORD=... \
--       -e VUS=10000 -e ROOMS=1000
local lr = require "lastroom"
local lastroomd = require "lastroom.lastroomd"
local metrics = require "lastroom.metrics"

local VUS = tonumber(lr.env.VUS or "10000")
local ROOMS = tonumber(lr.env.ROOMS or "1000")
local USERS = tonumber(lr.env.USERS or "100")

local confirmed = metrics.counter("flash_confirmed")
local sold_out = metrics.counter("flash_sold_out")
local answer = metrics.trend("answer_after_release", true)
local hold_answer = metrics.trend("hold_after_release", true)

options = {
  scenarios = {
    flash_sale = { executor = "shared-iterations", vus = VUS, iterations = VUS,
                   maxDuration = "300s" },
  },
  thresholds = {
    overbookings = { "count==0" },
    inventory_violations = { "count==0" },
    checks = { "rate==1" },
    flash_confirmed = { "count==" .. ROOMS },
    flash_sold_out = { "count==" .. (VUS - ROOMS) },
  },
}

function setup()
  return lastroomd.world{ nights = 1, allotment = ROOMS, users = USERS }
end

function default(data)
  local id, last, hold = lastroomd.book(data, 1, 1, 1, { barrier = true })
  hold_answer:add(hold.timings.after_release)
  answer:add(last.timings.after_release)
  local refused = hold.status == 409 and hold:json().error.code == "sold_out"
  if id then confirmed:add(1) elseif refused then sold_out:add(1) end
  lr.check(id or refused, { ["booked, or refused as sold out"] = function(x) return x end })
end

function verify(data)
  return lastroomd.verify(data)
end
