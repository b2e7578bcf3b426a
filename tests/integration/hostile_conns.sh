#!/usr/bin/env bash
# hostile_conns.sh: connection-level abuse against a real lastroomd started with a
# 3 s idle timeout.
#   slowloris: 300 connections drip a request one byte a second for 12 s (four idle
#     timeouts) while /health/live must answer every second; a request that is still
#     incomplete after that long must have been cut off (all 300 closed before the
#     12 s end), and once they go silent every one must be closed within the timeout
#     plus 10 s. The same for 100 connections that send their headers at once and
#     then drip the body (a slow POST).
#   stalled uploads: 500 connections each send 60000 of the 65536 body bytes they
#     announce and stop: the server holds them all under 200 MB, still serves, and
#     closes every one within the timeout plus 15 s.
#   idle: 2000 connections that send nothing: a fresh request and requests on a sample
#     of the idle connections are answered; the server then closes all 2000 within
#     the timeout plus 15 s.
# Afterwards the server still serves, its resident memory stayed under 200 MB (a
# sanitizer build included) and the database is unchanged.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/server_common.sh"
source "$(dirname "$0")/hostile_lib.sh"

SLOW=${HOSTILE_SLOW_CONNS:-300}
IDLE=${HOSTILE_IDLE_CONNS:-2000}
ulimit -n $((IDLE + 512)) 2>/dev/null || ulimit -n "$(ulimit -Hn)"   # the server's share of descriptors
hostile_start --max-connections 10000 || { nok "lastroomd starts"; finish; exit 1; }
ok "lastroomd starts"
before=$(db_snapshot)

DRIP=$((4 * HOSTILE_IDLE_S))
out=$(timeout 120 python3 "$HOSTILE_PY" slowloris "$SRV_PORT" "$SLOW" "$DRIP" "$HOSTILE_IDLE_S" head 2>&1)
expect_eq "while $SLOW connections drip bytes, /health/live answers every second" "served_while_dripping $DRIP/$DRIP" \
  "$(grep '^served_while' <<<"$out" || echo "$out" | tail -1)"
expect_eq "requests still incomplete after ${DRIP}s of dripping are cut off" "closed_while_dripping $SLOW/$SLOW" \
  "$(grep '^closed_while' <<<"$out" || echo "$out" | tail -1)"
expect_eq "once they go silent, the server closes all $SLOW" "closed_after_stall $SLOW/$SLOW" \
  "$(grep '^closed_after' <<<"$out" || echo "$out" | tail -1)"
hostile_after "$before" "slowloris"

SLOWB=${HOSTILE_SLOW_BODY_CONNS:-100}
out=$(timeout 120 python3 "$HOSTILE_PY" slowloris "$SRV_PORT" "$SLOWB" "$DRIP" "$HOSTILE_IDLE_S" body 2>&1)
expect_eq "while $SLOWB connections drip a body, /health/live answers every second" "served_while_dripping $DRIP/$DRIP" \
  "$(grep '^served_while' <<<"$out" || echo "$out" | tail -1)"
expect_eq "bodies still incomplete after ${DRIP}s of dripping are cut off" "closed_while_dripping $SLOWB/$SLOWB" \
  "$(grep '^closed_while' <<<"$out" || echo "$out" | tail -1)"
expect_eq "once they go silent, the server closes all $SLOWB" "closed_after_stall $SLOWB/$SLOWB" \
  "$(grep '^closed_after' <<<"$out" || echo "$out" | tail -1)"
hostile_after "$before" "slow bodies"

BODIES=${HOSTILE_BODY_CONNS:-500}
out=$(timeout 120 python3 "$HOSTILE_PY" bodies "$SRV_PORT" "$BODIES" "$HOSTILE_IDLE_S" "$SRV_PID" 2>&1)
rss=$(sed -n 's/^rss_kb_holding //p' <<<"$out")
if [ -n "$rss" ] && [ "$rss" -gt 0 ] && [ "$rss" -lt "$HOSTILE_RSS_MAX_KB" ]; then
  ok "holding $BODIES unfinished 60000-byte bodies: resident memory ${rss} kB < ${HOSTILE_RSS_MAX_KB} kB"
else
  nok "holding $BODIES unfinished 60000-byte bodies: resident memory '${rss}' kB < ${HOSTILE_RSS_MAX_KB} kB"; printf '# %s\n' "${out//$'\n'/$'\n'# }"
fi
expect_eq "meanwhile a fresh request is served" "fresh_served 1" "$(grep '^fresh' <<<"$out" || echo "$out" | tail -1)"
expect_eq "the server closes all $BODIES stalled uploads after its timeout" "closed_after_stall $BODIES/$BODIES" \
  "$(grep '^closed_after' <<<"$out" || echo "$out" | tail -1)"
hostile_after "$before" "$BODIES stalled uploads"

out=$(timeout 180 python3 "$HOSTILE_PY" idle "$SRV_PORT" "$IDLE" "$HOSTILE_IDLE_S" 2>&1)
expect_eq "with $IDLE idle connections open, a fresh request is served" "fresh_served 1" \
  "$(grep '^fresh' <<<"$out" || echo "$out" | tail -1)"
expect_eq "a request on idle connections (every 100th) is served" "idle_sample_served 20/20" \
  "$(grep '^idle_sample' <<<"$out" || echo "$out" | tail -1)"
expect_eq "the server closes all $IDLE idle connections after its timeout" "closed_after_idle $IDLE/$IDLE" \
  "$(grep '^closed_after' <<<"$out" || echo "$out" | tail -1)"
hostile_after "$before" "$IDLE idle connections"

srv_stop
expect_eq "lastroomd exits 0 on SIGTERM afterwards" 0 "$SRV_RC"
finish
