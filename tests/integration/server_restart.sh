#!/usr/bin/env bash
# server_restart.sh: data survives a lastroomd restart (tokens too, the secret being
# the same); with a private PostgreSQL stopped and started under a running lastroomd,
# /health goes 503 then 200 and bookings work again without restarting lastroomd;
# backends killed with pg_terminate_backend are replaced without a failed request.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/server_common.sh"

# poll_health WANT SECONDS: wait until GET /health answers WANT.
poll_health() {
  local deadline=$((SECONDS + $2))
  while [ $SECONDS -lt $deadline ]; do
    api GET /health
    [ "$HTTP_STATUS" = "$1" ] && return 0
    sleep 0.2
  done
  return 1
}

hold_body='{"room_type_id":RT,"check_in":"2031-03-01","check_out":"2031-03-03","quantity":1}'

# --- lastroomd restarted over the shared test database
srv_start || { nok "lastroomd starts"; finish; exit 1; }
admin_token; new_room 5; new_user
api POST /api/holds "${hold_body/RT/$RT}" "$USER_TOKEN"; HOLD=$(jf .hold_id)
api POST /api/holds "${hold_body/RT/$RT}" "$USER_TOKEN"; HOLD2=$(jf .hold_id)
api POST /api/bookings '{"hold_id":'"$HOLD"'}' "$USER_TOKEN"; BOOKING=$(jf .booking_id)
state=$(room_state)
srv_stop
expect_eq "lastroomd stops with status 0" 0 "$SRV_RC"
srv_start || { nok "lastroomd starts again"; finish; exit 1; }
api GET "/api/bookings/$BOOKING" "" "$USER_TOKEN"
expect_eq "after a restart the booking is there (and the old token still works)" "200 Confirmed" "$HTTP_STATUS $(jf .status)"
api GET "/api/holds/$HOLD2" "" "$USER_TOKEN"
expect_eq "and so is the live hold" "200 $HOLD2" "$HTTP_STATUS $(jf .hold_id)"
expect_eq "the counters are unchanged" "$state" "$(room_state)"
api POST /api/auth/login "{\"email\":\"$USER_EMAIL\",\"password\":\"password-$SRV_SEQ\"}"
expect_eq "the user logs in again" 200 "$HTTP_STATUS"
srv_stop

# --- a private cluster, stopped and started under a running lastroomd
PGDIR=$ROOT/var/pg-srv-restart-$$
cleanup_pg() { LASTROOM_PGDIR=$PGDIR "$ROOT/scripts/pg.sh" stop >/dev/null 2>&1; rm -rf "$PGDIR"; }
trap 'lib_cleanup; cleanup_pg; rm -rf "$SRV_TMP"' EXIT
SRV_DB=$(LASTROOM_PGDIR=$PGDIR "$ROOT/scripts/pg.sh" start | tail -1)
check "a private cluster starts" test -n "$SRV_DB"
[ -n "$SRV_DB" ] || { tail -20 "$PGDIR/server.log" "$PGDIR/initdb.log" 2>&1 | sed 's/^/# /'; finish; exit 1; }
srv_start --pool-size 3 || { nok "lastroomd starts on it"; finish; exit 1; }
export LASTROOM_TEST_DB=$SRV_DB   # room_state and psql_q look at the private cluster now
admin_token; new_room 5; new_user
api POST /api/holds "${hold_body/RT/$RT}" "$USER_TOKEN"
expect_eq "a hold works before the fault" 201 "$HTTP_STATUS"

# backends terminated: the pool notices before use and reconnects, no request fails
psql_q "SELECT count(pg_terminate_backend(pid, 5000)) FROM pg_stat_activity
        WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'" >/dev/null
codes=""
for _ in 1 2 3 4 5 6; do api GET "/api/availability?room_type_id=$RT&check_in=2031-03-01&check_out=2031-03-02"; codes="$codes$HTTP_STATUS "; done
expect_eq "after pg_terminate_backend of every connection, requests still succeed" "200 200 200 200 200 200 " "$codes"
api POST /api/holds "${hold_body/RT/$RT}" "$USER_TOKEN"
expect_eq "and holds too" 201 "$HTTP_STATUS"

LASTROOM_PGDIR=$PGDIR "$ROOT/scripts/pg.sh" stop
check "with PostgreSQL stopped, /health goes 503" poll_health 503 15
expect_eq "/health says the db is down" "degraded down" "$(jf .status) $(jf .db)"
api POST /api/holds "${hold_body/RT/$RT}" "$USER_TOKEN"
expect_eq "a hold meanwhile is 503 db_unavailable" "503 db_unavailable" "$HTTP_STATUS $(jf .error.code)"
api GET /health/live
expect_eq "/health/live stays 200" 200 "$HTTP_STATUS"
LASTROOM_PGDIR=$PGDIR "$ROOT/scripts/pg.sh" start >/dev/null
check "with PostgreSQL back, /health goes 200" poll_health 200 20
api POST /api/holds "${hold_body/RT/$RT}" "$USER_TOKEN"; HOLD=$(jf .hold_id)
expect_eq "holds work again without restarting lastroomd" 201 "$HTTP_STATUS"
api POST /api/bookings '{"hold_id":'"$HOLD"'}' "$USER_TOKEN"
expect_eq "and bookings" "201 Confirmed" "$HTTP_STATUS $(jf .status)"

LASTROOM_PGDIR=$PGDIR "$ROOT/scripts/pg.sh" restart immediate
check "after an immediate restart /health is 200 again" poll_health 200 20
api POST /api/holds "${hold_body/RT/$RT}" "$USER_TOKEN"
expect_eq "and holds work" 201 "$HTTP_STATUS"
expect_eq "the room shows 1 booked and 3 held on each night" "2/6 holds=3 bookings=1 cancelled=0" "$(room_state)"
api GET "/api/admin/integrity" "" "$ADMIN"
expect_eq "integrity after the faults: all zero" "true 0" "$(jf .ok) $(jf .violations)"
kill -0 "$SRV_PID"; expect_eq "lastroomd never restarted" 0 $?
srv_stop
expect_eq "lastroomd exits 0" 0 "$SRV_RC"
finish
