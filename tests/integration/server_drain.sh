#!/usr/bin/env bash
# server_drain.sh: SIGTERM under keep-alive load. DRAIN_ROUNDS times (3 here; 20 with
# DRAIN_ROUNDS=20 tests/run.sh server_drain), lastroomd is started, DRAIN_VUS clients on
# keep-alive connections hold, book and list hotels (drain_client.py), and SIGTERM is
# sent once a round's answer count is reached (it varies by round). Each round:
# lastroomd exits 0 and never aborts; every request that was sent got an answer (none
# ends unknown); every answer is a success or a 503 shutting_down; the clients stop
# because new connections are refused. Afterwards the database holds exactly the holds
# and bookings that the clients were told about (201), no more and no fewer.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/server_common.sh"

ROUNDS=${DRAIN_ROUNDS:-3}
VUS=${DRAIN_VUS:-100}
USERS=10
ARGS=(--max-holds-per-user 0 --pool-wait 60s --pool-size 4)
told_holds=$SRV_TMP/told_holds; told_bookings=$SRV_TMP/told_bookings
: >"$told_holds"; : >"$told_bookings"

srv_start "${ARGS[@]}" || { nok "lastroomd starts"; finish; exit 1; }
admin_token; new_room 100000
for _ in $(seq $USERS); do new_user; echo "$USER_TOKEN"; done >"$SRV_TMP/users"
check "$USERS users logged in" test "$(grep -c . "$SRV_TMP/users")" -eq "$USERS"
for i in $(seq "$VUS"); do sed -n "$(( (i - 1) % USERS + 1 ))p" "$SRV_TMP/users"; done >"$SRV_TMP/tokens"
srv_stop

# round N: one run; prints the failures of that round (empty when it passed)
round() {
  local n=$1 out=$SRV_TMP/round.$1.json after=$(( 200 + (RANDOM % 400) ))
  srv_start "${ARGS[@]}" || { echo "lastroomd did not start"; return; }
  timeout 300 python3 "$ROOT/tests/integration/drain_client.py" "${SRV_URL##*:}" "$SRV_PID" \
    "$SRV_TMP/tokens" "$RT" "$after" "$out" >"$SRV_TMP/client.$n.log" 2>&1
  srv_stop
  [ "$SRV_RC" = 0 ] || echo "exit status $SRV_RC"
  grep -q -E 'Fatal error|AddressSanitizer|runtime error' "$SRV_LOG" && echo "the log shows: $(grep -m1 -E 'Fatal error|AddressSanitizer|runtime error' "$SRV_LOG")"
  [ -s "$out" ] || { echo "no client report: $(tail -3 "$SRV_TMP/client.$n.log")"; return; }
  jq -r '.holds[]' "$out" >>"$told_holds"
  jq -r '.bookings[]' "$out" >>"$told_bookings"
  jq -r 'if .alive > 0 then "\(.alive) clients never stopped" else empty end,
         if (.unknown | length) > 0 then "\(.unknown | length) requests unknown: \(.unknown[0])" else empty end,
         if .answers < '"$after"' then "only \(.answers) answers" else empty end,
         (.statuses | to_entries[] | select(.key | test("^(200|201) -$|^503 shutting_down$") | not)
           | "answer \(.key) x\(.value)")' "$out"
}

failed_rounds=0
for n in $(seq "$ROUNDS"); do
  problems=$(round "$n")
  summary=$(jq -c '{answers, statuses, unsent}' "$SRV_TMP/round.$n.json" 2>/dev/null)
  if [ -z "$problems" ]; then
    ok "round $n: SIGTERM under $VUS keep-alive clients: exit 0, every request answered ($summary)"
  else
    nok "round $n: $(tr '\n' ';' <<<"$problems") ($summary)"
    failed_rounds=$((failed_rounds + 1))
    tail -5 "$SRV_LOG" | sed 's/^/# /'
  fi
done
expect_eq "every one of $ROUNDS rounds passed" 0 "$failed_rounds"

db_holds=$(psql_q "SELECT hold_id FROM booking_holds WHERE room_type_id = $RT
                   UNION ALL SELECT hold_id FROM bookings WHERE room_type_id = $RT ORDER BY 1")
expect_eq "the database holds exactly the $(grep -c . "$told_holds") holds the clients were told about" "" \
  "$(diff <(sort -n "$told_holds") <(echo "$db_holds") | head -4 | tr '\n' ' ')"
db_bookings=$(psql_q "SELECT booking_id FROM bookings WHERE room_type_id = $RT ORDER BY 1")
expect_eq "and exactly the $(grep -c . "$told_bookings") bookings they were told about" "" \
  "$(diff <(sort -n "$told_bookings") <(echo "$db_bookings") | head -4 | tr '\n' ' ')"
check "some bookings were made" test -s "$told_bookings"
finish
