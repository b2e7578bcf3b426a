#!/usr/bin/env bash
# script_http_client.sh: what a Lua script sees of the http client's answers: r.headers
# holds the answer's headers under k6's canonical names, with their exact values
# (lastroomd's Content-Type on a 401, and Retry-After on the 429 that follows ten
# failed logins for one email). Cookies: what a server sets goes back on the VU's later
# requests that match its path, not on others, not once expired, and not into the next
# iteration (k6 empties the jar per iteration); a redirect's cookie goes with the hop
# it leads to. Cookies are checked against load_http_server.py's request log. k6's
# per-request params.redirects and options.maxRedirects cap the hops followed.
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

# requests FROM: "path:cookie" for each request logged from line FROM on
requests() {
  tail -n "+$1" "$TMP/requests.log" \
    | sed -n 's/^[A-Z]* \([^ ]*\) .* cookie=\(.*\) tls_resumed=.* host=.*/\1:\2/p' | paste -sd' '
}
port=$(free_port)
python3 "$(dirname "$0")/load_http_server.py" "$port" >"$TMP/requests.log" 2>&1 &
track_pid $!
check "the cookie server answers" wait_http "http://127.0.0.1:$port/" 20
cat >"$TMP/cookies.lua" <<'LUA'
local http = require "lastroom.http"
function default()
  http.get("/cookie/set")
  http.get("/cookie/check")
  http.get("/elsewhere/x")
  http.get("/plain")
end
LUA
from=$(($(wc -l <"$TMP/requests.log") + 1))
run_script "$TMP/cookies.lua" --url "http://127.0.0.1:$port" --vus 1 --iterations 2 --quiet
expect_eq "the cookie script exits 0" 0 "$RC"
one='/cookie/set:- /cookie/check:session=abc /elsewhere/x:other=1 /plain:-'
expect_eq "each request carried the cookies for its path, per iteration afresh" \
  "$one $one" "$(requests "$from")"
cat >"$TMP/redirects.lua" <<'LUA'
local http = require "lastroom.http"
options = { maxRedirects = 2 }
function default()
  local one = http.get("/redirect/3", { redirects = 1 })
  local none = http.get("/redirect/3", { redirects = 0 })
  local three = http.get("/redirect/3", { redirects = 3 })
  local dflt = http.get("/redirect/3")
  print(string.format("redirects: %d %d %d %d", one.status, none.status, three.status,
                      dflt.status))
end
LUA
run_script "$TMP/redirects.lua" --url "http://127.0.0.1:$port" --vus 1 --iterations 1 --quiet
check "params.redirects 1 and 0 stop at a 302, 3 follows all, options.maxRedirects 2 stops" \
  grep -qx 'redirects: 302 302 200 302' <<<"$OUT"
from=$(($(wc -l <"$TMP/requests.log") + 1))
run_load run http --url "http://127.0.0.1:$port" --path /cookie/redirect --iterations 1 \
  --quiet --threshold 'http_req_failed=rate==0'
expect_eq "a redirect that sets a cookie: exit 0 (the hop passed /cookie/check)" 0 "$RC"
expect_eq "the hop carried the cookie" "/cookie/redirect:- /cookie/check:session=abc" \
  "$(requests "$from")"
finish
