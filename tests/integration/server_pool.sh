#!/usr/bin/env bash
# server_pool.sh: the pool's bounded wait (503 db_pool_timeout with Retry-After while
# the only connection is stuck on a lock), hold expiry (410 hold_expired) and the
# sweeper giving expired holds back, and the command line (--help, bad flags, no
# unsafe path left, `lastroomd migrate`).
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/server_common.sh"

# wait_sql SQL SECONDS: wait until SQL prints t.
wait_sql() {
  local deadline=$((SECONDS + $2))
  while [ $SECONDS -lt $deadline ]; do
    [ "$(psql_q "$1")" = t ] && return 0
    sleep 0.1
  done
  return 1
}

# refused_within SECONDS URL: wait until a new connection to URL fails.
refused_within() {
  local deadline=$((SECONDS + $1))
  while [ $SECONDS -lt $deadline ]; do
    curl -s -o /dev/null --max-time 1 "$2" || return 0
    sleep 0.1
  done
  return 1
}

# --- command line
"$LASTROOM_BIN/lastroomd" --help >"$SRV_TMP/help" 2>&1
expect_eq "--help exits 0" 0 $?
check "--help names the flags" grep -q -- '--sweep-interval' "$SRV_TMP/help"
# shellcheck disable=SC2016  # $1 is the inner shell's argument
check "--help offers no unsafe path" sh -c '! grep -qi -e unsafe -e strategy "$1"' _ "$SRV_TMP/help"
"$LASTROOM_BIN/lastroomd" --db "$SRV_DB" --booking-strategy unsafe >/dev/null 2>&1
expect_eq "--booking-strategy is gone: refused (exit 2)" 2 $?
"$LASTROOM_BIN/lastroomd" --db "$SRV_DB" --pool-size nope >/dev/null 2>&1
expect_eq "a bad flag value exits 2" 2 $?
"$LASTROOM_BIN/lastroomd" --db "$SRV_DB" --hold-ttl 15 >/dev/null 2>&1
expect_eq "a duration without unit is refused (exit 2)" 2 $?
"$LASTROOM_BIN/lastroomd" migrate --db "$SRV_DB" >/dev/null 2>&1
expect_eq "lastroomd migrate exits 0 on an up-to-date database" 0 $?
expect_eq "the migrations are recorded in schema_migrations" t \
  "$(psql_q "SELECT count(*) >= 3 FROM schema_migrations WHERE version IN ('0001_schema','0003_api','0005_sweeper_quarantine')")"

# --- the bounded wait: one connection, stuck behind a row lock held elsewhere
srv_start --pool-size 1 --pool-wait 300ms || { nok "lastroomd starts"; finish; exit 1; }
admin_token; new_room 3; new_user
psql -X -q "$LASTROOM_TEST_DB" -c "BEGIN" \
  -c "SELECT 1 FROM room_inventory WHERE room_type_id = $RT AND date = '2031-03-01' FOR UPDATE" \
  -c "SELECT pg_sleep(30)" -c "COMMIT" >/dev/null 2>&1 &
locker=$!; track_pid $locker
check "a session holds the night's row lock" wait_sql \
  "SELECT count(*) = 1 FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(30)%'" 10
api POST /api/holds '{"room_type_id":'"$RT"',"check_in":"2031-03-01","check_out":"2031-03-02","quantity":1}' "$USER_TOKEN" &
blocked=$!
check "the pool's only connection now waits on that lock" wait_sql \
  "SELECT count(*) = 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%api_hold%'" 10
out=$(curl -s -i --max-time 10 "$SRV_URL/api/hotels")
expect_eq "another request waits 300 ms, then 503" "503" "$(head -1 <<<"$out" | awk '{print $2}')"
check "with code db_pool_timeout" grep -q '"code":"db_pool_timeout"' <<<"$out"
check "and a Retry-After header" grep -qi '^Retry-After: 1' <<<"$out"
api GET /health
expect_eq "/health is 503 while no connection is free" 503 "$HTTP_STATUS"
api GET /metrics
check "metrics count the pool timeouts" grep -qE '^lastroom_pool_timeouts_total\{pool="db"\} [1-9]' <<<"$HTTP_BODY"
check "metrics show the connection in use" grep -q '^lastroom_pool_in_use{pool="db"} 1$' <<<"$HTTP_BODY"
psql_q "SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(30)%'" >/dev/null
wait "$blocked"
api GET /health
expect_eq "once the lock is gone /health is 200" 200 "$HTTP_STATUS"
expect_eq "the blocked hold went through after the lock was released" "0/1 holds=1 bookings=0 cancelled=0" "$(room_state)"
srv_stop

