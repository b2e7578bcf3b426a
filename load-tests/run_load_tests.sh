#!/usr/bin/env bash
# run_load_tests.sh: run lastroom's load and race tests against a running lastroomd.
#
#   load-tests/run_load_tests.sh              a menu: pick a test
#   load-tests/run_load_tests.sh last-room    run one test and exit with its status (CI)
#   load-tests/run_load_tests.sh all          every test, one after the other
#
# Tests: the booking scenarios `lastroom-load list` names (those taking --users), but
# chaos, which load-tests/chaos.sh sets up (docs/load-testing.md).
# The same tests as Lua scripts follow them in the menu: race-condition-test.lua,
# last-room-test.lua, connection-pool-stress.lua, smoke-test.lua, stress-test.lua
# (docs/scripting.md).
# Environment:
#   API_URL          the server (default http://127.0.0.1:8080; loopback only)
#   DB_URL           PostgreSQL URL for verification; without it the tester verifies
#                    through GET /api/admin/integrity
#   ADMIN_EMAIL, ADMIN_PASSWORD   an admin of that server (setup creates its own hotel)
#   PROFILE          quick (seconds, for CI) or full (the seed's profiles; default)
#   LOAD_BIN         the tester (default bin/lastroom-load, or $LASTROOM_BIN/lastroom-load)
#   RESULTS_DIR      where the JSON summaries go (default var/load-results)
# Exit status: 0 all passed; 99 a threshold failed (overbooking included); 1 could not
# run (backend down, missing settings); 2 usage.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
API_URL=${API_URL:-http://127.0.0.1:8080}
API_URL=${API_URL%/}
PROFILE=${PROFILE:-full}
LOAD_BIN=${LOAD_BIN:-${LASTROOM_BIN:-$ROOT/bin}/lastroom-load}
RESULTS_DIR=${RESULTS_DIR:-$ROOT/var/load-results}

# scenarios: "NAME<TAB>DESCRIPTION" of each test, from lastroom-load list.
scenarios() {
  "$LOAD_BIN" list | awk '/^[a-z]/ { name = $1; sub(/^[^ ]+ +/, ""); desc = $0; next }
    /^ +options:.*--users/ && name != "chaos" { print name "\t" desc }'
}
describe() {
  case $1 in
    *.lua) echo "the script load-tests/$1 (docs/scripting.md)" ;;
    *) scenarios | awk -F'\t' -v t="$1" '$1 == t { print $2 }' ;;
  esac
}

# have_tester: lastroom-load is there.
have_tester() {
  [ -x "$LOAD_BIN" ] && return 0
  echo "lastroom-load not found at $LOAD_BIN: build it with 'make' or set LOAD_BIN." >&2
  return 1
}

# preflight: the settings are there, the backend answers.
preflight() {
  if [ -z "${ADMIN_EMAIL:-}" ] || [ -z "${ADMIN_PASSWORD:-}" ]; then
    echo "Set ADMIN_EMAIL and ADMIN_PASSWORD to an admin of the server under test" >&2
    echo "(lastroomd creates it at start from LASTROOM_ADMIN_EMAIL / LASTROOM_ADMIN_PASSWORD)." >&2
    return 1
  fi
  local code
  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 3 "$API_URL/health" 2>/dev/null)
  case "$code" in
    200) return 0 ;;
    503) echo "The backend at $API_URL answers, but its database is down (GET /health: 503)." >&2 ;;
    000|"") echo "The backend is not reachable at $API_URL." >&2
            echo "Start it first, e.g.: bin/lastroomd --db \"\$DB_URL\" --listen 127.0.0.1:8080" >&2 ;;
    *) echo "The backend at $API_URL answered GET /health with $code, expected 200." >&2 ;;
  esac
  return 1
}

# run_one TEST: run one test, print where its JSON summary went, return its status.
run_one() {
  local t=$1 out rc
  mkdir -p "$RESULTS_DIR"
  out="$RESULTS_DIR/$t-$(date +%Y%m%d-%H%M%S).json"
  printf '\n=== %s (%s profile) ===\n%s\n\n' "$t" "$PROFILE" "$(describe "$t")"
  local target=$t
  case "$t" in *.lua) target=$ROOT/load-tests/$t ;; esac   # reads API_URL, DB_URL, ... itself
  local args=(run "$target" --profile "$PROFILE" --url "$API_URL" --summary-export "$out")
  [ -n "${DB_URL:-}" ] && args+=(--db "$DB_URL")
  "$LOAD_BIN" "${args[@]}"; rc=$?
  echo "summary saved to $out (exit status $rc)"
  return "$rc"
}

guide() {
  cat <<'GUIDE'

How to read the result
  * "Overbookings Detected" must be 0, and so must overbookings and inventory_violations
    in the summary: anything else means a night was sold past its allotment or the
    database disagrees with what a client was told (see "first problem").
  * Failed Bookings are clean refusals (409 sold_out): under contention they are the
    expected answer, not an error. last-room must show exactly 1 success.
  * Thresholds (✓/✗ at the top of the summary) decide the exit status: 0 passed,
    99 a threshold failed. http_req_failed should stay under 10%, p(95) of hold and
    confirm under 2 s (5 s for stress and pool-stress), db_connection_errors and
    timeout_errors under 10.
  * Troubleshooting: docs/load-testing.md.
GUIDE
}

run_tests() {
  local worst=0 rc t
  for t in "$@"; do
    run_one "$t"; rc=$?
    if [ "$rc" -eq 99 ] || { [ "$rc" -ne 0 ] && [ "$worst" -ne 99 ]; }; then worst=$rc; fi
  done
  guide
  if [ "$worst" -eq 0 ]; then echo "✅ all passed"; else echo "❌ failed (exit status $worst)"; fi
  return "$worst"
}

# menu: show the choices on stderr, print the chosen test (or "quit") on stdout.
menu() {
  {
    echo "lastroom load tests against $API_URL (profile: $PROFILE)"
    local i=1 t
    for t in "${TESTS[@]}"; do printf '  %d) %-12s %s\n' "$i" "$t" "$(describe "$t")"; i=$((i + 1)); done
    printf '  %d) %-12s every test above\n  q) quit\nchoice: ' "$i" all
  } >&2
  local choice="" n=${#TESTS[@]}
  read -r choice
  case "$choice" in
    *[!0-9]*|"") echo quit ;;
    *) if [ "$choice" -ge 1 ] && [ "$choice" -le "$n" ]; then echo "${TESTS[choice - 1]}"
       elif [ "$choice" -eq $((n + 1)) ]; then echo all; else echo quit; fi ;;
  esac
}

main() {
  local choice=${1:-}
  case "$PROFILE" in quick|full) ;; *) echo "PROFILE must be quick or full" >&2; return 2 ;; esac
  case "$choice" in -h|--help) sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; return 0 ;; esac
  have_tester || return 1
  mapfile -t TESTS < <(scenarios | cut -f1)
  TESTS+=(race-condition-test.lua last-room-test.lua connection-pool-stress.lua smoke-test.lua stress-test.lua)
  if [ -z "$choice" ]; then
    choice=$(menu)
    [ "$choice" = quit ] && return 0
  fi
  case "$choice" in
    all) preflight || return 1; run_tests "${TESTS[@]}" ;;
    *) if [[ " ${TESTS[*]} " == *" $choice "* ]]; then preflight || return 1; run_tests "$choice"
       else echo "unknown test '$choice'; one of: ${TESTS[*]} all" >&2; return 2; fi ;;
  esac
}

main "$@"
