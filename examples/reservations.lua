-- examples/reservations.lua: race-test a reservation API that is not lastroomd.
--
-- 50 guests are released together (lr.barrier) at one room of capacity 1; each
-- attempt goes into the booking history (ok, fail, or unknown when no answer came),
-- and verify() reads back what the service stores. lastroom-load reconciles the two
-- and exits 99 if the room was sold twice, a confirmed reservation was lost, or one
-- appeared that no guest was told about.
--
--   tests/reservation_service.py --port 8099 --mode safe &     # or --mode racy
--   lastroom-load run examples/reservations.lua --url http://127.0.0.1:8099
local http = require "lastroom.http"
local lr = require "lastroom"
local history = require "lastroom.history"

local GUESTS = tonumber(lr.env.GUESTS or "50")

options = {
  scenarios = {
    guests = { executor = "per-vu-iterations", vus = GUESTS, iterations = 1,
               maxDuration = "60s" },
  },
  thresholds = { checks = { "rate==1" } },
}

function setup()
  local room = "room-" .. lr.uuid()
  local r = http.post("/v1/rooms", { room = room, capacity = 1 })
  assert(r.status == 201, "creating the room: " .. (r.error or r.status))
  return { room = room }
end

function default(data)
  lr.barrier()                    -- the next request waits for every guest
  local h = history.invoke{ keys = { data.room }, op = "book" }
  local r = http.post("/v1/reservations", { room = data.room, guest = "guest-" .. lr.vu.id },
                      { tags = { name = "reserve" }, expect = { 409 } })
  if r.status == 201 then
    h:ok(r:json().reservation.ref)
  elseif r.status == 409 then
    h:fail()
  end                             -- anything else: left open, the outcome is unknown
  lr.check(r, { ["reserved or full"] = function(x) return x.status == 201 or x.status == 409 end })
end

function verify(data)
  local room = http.get("/v1/rooms/" .. data.room):json()
  local ids = {}
  for _, res in ipairs(room.reservations) do ids[res.ref] = 1 end
  return { [data.room] = { capacity = room.capacity, stored = #room.reservations, ids = ids } }
end
