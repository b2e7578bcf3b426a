#!/usr/bin/env bash
# script_http_client.sh: what a Lua script sees of the http client's answers: r.headers
# holds the answer's headers under k6's canonical names, with their exact values
# (lastroomd's Content-Type on a 401, and Retry-After on the 429 that follows ten
# failed logins for one email).
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/load_helpers.bash"
source "$(dirname "$0")/script_helpers.bash"
TMP=$(mktemp -d); trap 'rm -rf "$TMP"; lib_cleanup' EXIT

check "lastroomd starts" start_lastroomd
cat >"$TMP/headers.lua" <<'LUA'
local http = require "lastroom.http"
local lr = require "lastroom"
function default()
  local email = "limited-" .. lr.uuid() .. "@lastroom.test"
  http.post("/api/auth/register", { email = email, password = "right-password" })
  local body = { email = email, password = "wrong-password" }
  for i = 1, 30 do
    local r = http.post("/api/auth/login", body, { expect = { 401, 429 } })
    if i == 1 then
      print(string.format("first: %d content-type=%s", r.status,
                          tostring(r.headers["Content-Type"])))
    end
    if r.status == 429 then
      print(string.format("throttled: retry-after=%s lower-case=%s", r.headers["Retry-After"],
                          tostring(r.headers["retry-after"])))
      return
    end
  end
  print("never throttled")
end
LUA
run_script "$TMP/headers.lua" --url "$URL" --vus 1 --iterations 1 --quiet
expect_eq "the header script exits 0" 0 "$RC"
check "a 401's Content-Type is application/json" grep -qx \
  '# first: 401 content-type=application/json' <<<"$(printf '%s\n' "$OUT" | sed 's/^/# /')"
ra=$(sed -n 's/^throttled: retry-after=\([0-9]*\) lower-case=nil$/\1/p' <<<"$OUT")
check "the 429 carries Retry-After (seconds, 1..60), under its canonical name only" \
  test -n "$ra" -a "${ra:-0}" -ge 1 -a "${ra:-0}" -le 60
finish