# --- graceful shutdown: a request in flight when SIGTERM comes still gets its answer
srv_start || { nok "lastroomd starts"; finish; exit 1; }
admin_token; new_room 3; new_user
psql -X -q "$LASTROOM_TEST_DB" -c "BEGIN" \
  -c "SELECT 1 FROM room_inventory WHERE room_type_id = $RT AND date = '2031-03-01' FOR UPDATE" \
  -c "SELECT pg_sleep(31)" -c "COMMIT" >/dev/null 2>&1 &
track_pid $!
check "a session holds the night's row lock" wait_sql \
  "SELECT count(*) = 1 FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(31)%'" 10
curl -s --max-time 30 -o "$SRV_TMP/inflight" -w '%{http_code}' -X POST -H "Authorization: Bearer $USER_TOKEN" \
  --data-binary '{"room_type_id":'"$RT"',"check_in":"2031-03-01","check_out":"2031-03-02","quantity":1}' \
  "$SRV_URL/api/holds" >"$SRV_TMP/inflight.code" &
inflight=$!
check "a hold is in flight, waiting on that lock" wait_sql \
  "SELECT count(*) = 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%api_hold%'" 10
kill -TERM "$SRV_PID"
check "after SIGTERM new connections are refused" refused_within 5 "$SRV_URL/health/live"
kill -0 "$SRV_PID" 2>/dev/null
expect_eq "lastroomd waits for the request in flight" 0 $?
psql_q "SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(31)%'" >/dev/null
wait "$inflight"
expect_eq "the request in flight is answered 201" 201 "$(cat "$SRV_TMP/inflight.code")"
wait "$SRV_PID"
expect_eq "then lastroomd exits 0" 0 $?
expect_eq "and the hold it answered exists" "0/1 holds=1 bookings=0 cancelled=0" "$(room_state)"

# --- expiry: with a 1 s hold and a slow sweeper, confirming late is 410
srv_start --hold-ttl 1s --sweep-interval 1h || { nok "lastroomd starts"; finish; exit 1; }
admin_token; new_room 3; new_user
api POST /api/holds '{"room_type_id":'"$RT"',"check_in":"2031-03-01","check_out":"2031-03-03","quantity":2}' "$USER_TOKEN"
HOLD=$(jf .hold_id)
check "the hold expires" wait_sql "SELECT hold_expiry <= now() FROM booking_holds WHERE hold_id = $HOLD" 10
api POST /api/bookings '{"hold_id":'"$HOLD"'}' "$USER_TOKEN"
expect_eq "confirming an expired hold is 410 hold_expired" "410 hold_expired" "$HTTP_STATUS $(jf .error.code)"
expect_eq "and books nothing" "0/4 holds=1 bookings=0 cancelled=0" "$(room_state)"
srv_stop

# --- the sweeper gives expired holds back
srv_start --hold-ttl 500ms --sweep-interval 100ms || { nok "lastroomd starts"; finish; exit 1; }
check "the sweeper releases the expired hold" wait_sql "SELECT count(*) = 0 FROM booking_holds WHERE hold_id = $HOLD" 10
expect_eq "its rooms are back" "0/0 holds=0 bookings=0 cancelled=0" "$(room_state)"
api GET /metrics
check "metrics count expired holds" grep -qE '^lastroom_holds_expired_total [1-9]' <<<"$HTTP_BODY"
api POST /api/holds '{"room_type_id":'"$RT"',"check_in":"2031-03-05","check_out":"2031-03-06","quantity":1}' "$USER_TOKEN"
HOLD=$(jf .hold_id)
check "a new 500 ms hold is gone within seconds" wait_sql "SELECT count(*) = 0 FROM booking_holds WHERE hold_id = $HOLD" 10
api GET "/api/admin/integrity?room_type_id=$RT" "" "$ADMIN"
expect_eq "integrity: all zero" "true 0" "$(jf .ok) $(jf .violations)"
srv_stop
expect_eq "the database has no unsafe function and one api_hold_capped" "0 1" \
  "$(psql_q "SELECT (SELECT count(*) FROM pg_proc WHERE proname = 'create_booking_hold_unsafe') || ' ' ||
             (SELECT count(*) FROM pg_proc WHERE proname = 'api_hold_capped')")"
finish
