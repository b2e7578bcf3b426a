#!/usr/bin/env bash
# server_start_order.sh: lastroomd started before its database is reachable waits for
# it (instead of exiting) and serves once PostgreSQL is up; SIGTERM while it waits
# ends it at once. Uses a private cluster of its own, stopped at the end.
source "$(dirname "$0")/../lib.sh"

export LASTROOM_PGDIR=$ROOT/var/pg-startorder-$$
trap 'lr_pg_stop; lib_cleanup; rm -rf "$LASTROOM_PGDIR"' EXIT
lr_pg_start; url=$LR_DB
check "a private cluster starts" test -n "$url"
"$ROOT/scripts/pg.sh" stop
port=$(free_port)
log=$(mktemp)

# 1. Started while PostgreSQL is down: keeps trying, serves once it is up.
LASTROOM_ADMIN_EMAIL=order@lastroom.test LASTROOM_ADMIN_PASSWORD=order-password \
  "$LASTROOM_BIN/lastroomd" --db "$url" --listen "127.0.0.1:$port" --log-level warn >"$log" 2>&1 &
pid=$!; track_pid $pid
for _ in $(seq 50); do grep -q 'not reachable yet' "$log" && break; sleep 0.1; done
check "lastroomd says it waits for the database" grep -q 'database not reachable yet' "$log"
check "and is still running" kill -0 $pid
"$ROOT/scripts/pg.sh" start >/dev/null
check "once PostgreSQL is up, /health answers" wait_http "http://127.0.0.1:$port/health" 40
http GET "http://127.0.0.1:$port/health"
expect_eq "/health is 200 with the database ok" "200 ok" "$HTTP_STATUS $(jq -r .db <<<"$HTTP_BODY")"
kill $pid; wait $pid; rc=$?
expect_eq "lastroomd exits 0 on SIGTERM" 0 "$rc"

# 2. SIGTERM while waiting for a database that never comes: it gives up at once.
"$ROOT/scripts/pg.sh" stop
"$LASTROOM_BIN/lastroomd" --db "$url" --listen "127.0.0.1:$port" --log-level warn >"$log" 2>&1 &
pid=$!; track_pid $pid
for _ in $(seq 50); do grep -q 'not reachable yet' "$log" && break; sleep 0.1; done
kill $pid
check "SIGTERM while waiting ends lastroomd within 5 s" lr_wait_gone $pid 5
wait $pid; rc=$?
expect_eq "and it reports the unreachable database (exit 1)" 1 "$rc"
finish
