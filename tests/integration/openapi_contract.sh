#!/usr/bin/env bash
# openapi_contract.sh: lastroomd serves docs/openapi.yaml at GET /openapi.json, the
# document's examples fit their own schemas, and the answer checker that every server
# test runs at finish (tests/openapi_check.py through server_common.sh) catches answers
# that do not fit: a wrong type, a missing field, a code outside a status's list, an
# undocumented status, an answer on a path no operation has, each with its exact message.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/server_common.sh"
CHECK=$ROOT/tests/openapi_check.py

srv_start || { nok "lastroomd starts"; finish; exit 1; }
ok "lastroomd starts"

out=$(curl -s -D "$SRV_TMP/h" -o "$SRV_TMP/served.json" -w '%{http_code}' "$SRV_URL/openapi.json")
expect_eq "GET /openapi.json is 200 application/json" "200 application/json" \
  "$out $(sed -n 's/^Content-Type: \([^;\r]*\).*/\1/Ip' "$SRV_TMP/h")"
expect_eq "the served document is docs/openapi.yaml" "same" "$(python3 -c '
import json, sys, yaml
print("same" if json.load(open(sys.argv[1])) == yaml.safe_load(open(sys.argv[2])) else "different")' \
  "$SRV_TMP/served.json" "$ROOT/docs/openapi.yaml")"
expect_eq "the served document has the 22 operations" "22" \
  "$(jq '[.paths[] | keys[] | select(. != "parameters")] | length' "$SRV_TMP/served.json")"

out=$(python3 "$CHECK" examples "$ROOT/docs/openapi.yaml"); rc=$?
expect_eq "every JSON example of the document fits its schema" "0 examples 53" "$rc $out"

# Made-up answers, checked in one run of the checker: case K's verdict is its line that
# ends "(request after check K)"; a case that passes has none.
MADE=$SRV_TMP/made.log
CASES=0
made() { CASES=$((CASES + 1)); SRV_CONTRACT_LOG=$MADE contract_record "$1" "$2" "$3" "$4" "$CASES"; }
hold='{"hold_id":7,"room_type_id":3,"check_in":"2031-03-01","check_out":"2031-03-03","quantity":1,"expires_at":"2031-02-01T12:15:00.000Z"}'
made POST /api/holds 201 "$hold"                                                  # 1
made POST /api/holds 201 "${hold/\"quantity\":1/\"quantity\":\"1\"}"             # 2
made GET /api/holds/7 200 "${hold/00.000Z/00Z}"                                   # 3
made GET /api/bookings/11 200 '{"booking_id":11,"hold_id":7,"room_type_id":3,"check_in":"2031-03-01","check_out":"2031-03-03","quantity":1,"status":"Confirmed"}'
made DELETE /api/holds/7 200 '{"hold_id":7,"status":"released","extra":1}'       # 5
made POST /api/holds 409 '{"error":{"code":"gone","message":"x"}}'                # 6
made GET /api/hotels 404 '{"error":{"code":"not_found","message":"x"}}'          # 7
made GET /health/live 200 ok                                                      # 8
made GET /api/holds/0 200 '{}'                                                    # 9
made PATCH /api/holds/7 405 '{"error":{"code":"not_found","message":"x"}}'       # 10
made POST /api/holds 413 '<html><head><title>Request content too large</title></head></html>'
made GET /api/hotels 200 '<html></html>'                                          # 12
made get /health/live 200 '{"status":"ok"}'                                       # 13
verdicts=$(python3 "$CHECK" log "$ROOT/docs/openapi.yaml" "$MADE"); rc=$?
verdict() { sed -n "s/ (request after check $1)\$//p" <<<"$verdicts"; }
expect_eq "the checker read every made-up answer and exits 1 on a mismatch" "1 checked 13" "$rc $(tail -1 <<<"$verdicts")"
expect_eq "a correct hold answer passes" "" "$(verdict 1)"
expect_eq "a quantity sent as a string is caught" \
  "POST /api/holds 201: at \$.quantity: '1' is not of type 'integer'" "$(verdict 2)"
expect_eq "an expires_at without milliseconds is caught" \
  "GET /api/holds/{id} 200: at \$.expires_at: '2031-02-01T12:15:00Z' does not match '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\\\.[0-9]{3}Z\$'" \
  "$(verdict 3)"
expect_eq "a booking without created_at is caught" \
  "GET /api/bookings/{id} 200: at \$: 'created_at' is a required property" "$(verdict 4)"
expect_eq "an extra field is caught" \
  "DELETE /api/holds/{id} 200: at \$: Additional properties are not allowed ('extra' was unexpected)" "$(verdict 5)"
expect_eq "an error code outside the status's list is caught" \
  "POST /api/holds 409: at \$.error.code: 'gone' is not one of ['sold_out', 'too_many_holds']" "$(verdict 6)"
expect_eq "a status the operation does not list is caught" \
  "GET /api/hotels 404: status 404 is not documented for this operation" "$(verdict 7)"
expect_eq "a body that is not JSON is caught" \
  "GET /health/live 200: the body is not JSON (Expecting value: line 1 column 1 (char 0)): 'ok'" "$(verdict 8)"
expect_eq "an answer on a path no operation has is caught" \
  "GET /api/holds/0 200: no operation has this path, so only 404/413/431 may answer" "$(verdict 9)"
expect_eq "a 405 with the code of a 404 is caught" \
  "PATCH /api/holds/{id} 405: at \$.error.code: 'method_not_allowed' was expected" "$(verdict 10)"
expect_eq "libmicrohttpd's own HTML 413 passes (it answers before lastroomd sees the request)" "" "$(verdict 11)"
expect_eq "an HTML page on a 200 does not" \
  "GET /api/hotels 200: the body is not JSON (Expecting value: line 1 column 1 (char 0)): '<html></html>'" \
  "$(verdict 12)"
expect_eq "methods are case-sensitive: get on a GET route must be 405" \
  "get /health/live 200: the path does not take this method, so only 405/413/431 may answer" "$(verdict 13)"

# The shared helper: real answers recorded by api, checked at finish against a document
# made wrong on purpose (a hotel's city an integer), fail with the route and the place.
jq '.paths["/api/hotels"].get.responses["200"].content["application/json"].schema.properties.hotels.items =
    {type: "object", properties: {city: {type: "integer"}}}' "$SRV_TMP/served.json" >"$SRV_TMP/bad.json"
admin_token
api POST /api/admin/hotels '{"name":"Contract","city":"Testville"}' "$ADMIN"
api GET /api/hotels
expect_eq "GET /api/hotels answers" "200" "$HTTP_STATUS"
# shellcheck disable=SC2034  # read by contract_verify, in this subshell only
out=$(SRV_OPENAPI=$SRV_TMP/bad.json; TAP_N=0; TAP_FAILED=0; contract_verify)
expect_eq "a recorded answer that does not fit the document fails the test, naming route, status and place" \
  "not ok 1 - contract: GET /api/hotels 200: at \$.hotels[N].city: 'Testville' is not of type 'integer' (request after check 19)" \
  "$(grep -m1 '^not ok' <<<"$out" | sed 's/hotels\[[0-9]*\]/hotels[N]/')"
finish
