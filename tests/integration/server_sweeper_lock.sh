#!/usr/bin/env bash
# server_sweeper_lock.sh: a psql session left idle in transaction with one room type's
# inventory rows locked must stop neither the expiry of other rooms' holds nor the
# shutdown of lastroomd; once it lets go, the held-back hold expires too. Also: every
# database connection of lastroomd has its TCP keepalive due within seconds, not hours
# (ss shows the timers).
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/server_common.sh"

# wait_gone HOLD SECONDS: wait until the hold is no longer in booking_holds.
wait_gone() {
  local deadline=$((SECONDS + $2))
  while [ $SECONDS -lt $deadline ]; do
    [ "$(psql_q "SELECT count(*) FROM booking_holds WHERE hold_id = $1")" = 0 ] && return 0
    sleep 0.2
  done
  return 1
}
hold() {   # hold RT: a one-night hold on RT by USER_TOKEN; prints its id
  api POST /api/holds '{"room_type_id":'"$1"',"check_in":"2031-03-05","check_out":"2031-03-06","quantity":1}' "$USER_TOKEN"
  jf .hold_id
}

srv_start --sweep-interval 100ms || { nok "lastroomd starts"; finish; exit 1; }
admin_token; new_user
new_room 5; RT_LOCKED=$RT
new_room 5; RT_FREE=$RT
H_LOCKED=$(hold "$RT_LOCKED"); H_FREE=$(hold "$RT_FREE")
check "two holds on two room types ($H_LOCKED, $H_FREE)" test -n "$H_LOCKED" -a -n "$H_FREE"

port=$(psql_q "SHOW port")
# libpq turns keepalives on by default, with the kernel's 2-hour idle time: ours is 10 s.
# ss shows a connection's keepalive timer only while nothing it sent is unacknowledged
# (else the retransmit timer, "timer:(on,..."), and the sweeper talks every 100 ms: so
# each connection (by its local address) counts once any of up to 20 samples, 0.1 s
# apart, shows its keepalive due in seconds. A 2-hour keepalive never shows so.
declare -A short_seen=()
n_conns=0
for _ in $(seq 20); do
  ss_out=$(ss -tnpo state established "( dport = :$port )" 2>/dev/null | grep "pid=$SRV_PID,")
  n_conns=$(grep -c . <<<"$ss_out")
  while read -r _ _ local _; do
    short_seen[$local]=1
  done < <(grep -E 'timer:\(keepalive,[0-9.]+(sec|ms)' <<<"$ss_out")
  [ "$n_conns" -gt 0 ] && [ "${#short_seen[@]}" -ge "$n_conns" ] && break
  sleep 0.1
done
check "each of lastroomd's $n_conns database connections has a keepalive due within a minute" \
  test "$n_conns" -gt 0 -a "${#short_seen[@]}" -ge "$n_conns"

# A session locks RT_LOCKED's nights and stays idle in its transaction.
mkfifo "$SRV_TMP/locker"
psql -X -q "$LASTROOM_TEST_DB" <"$SRV_TMP/locker" >/dev/null 2>&1 &
LOCKER=$!; track_pid "$LOCKER"
exec 5>"$SRV_TMP/locker"
echo "BEGIN; SELECT 1 FROM room_inventory WHERE room_type_id = $RT_LOCKED FOR UPDATE; SELECT 'locked-$$';" >&5
locked() { [ "$(psql_q "SELECT count(*) FROM pg_stat_activity WHERE state = 'idle in transaction' AND query LIKE '%locked-$$%'")" = 1 ]; }
deadline=$((SECONDS + 20)); until locked || [ $SECONDS -ge $deadline ]; do sleep 0.1; done
check "a psql session holds room type $RT_LOCKED's rows, idle in transaction" locked
expire() { local IFS=,; psql_q "UPDATE booking_holds SET hold_expiry = now() - interval '1 minute' WHERE hold_id IN ($*)" >/dev/null; }
expire "$H_LOCKED" "$H_FREE"   # both expire now, while the lock is held

check "the other room type's hold expires meanwhile" wait_gone "$H_FREE" 30
H_FREE2=$(hold "$RT_FREE"); expire "$H_FREE2"
check "and so does a hold made after the lock was taken" wait_gone "$H_FREE2" 30
expect_eq "the hold on the locked nights is still there" 1 \
  "$(psql_q "SELECT count(*) FROM booking_holds WHERE hold_id = $H_LOCKED")"
expect_eq "its room type's counters still count it" 1 \
  "$(psql_q "SELECT tentative_count FROM room_inventory WHERE room_type_id = $RT_LOCKED AND date = '2031-03-05'")"

kill -TERM "$SRV_PID"
deadline=$((SECONDS + 60))
while kill -0 "$SRV_PID" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.2; done
if kill -0 "$SRV_PID" 2>/dev/null; then
  nok "lastroomd stops on SIGTERM while the lock is held (still running after 60 s)"
  kill -9 "$SRV_PID"
else
  wait "$SRV_PID"; expect_eq "lastroomd stops on SIGTERM while the lock is held, exit 0" 0 $?
fi

echo "COMMIT;" >&5
exec 5>&-
wait "$LOCKER"
srv_start --sweep-interval 100ms || { nok "lastroomd starts again"; finish; exit 1; }
check "once the session lets go, the held-back hold expires" wait_gone "$H_LOCKED" 30
expect_eq "and its nights give the room back" "0 0" \
  "$(psql_q "SELECT sum(tentative_count) || ' ' || sum(booked_count) FROM room_inventory WHERE room_type_id IN ($RT_LOCKED, $RT_FREE)")"
srv_stop
expect_eq "lastroomd exits 0" 0 "$SRV_RC"
finish
