#!/usr/bin/env bash
# proxy_faults.sh: lastroom-faultproxy and scripts/nemesis.sh against a real PostgreSQL.
#
# Starts a private cluster of its own (var/proxytest-PID), puts lastroom-faultproxy in
# front of it and drives every fault mode through the control port with nemesis.sh,
# checking with psql what a client sees: exact answers in pass mode, an added delay in
# latency mode, connection errors under reset and down, a timeout in the blackhole,
# exact status counts. Then the cluster-level faults: pg-pause and kill-backends.
source "$(dirname "$0")/../lib.sh"

WORK=$ROOT/var/proxytest-$$
export LASTROOM_PGDIR=$WORK/pg
NEMESIS=$ROOT/scripts/nemesis.sh
PROXY=$LASTROOM_BIN/lastroom-faultproxy
mkdir -p "$WORK"

proxy_test_cleanup() {
  lib_cleanup
  "$ROOT/scripts/pg.sh" stop >/dev/null 2>&1
  rm -rf "$WORK"
}
trap proxy_test_cleanup EXIT

DB=$("$ROOT/scripts/pg.sh" start | tail -1) || { nok "private PostgreSQL starts"; finish; exit 1; }
PGPORT_DIRECT=${DB##*:}; PGPORT_DIRECT=${PGPORT_DIRECT%%/*}
LPORT=$(free_port); CPORT=$(free_port)
CTL=127.0.0.1:$CPORT
VIA="postgresql://postgres@127.0.0.1:$LPORT/lastroom?sslmode=disable&connect_timeout=5"

ctl() { "$NEMESIS" proxy "$CTL" "$@" 2>>"$WORK/nemesis.log"; }
# q URL SQL: one query, unaligned output; stderr to $WORK/q.err.
q() { psql -X -qAt -v ON_ERROR_STOP=1 "$1" -c "$2" 2>"$WORK/q.err"; }
ms() { echo $(( $(date +%s%N) / 1000000 )); }
# stat_field NAME: one field of the proxy's status line.
stat_field() { ctl status | tr ' ' '\n' | sed -n "s/^$1=//p"; }
# wait_sessions APPNAME N: wait (10 s at most) until N sessions of APPNAME are active.
wait_sessions() {
  local n
  for _ in $(seq 100); do
    n=$(q "$DB" "SELECT count(*) FROM pg_stat_activity WHERE application_name = '$1' AND state = 'active'")
    [ "$n" = "$2" ] && return 0
    sleep 0.1
  done
  return 1
}

"$PROXY" --listen "127.0.0.1:$LPORT" --upstream "127.0.0.1:$PGPORT_DIRECT" --control "$CTL" 2>"$WORK/proxy.log" &
PROXY_PID=$!
track_pid "$PROXY_PID"
for _ in $(seq 50); do ctl status >/dev/null && break; sleep 0.1; done

# --- status counts are exact: three sessions held open through the proxy --------------
expect_eq "a fresh proxy reports pass mode and nothing accepted" \
  "ok mode=pass conns=0 accepted=0" "$(ctl status | cut -d' ' -f1-4)"
HOLD=()
for i in 1 2 3; do
  psql -X -qAt "$VIA&application_name=proxytest-hold" -c "SELECT pg_sleep(30)" >/dev/null 2>"$WORK/hold$i.err" &
  HOLD+=($!); track_pid $!
done
check "three held sessions reach the server through the proxy" wait_sessions proxytest-hold 3
expect_eq "status counts 3 open connections" 3 "$(stat_field conns)"
expect_eq "status counts 3 accepted connections" 3 "$(stat_field accepted)"

# --- reset: current connections get an RST, new ones too ------------------------------
expect_eq "mode reset ends the 3 open connections" "ok mode=reset ended=3" "$(ctl mode reset)"
rcs=""
for p in "${HOLD[@]}"; do wait "$p"; rcs="$rcs$?"; done
expect_eq "the 3 held psql sessions fail with a connection error (exit 2)" 222 "$rcs"
check "their error is a lost connection" grep -q "server closed the connection unexpectedly\|Connection reset\|connection to server was lost" "$WORK/hold1.err"
q "$VIA" "SELECT 1" >/dev/null; rc=$?
expect_eq "a new connection under reset fails (psql exit 2)" 2 "$rc"
check "with a connection error" grep -q "server closed the connection unexpectedly\|Connection reset" "$WORK/q.err"
expect_eq "status counts 4 resets" 4 "$(stat_field resets)"

# --- pass ------------------------------------------------------------------------------
expect_eq "mode pass is acknowledged" "ok mode=pass ended=0" "$(ctl mode pass)"
expect_eq "pass: a query through the proxy returns the exact value" 42 "$(q "$VIA" "SELECT 40 + 2")"
expect_eq "pass: a multi-row answer arrives intact" 500500 "$(q "$VIA" "SELECT sum(g) FROM generate_series(1, 1000) g")"
big=$(q "$VIA" "SELECT md5(string_agg(md5(g::text), '')) FROM generate_series(1, 20000) g")
expect_eq "pass: a large answer is the same through the proxy as direct" \
  "$(q "$DB" "SELECT md5(string_agg(md5(g::text), '')) FROM generate_series(1, 20000) g")" "$big"
payload=$(head -c 786432 /dev/urandom | base64 -w0)
expect_eq "pass: a 1 MiB query arrives intact (md5 computed by the server)" \
  "$(printf '%s' "$payload" | md5sum | cut -d' ' -f1)" \
  "$(printf "SELECT md5('%s');\n" "$payload" | psql -X -qAt "$VIA" 2>"$WORK/q.err")"
up=$(stat_field bytes_up); down=$(stat_field bytes_down)
check "status counts bytes both ways (up=$up down=$down)" test "$up" -gt 0 -a "$down" -gt 0

# --- backpressure: a stalled reader throttles the server instead of filling memory -----
down0=$(stat_field bytes_down)
psql -X -qAt "$VIA" -c "COPY (SELECT repeat('x', 1000) FROM generate_series(1, 50000)) TO STDOUT" \
  2>"$WORK/q.err" | { sleep 2; wc -c >"$WORK/copy.count"; } &
COPY_PID=$!
sleep 1.5
during=$(( $(stat_field bytes_down) - down0 ))
rss=$(awk '/^VmRSS/ {print $2}' "/proc/$PROXY_PID/status")
check "backpressure: while the reader stalls, under 20 MiB of 50 MB has passed ($during bytes)" \
  test "$during" -lt 20971520
check "backpressure: the proxy's memory stays bounded (RSS $rss kB < 200 MiB)" test "$rss" -lt 204800
wait "$COPY_PID"
expect_eq "backpressure: every byte arrives once the reader resumes" 50050000 "$(cat "$WORK/copy.count")"

# --- latency: a round trip takes at least the configured delay --------------------------
expect_eq "mode latency is acknowledged" "ok mode=latency delay_ms=200 jitter_ms=50 ended=0" "$(ctl mode latency 200 50)"
t0=$(ms); v=$(q "$VIA" "SELECT 7"); t1=$(ms)
expect_eq "latency: the answer is still exact" 7 "$v"
check "latency: a connect plus query through 200 ms each way took >= 400 ms ($((t1 - t0)) ms)" test $((t1 - t0)) -ge 400
check "status counts delayed chunks" test "$(stat_field delayed)" -gt 0

ctl mode latency 5 20 >/dev/null
rows="SELECT g, md5(g::text) FROM generate_series(1, 20000) g"
expect_eq "latency with jitter > delay keeps the stream in order (800 kB result identical)" \
  "$(q "$DB" "$rows" | md5sum)" "$(q "$VIA" "$rows" | md5sum)"

# --- blackhole: nothing comes back, the client times out; pass restores ---------------
expect_eq "mode blackhole is acknowledged" "ok mode=blackhole ended=0" "$(ctl mode blackhole)"
t0=$(ms)
timeout 10 psql -X -qAt "postgresql://postgres@127.0.0.1:$LPORT/lastroom?sslmode=disable&connect_timeout=2" \
  -c "SELECT 1" >/dev/null 2>"$WORK/q.err"; rc=$?; t1=$(ms)
expect_eq "blackhole: psql with connect_timeout=2 fails (exit 2)" 2 "$rc"
check "blackhole: by a timeout ($(head -c 120 "$WORK/q.err"))" grep -q "timeout expired" "$WORK/q.err"
check "blackhole: only after waiting >= 1.5 s ($((t1 - t0)) ms)" test $((t1 - t0)) -ge 1500
check "status counts held chunks" test "$(stat_field held)" -gt 0
ctl mode pass >/dev/null
expect_eq "after blackhole, pass restores queries" 42 "$(q "$VIA" "SELECT 40 + 2")"

# --- down: connections are refused; pass listens again ---------------------------------
expect_eq "mode down is acknowledged" "ok mode=down" "$(ctl mode down | cut -d' ' -f1-2)"
q "$VIA" "SELECT 1" >/dev/null; rc=$?
expect_eq "down: psql fails (exit 2)" 2 "$rc"
check "down: the connection is refused" grep -q "Connection refused" "$WORK/q.err"
ctl mode pass >/dev/null
expect_eq "after down, pass accepts again" 42 "$(q "$VIA" "SELECT 40 + 2")"

# --- control channel: bad input is refused, never applied ------------------------------
expect_eq "an unknown mode is an error" "error unknown mode 'bogus'" "$(ctl mode bogus)"
expect_eq "a latency above the cap is an error" error "$(ctl mode latency 999999 | cut -d' ' -f1)"
expect_eq "the mode is unchanged after errors" "mode=pass" "$(ctl status | cut -d' ' -f2)"
long=$(head -c 400 /dev/zero | tr '\0' x)
expect_eq "an overlong control line is refused" "error line too long" "$(ctl "$long")"

# --- nemesis pg-pause: a query times out while the cluster is stopped ------------------
"$NEMESIS" pg-pause 3 2>>"$WORK/nemesis.log" &
PAUSE_PID=$!
sleep 0.5
timeout 1.5 psql -X -qAt "$DB" -c "SELECT 1" >/dev/null 2>&1; rc=$?
expect_eq "pg-pause: a query with a 1.5 s timeout fails while paused (timeout exit 124)" 124 "$rc"
wait "$PAUSE_PID"; rc=$?
expect_eq "pg-pause exits 0" 0 "$rc"
expect_eq "pg-pause: the same query succeeds after SIGCONT" 1 "$(q "$DB" "SELECT 1")"
check "pg-pause logs when it stopped and resumed" grep -q "pg-pause: resumed postmaster" "$WORK/nemesis.log"

# --- nemesis kill-backends: only sessions named lastroomd are ended ---------------------
psql -X -qAt "$DB?application_name=lastroomd" -c "SELECT pg_sleep(20)" >/dev/null 2>&1 &
KB_TARGET=$!; track_pid $!
psql -X -qAt "$DB?application_name=proxytest-other" -c "SELECT pg_sleep(3)" >/dev/null 2>&1 &
KB_OTHER=$!; track_pid $!
check "a lastroomd session is running" wait_sessions lastroomd 1
check "another session is running" wait_sessions proxytest-other 1
expect_eq "kill-backends reports 1 backend terminated" 1 "$("$NEMESIS" kill-backends "$DB" 2>>"$WORK/nemesis.log")"
wait "$KB_TARGET"; rc=$?
expect_eq "the lastroomd session was terminated (psql exit 2)" 2 "$rc"
wait "$KB_OTHER"; rc=$?
expect_eq "the other session finished its query (psql exit 0)" 0 "$rc"

# --- nemesis pg-restart: sessions end, new connections through the proxy work ----------
psql -X -qAt "$DB?application_name=proxytest-restart" -c "SELECT pg_sleep(20)" >/dev/null 2>&1 &
RS=$!; track_pid $RS
check "a session is running before the restart" wait_sessions proxytest-restart 1
"$NEMESIS" pg-restart slow 2>/dev/null; rc=$?
expect_eq "pg-restart refuses an unknown mode (exit 2)" 2 "$rc"
"$NEMESIS" pg-restart immediate 2>>"$WORK/nemesis.log"; rc=$?
expect_eq "pg-restart immediate exits 0" 0 "$rc"
wait "$RS"; rc=$?
expect_eq "the session open across the restart was ended (psql exit 2)" 2 "$rc"
expect_eq "after the restart a query through the proxy succeeds" 42 "$(q "$VIA" "SELECT 40 + 2")"

# --- nemesis server-kill: only a process named lastroomd is killed ----------------------
sleep 30 &
NOT_SERVER=$!; track_pid $NOT_SERVER
echo "$NOT_SERVER" >"$WORK/other.pid"
"$NEMESIS" server-kill "$WORK/other.pid" 2>/dev/null; rc=$?
expect_eq "server-kill refuses a pidfile naming another program (exit 1)" 1 "$rc"
check "and that process still runs" kill -0 "$NOT_SERVER"
cp "$(command -v sleep)" "$WORK/lastroomd"
"$WORK/lastroomd" 30 &
FAKE=$!; track_pid $FAKE
echo "$FAKE" >"$WORK/lastroomd.pid"
{   # bash reports the SIGKILLed job on stderr; that notice is expected here
  "$NEMESIS" server-kill "$WORK/lastroomd.pid" 2>>"$WORK/nemesis.log"; rc=$?
  wait "$FAKE"; rc_fake=$?
} 2>/dev/null
expect_eq "server-kill on a lastroomd pidfile exits 0" 0 "$rc"
rc=$rc_fake
expect_eq "the process died of SIGKILL (status 137)" 137 "$rc"

# --- shutdown: quit over the control port, SIGTERM with a FIFO --------------------------
expect_eq "quit is acknowledged" "ok bye" "$(ctl quit)"
lr_wait_gone "$PROXY_PID" 5
wait "$PROXY_PID"; rc=$?
expect_eq "the proxy exits 0 after quit (no leak, no error)" 0 "$rc"

LPORT2=$(free_port)
"$PROXY" --listen "127.0.0.1:$LPORT2" --upstream "127.0.0.1:$PGPORT_DIRECT" --control-fifo "$WORK/ctl.fifo" 2>"$WORK/proxy2.log" &
P2=$!; track_pid $P2
for _ in $(seq 50); do [ -p "$WORK/ctl.fifo" ] && break; sleep 0.1; done
echo "mode down" >"$WORK/ctl.fifo"
for _ in $(seq 50); do grep -q "mode down -> ok" "$WORK/proxy2.log" && break; sleep 0.1; done
check "a FIFO command is applied and its reply logged" grep -q "control fifo: mode down -> ok mode=down" "$WORK/proxy2.log"
q "postgresql://postgres@127.0.0.1:$LPORT2/lastroom?sslmode=disable" "SELECT 1" >/dev/null; rc=$?
expect_eq "the FIFO-set down mode refuses connections" 2 "$rc"
kill -TERM "$P2"; wait "$P2"; rc=$?
expect_eq "the proxy exits 0 on SIGTERM" 0 "$rc"

finish
