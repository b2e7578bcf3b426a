-- lastroom.lastroomd: lastroomd's API and checks for scripts (load-tests/*.lua).
--
--   world{ nights = N, allotment = A, users = U }   (setup) a hotel, a room type with
--       allotment A on N nights, U users logged in; returns the data VUs get
--   token(data)                  this VU's user token (VUs share users round-robin)
--   book(data, first, n, qty, opts)   (VU) hold nights first..first+n-1, confirm; the
--       attempt goes into the booking history (a refused hold is a refused booking);
--       returns booking_id or nil, the last response, and the hold's response
--   cancel(data, booking_id, nights)  (VU) cancel, recorded in the history
--   verify(data)                 (verify) the room type's nights as verify() answers:
--       { ["RT/date"] = { capacity, stored, ids } }, plus lastroomd's own checks
--       (the operators' queries, counters against tables) as extra findings
-- With DB_URL the state is read with SQL; without it through /api/admin/inventory.
local Q_OVERSOLD, Q_NO_DETAILS = ...
local http = require "lastroom.http"
local lr = require "lastroom"
local history = require "lastroom.history"
local sql = require "lastroom.sql"

local M = {}
local PASSWORD = "script-user-password"

local function must(r, want, what)
  if r.status ~= want then
    error(what .. ": HTTP " .. r.status .. " " .. (r.error or r.body or ""), 2)
  end
  return r:json()
end

function M.login(email, password)
  for _ = 1, 20 do
    local r = http.post("/api/auth/login", { email = email, password = password })
    if r.status == 200 then return r:json().token end
    if r.status ~= 429 then must(r, 200, "login " .. tostring(email)) end
    lr.sleep(0.5)
  end
  error("login " .. email .. ": still rate limited")
end

-- params with the token; the caller adds tags = { name = "..." } as a literal, which
-- gives the request name series of its own
local function bearer(token, expect)
  return { headers = { Authorization = "Bearer " .. token }, expect = expect }
end

local function dates(n)
  local base = os.time{ year = 2031 + math.random(0, 60), month = 1, day = 1, hour = 12 }
  local out = {}
  for i = 0, n do out[#out + 1] = os.date("!%Y-%m-%d", base + i * 86400) end
  return out
end

function M.world(o)
  assert(lr.env.ADMIN_EMAIL and lr.env.ADMIN_PASSWORD, "ADMIN_EMAIL and ADMIN_PASSWORD are needed")
  local admin = bearer(M.login(lr.env.ADMIN_EMAIL, lr.env.ADMIN_PASSWORD))
  local tag = lr.uuid():sub(1, 8)
  local hotel = must(http.post("/api/admin/hotels", { name = "script " .. tag, city = "Test",
                                                      address = "1 Test Street" }, admin),
                     201, "creating the hotel")
  local rt = must(http.post("/api/admin/room-types", { hotel_id = hotel.hotel_id,
                  name = "room " .. tag, capacity = 2, base_price_cents = 10000 }, admin),
                  201, "creating the room type")
  local nights = dates(o.nights or 1)
  must(http.put("/api/admin/inventory", { room_type_id = rt.room_type_id, from = nights[1],
                to = nights[#nights], allotment = o.allotment or 1 }, admin), 200,
       "setting the inventory")
  local tokens = {}
  for i = 1, o.users or 1 do
    local email = "script-" .. tag .. "-" .. i .. "@lastroom.test"
    must(http.post("/api/auth/register", { email = email, password = PASSWORD,
                                           full_name = "Script User" }), 201, "registering")
    tokens[i] = M.login(email, PASSWORD)
  end
  return { room_type_id = rt.room_type_id, nights = nights, tokens = tokens,
           allotment = o.allotment or 1 }
end

function M.token(data)
  return data.tokens[(lr.vu.id - 1) % #data.tokens + 1]
end

function M.keys(data, first, n)
  local keys = {}
  for i = first, first + n - 1 do keys[#keys + 1] = data.room_type_id .. "/" .. data.nights[i] end
  return keys
end

function M.book(data, first, n, qty, opts)
  opts = opts or {}
  local token = M.token(data)
  if opts.barrier then lr.barrier() end
  local h = history.invoke{ keys = M.keys(data, first, n), qty = qty, op = "book" }
  local p = bearer(token, { 409 })
  p.tags = { name = "hold" }
  local r = http.post("/api/holds", { room_type_id = data.room_type_id, check_in = data.nights[first],
                      check_out = data.nights[first + n], quantity = qty }, p)
  if r.status ~= 201 then               -- no hold, so no confirmation was sent: no booking
    h:fail()
    return nil, r, r
  end
  local hold = r:json().hold_id
  p = bearer(token, { 410 })
  p.tags = { name = "confirm" }
  local c = http.post("/api/bookings", { hold_id = hold }, p)
  if c.status == 201 or c.status == 200 then
    local id = c:json().booking_id
    h:ok(id)
    return id, c, r
  elseif c.status >= 400 and c.status < 500 then
    h:fail()
  end                                  -- 5xx or no answer: the outcome is unknown
  return nil, c, r
end

function M.cancel(data, id, first, n, qty)
  local h = history.invoke{ keys = M.keys(data, first, n), qty = qty, op = "cancel", id = id }
  local p = bearer(M.token(data), { 409 })
  p.tags = { name = "cancel" }
  local r = http.post("/api/bookings/" .. id .. "/cancel", nil, p)
  if r.status == 200 then h:ok() elseif r.status >= 400 and r.status < 500 then h:fail() end
  return r
end

local STATE_SQL = [[
SELECT ri.room_type_id || '/' || ri.date AS key, ri.allotment, ri.booked_count,
       ri.tentative_count,
       COALESCE((SELECT sum(bd.quantity) FROM booking_details bd JOIN bookings b USING (booking_id)
                 WHERE bd.room_type_id = ri.room_type_id AND bd.date = ri.date
                   AND b.status = 'Confirmed'), 0) AS confirmed,
       COALESCE((SELECT sum(h.quantity) FROM booking_holds h
                 WHERE h.room_type_id = ri.room_type_id AND ri.date >= h.check_in
                   AND ri.date < h.check_out), 0) AS held
FROM room_inventory ri WHERE ri.room_type_id = $1 ORDER BY ri.date]]

local IDS_SQL = [[
SELECT bd.room_type_id || '/' || bd.date AS key, bd.booking_id, bd.quantity
FROM booking_details bd JOIN bookings b USING (booking_id)
WHERE b.status = 'Confirmed' AND bd.room_type_id = $1]]

local function verify_sql(data, url)
  local db = sql.open(url)
  local state, extra = {}, { overbookings = 0, problems = {} }
  local function problem(fmt, ...) extra.problems[#extra.problems + 1] = fmt:format(...) end
  for _, r in ipairs(db:query(STATE_SQL, data.room_type_id)) do
    local cap, conf, held = tonumber(r.allotment), tonumber(r.confirmed), tonumber(r.held)
    state[r.key] = { capacity = cap, stored = conf, ids = {} }
    if conf <= cap and conf + held > cap then
      extra.overbookings = extra.overbookings + 1
      problem("night %s: %d confirmed + %d held > allotment %d", r.key, conf, held, cap)
    end
    if tonumber(r.booked_count) ~= conf then
      problem("night %s: booked_count %s but %d rooms Confirmed", r.key, r.booked_count, conf)
    end
    if tonumber(r.tentative_count) ~= held then
      problem("night %s: tentative_count %s but %d rooms held", r.key, r.tentative_count, held)
    end
  end
  for _, r in ipairs(db:query(IDS_SQL, data.room_type_id)) do
    if state[r.key] then state[r.key].ids[r.booking_id] = tonumber(r.quantity) end
  end
  local q = "SELECT count(*) AS n FROM (" .. Q_OVERSOLD .. ") q WHERE room_type_id = $1"
  local n = tonumber(db:query(q, data.room_type_id)[1].n)
  if n > 0 then problem("%d nights oversold by their counters (the operators' query)", n) end
  q = "SELECT count(*) AS n FROM (" .. Q_NO_DETAILS .. ") q JOIN bookings b USING (booking_id)"
      .. " WHERE b.room_type_id = $1"
  n = tonumber(db:query(q, data.room_type_id)[1].n)
  if n > 0 then problem("%d Confirmed bookings without details (the operators' query)", n) end
  db:close()
  return state, extra
end

local function verify_api(data)
  local admin = bearer(M.login(lr.env.ADMIN_EMAIL, lr.env.ADMIN_PASSWORD))
  local r = must(http.get(("/api/admin/inventory?room_type_id=%d&from=%s&to=%s"):format(
                 data.room_type_id, data.nights[1], data.nights[#data.nights]), admin),
                 200, "reading the inventory")
  local state = {}
  for _, n in ipairs(r.inventory) do
    state[data.room_type_id .. "/" .. n.date] = { capacity = n.allotment, stored = n.booked_count }
  end
  return state
end

function M.verify(data)
  local url = lr.env.DB_URL
  if url and url ~= "" then return verify_sql(data, url) end
  return verify_api(data)
end

return M
