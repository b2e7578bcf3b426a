-- bench/wrk-health-live.lua: wrk's side of bench row s1: wrk running a Lua request()
-- of its own, so that the three generators each pay for their scripting.
request = function()
  return wrk.format("GET", "/health/live")
end
