#!/usr/bin/env bash
# hostile_memory.sh: the memory bound. HOSTILE_MEM_CONNS (1000) connections at once,
# each with one hostile body (hostile_memory.py: 63 KB of {},{},..., the same at the
# route's own cap, a valid request padded to the cap) to register, login, holds,
# bookings, three admin routes and GET /api/hotels. The server must end every one of
# them (answered, or closed after an early 413), never answer 500, keep answering
# GET /health/live within HOSTILE_MEM_LIVE_S (5) s throughout, and its peak resident memory (VmHWM) must stay
# under HOSTILE_MEM_MAX_KB (256 MiB; the figure for a release build is in bench/).
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/server_common.sh"
source "$(dirname "$0")/hostile_lib.sh"

CONNS=${HOSTILE_MEM_CONNS:-1000}
MAX_KB=${HOSTILE_MEM_MAX_KB:-262144}
LIVE_S=${HOSTILE_MEM_LIVE_S:-5}   # the sanitizer build is slow; bench/ asks 2 s of the release build
ulimit -n $((CONNS + 512)) 2>/dev/null || ulimit -n "$(ulimit -Hn)"
hostile_start --conn-timeout 60s || { nok "lastroomd starts"; finish; exit 1; }
admin_token; new_user
out=$(timeout 300 python3 "$ROOT/tests/integration/hostile_memory.py" "$SRV_PORT" "$SRV_PID" "$CONNS" \
      "$USER_TOKEN" "$ADMIN" "$LIVE_S" 2>&1)
# shellcheck disable=SC2001  # a prefix on every line, not one substitution
echo "$out" | sed 's/^/# /'
expect_eq "all $CONNS hostile connections ended" "ended $CONNS/$CONNS" "$(grep '^ended' <<<"$out")"
check "none was answered 500" test -z "$(grep '^statuses' <<<"$out" | grep -o ' 500:[0-9]*')"
check "some reached the hashing pool or the database (201, 401, 404 or 503 busy)" \
  grep -q -E '^statuses.* (201|401|404|503):' <<<"$out"
live=$(grep '^live_ok' <<<"$out")
check "GET /health/live answered within $LIVE_S s every time meanwhile ($live)" \
  test "$(awk '{print $4}' <<<"$live")" = 0 -a "$(awk '{print $2}' <<<"$live")" -gt 0
peak=$(awk '/^peak_rss_kb/ {print $2}' <<<"$out")
check "peak resident memory ${peak:-?} kB stays under $MAX_KB kB" test "${peak:-999999999}" -lt "$MAX_KB"
hostile_after "$(db_snapshot)" "the memory storm"
finish
