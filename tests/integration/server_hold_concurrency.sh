#!/usr/bin/env bash
# server_hold_concurrency.sh: --hold-concurrency bounds how many hold lanes are in the
# database at once (src/server/coalesce.c); a lane without a turn gathers its holds and
# sends them together when a turn frees; --hold-turn bounds how long a turn lasts. Room
# types A and B are in different lanes. A's night is locked from psql, so a hold of A
# takes a turn and keeps it, waiting on the lock. Then three holds of B arrive:
#   --hold-concurrency 1 --hold-turn 60s: they wait (lastroom_coalesce_waiting shows 3,
#     none answered) until the lock goes, then go as one call of three holds;
#   --hold-concurrency 2: B's lane has a turn of its own, so they are all answered while
#     A still waits on the lock;
#   --hold-concurrency 1 --hold-turn 2s: A's turn runs out while it waits on the lock,
#     so B's holds are answered while A still waits. B's holds arrive well within the
#     2 s and nothing else happens after them, so it is the pool's timer tick that
#     passes the turn on.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/server_common.sh"

# hold_bg NAME ROOM_TYPE: a hold in the background; its status lands in $SRV_TMP/NAME.code.
hold_bg() {
  local body='{"room_type_id":'"$2"',"check_in":"2031-03-10","check_out":"2031-03-11","quantity":1}'
  ( curl -s --max-time 60 -o "$SRV_TMP/$1.out" -w '%{http_code}' -X POST \
      -H 'Content-Type: application/json' -H "Authorization: Bearer $USER_TOKEN" \
      --data-binary "$body" "$SRV_URL/api/holds" >"$SRV_TMP/$1.code" ) &
  BG_PIDS+=($!)
}

# holds_waiting: the gauge lastroom_coalesce_waiting{kind="holds"}.
holds_waiting() {
  curl -s --max-time 5 "$SRV_URL/metrics" | sed -n 's/^lastroom_coalesce_waiting{kind="holds"} //p'
}

# codes NAME...: the statuses of those holds so far, space-separated ("-" when none yet).
codes() {
  local n out=()
  for n in "$@"; do out+=("$(cat "$SRV_TMP/$n.code" 2>/dev/null)"); done
  local s="${out[*]}"
  echo "${s:--}"
}

# setup TURNS TURN: lastroomd with --hold-concurrency TURNS --hold-turn TURN, two fresh
# room types A and B of four rooms in different lanes, A's night 2031-03-10 locked from
# psql, and one hold of A waiting on that lock.
setup() {
  # A's hold must outlast the test's waits: no statement timeout of 10 s ends it early.
  srv_start --pool-size 4 --pool-wait 30s --statement-timeout 90s --max-holds-per-user 0 \
    --log-level debug --hold-concurrency "$1" --hold-turn "$2" \
    || { nok "lastroomd starts"; finish; exit 1; }
  admin_token
  new_user
  new_room 4; RT_B=$RT
  new_room 4; RT_A=$RT
  check "room types $RT_A and $RT_B are in different lanes" test $((RT_A % 4)) != $((RT_B % 4))
  rm -f "$SRV_TMP/lock.fifo"
  night_lock 2031-03-10   # on RT, which is A
  expect_eq "psql holds A's night" 1 "$NIGHT_LOCKED"
  BG_PIDS=()
  rm -f "$SRV_TMP"/[ab]*.code "$SRV_TMP"/[ab]*.out
  hold_bg a "$RT_A"
  expect_eq "the hold of A waits on the locked night" 1 "$(lock_waiters)"
}

# One turn that lasts: B's holds wait until A's batch is done.
setup 1 60s
hold_bg b1 "$RT_B"; hold_bg b2 "$RT_B"; hold_bg b3 "$RT_B"
waiting=""
for _ in $(seq 300); do
  waiting=$(holds_waiting)
  [ "$waiting" = 3 ] && break
  sleep 0.1
done
expect_eq "one turn: the three holds of B wait in their lane" 3 "$waiting"
expect_eq "one turn: none of them is answered while A keeps the turn" "" "$(codes b1 b2 b3 | tr -d ' -')"
expect_eq "one turn: A is still waiting on the lock" 1 "$(lock_waiters)"
echo "COMMIT;" >&4
exec 4>&-
for p in "${BG_PIDS[@]}"; do wait "$p"; done
expect_eq "one turn: all four holds granted once the lock went" "201 201 201 201" "$(codes a b1 b2 b3)"
check "one turn: B's three holds went as one call" \
  grep -q "coalesce: 3 holds of lane $((RT_B % 4)) in one call" "$SRV_LOG"
expect_eq "one turn: nothing waits any more" 0 "$(holds_waiting)"
srv_stop
expect_eq "one turn: lastroomd exits 0" 0 "$SRV_RC"

# b_while_a_waits LABEL: B's three holds are all granted while A still waits on the
# lock, which then goes.
b_while_a_waits() {
  hold_bg b1 "$RT_B"; hold_bg b2 "$RT_B"; hold_bg b3 "$RT_B"
  local p
  for p in "${BG_PIDS[@]:1}"; do wait "$p"; done
  expect_eq "$1: B's holds are granted while A waits" "201 201 201" "$(codes b1 b2 b3)"
  expect_eq "$1: A has no answer yet" "-" "$(codes a)"
  expect_eq "$1: A is still waiting on the lock" 1 "$(lock_waiters)"
  echo "COMMIT;" >&4
  exec 4>&-
  wait "${BG_PIDS[0]}"
  expect_eq "$1: A is granted once the lock went" 201 "$(codes a)"
}

# Two turns: B's lane gets its own while A waits.
setup 2 50ms
b_while_a_waits "two turns"
srv_stop
expect_eq "two turns: lastroomd exits 0" 0 "$SRV_RC"

# One turn that runs out: A's lane keeps it for 2 s at most, then B's lane goes too.
setup 1 2s
b_while_a_waits "one turn of 2 s"
check "one turn of 2 s: lastroomd's settings name it" grep -q "1 lanes at once, turns of 2000ms" "$SRV_LOG"
expect_eq "integrity_report: no violation" 0 \
  "$(psql_q "SELECT coalesce(sum(violations), 0) FROM (SELECT * FROM integrity_report($RT_A)
             UNION ALL SELECT * FROM integrity_report($RT_B)) r")"
srv_stop
expect_eq "one turn of 2 s: lastroomd exits 0" 0 "$SRV_RC"
finish
