#!/usr/bin/env bash
# load_openapi.sh: lastroom-load openapi on lastroomd's own document (docs/openapi.yaml
# as the JSON lastroomd serves): list names every operation with its method, path and
# auth; script writes Lua that compiles (luac -p) for every operation at once; an
# unknown operation is a usage error (2) and a YAML file one that cannot run (1), each
# saying why, with nothing on standard output.
source "$(dirname "$0")/../lib.sh"
tmp=$(mktemp -d)
trap 'lib_cleanup; rm -rf "$tmp"' EXIT
LOAD=$LASTROOM_BIN/lastroom-load
python3 -c 'import json, sys, yaml; json.dump(yaml.safe_load(open(sys.argv[1])), open(sys.argv[2], "w"))' \
  "$ROOT/docs/openapi.yaml" "$tmp/api.json"

out=$("$LOAD" openapi list "$tmp/api.json"); rc=$?
expect_eq "openapi list exits 0" "0" "$rc"
expect_eq "openapi list names every operation of the document, in order" \
  "$(jq -r '.paths | to_entries[] | .value | to_entries[] | .value.operationId' "$tmp/api.json")" \
  "$(awk '{print $1}' <<<"$out")"
expect_eq "openapi list: createHold is a user's POST /api/holds" "createHold POST /api/holds token" \
  "$(awk '$1 == "createHold" {print $1, $2, $3, $4}' <<<"$out")"
expect_eq "openapi list: getIntegrity needs an admin's token" "getIntegrity GET /api/admin/integrity token:admin" \
  "$(awk '$1 == "getIntegrity" {print $1, $2, $3, $4}' <<<"$out")"

mapfile -t ops < <(awk '{print $1}' <<<"$out")
"$LOAD" openapi script "$tmp/api.json" "${ops[@]}" >"$tmp/all.lua"; rc=$?
expect_eq "openapi script for all ${#ops[@]} operations exits 0" "0" "$rc"
if command -v luac5.4 >/dev/null; then
  check "the script for every operation is valid Lua 5.4 (luac5.4 -p)" luac5.4 -p "$tmp/all.lua"
else
  nok "luac5.4 is installed (scripts/deps.sh installs lua5.4)"
fi
expect_eq "the script calls each operation once, tagged with its name" "${#ops[@]}" \
  "$(grep -c 'tags = { name = "' "$tmp/all.lua")"
expect_eq "a hold is posted with its example body, a token and a fresh Idempotency-Key" \
  '    local r = http.post(base .. "/api/holds", body, { headers = { Authorization = "Bearer " .. (lr.env.TOKEN or ""), ["Idempotency-Key"] = lr.uuid(), }, tags = { name = "createHold" } })' \
  "$(grep -F 'name = "createHold"' "$tmp/all.lua")"
"$LOAD" openapi script "$tmp/api.json" "GET /api/bookings/{id}" >"$tmp/one.lua"
expect_eq "an operation can be named 'METHOD /path'; its id comes from the example or -e ID" \
  '    local p_id = lr.env.ID or "7"' "$(grep -F 'local p_id' "$tmp/one.lua")"

"$LOAD" openapi script "$tmp/api.json" createHold bookRoom >"$tmp/out" 2>"$tmp/err"; rc=$?
expect_eq "an unknown operation is a usage error, named, nothing written" \
  "2 lastroom-load: no operation 'bookRoom' in $tmp/api.json (lastroom-load openapi list $tmp/api.json shows them) 0" \
  "$rc $(cat "$tmp/err") $(wc -c <"$tmp/out")"
"$LOAD" openapi list "$ROOT/docs/openapi.yaml" >"$tmp/out" 2>"$tmp/err"; rc=$?
expect_eq "a YAML document cannot be read, and lastroom-load says to fetch the JSON" \
  "1 yes 0" "$rc $(grep -q 'not a JSON document.*GET /openapi.json' "$tmp/err" && echo yes) $(wc -c <"$tmp/out")"
finish
