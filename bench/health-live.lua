-- bench/health-live.lua: the script side of bench row s1: one GET /health/live per
-- iteration, as the built-in http scenario and wrk with bench/wrk-health-live.lua do.
local http = require "lastroom.http"

function default()
  http.get("/health/live")
end
