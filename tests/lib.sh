# tests/lib.sh: helpers for the integration tests (sourced, bash).
#
# A test script sources this file, runs its checks with ok/expect_eq, and ends with
# `finish`. Output is TAP: one "ok N - what" or "not ok N - what" line per check.
# Environment (set by tests/run.sh): LASTROOM_BIN (programs), LASTROOM_TEST_DB (URL of
# the shared private test database). Servers a test starts are stopped on exit.

set -uo pipefail
TAP_N=0
TAP_FAILED=0
LIB_PIDS=()
ROOT=${ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
LASTROOM_BIN=${LASTROOM_BIN:-$ROOT/bin}
case "$LASTROOM_BIN" in /*) ;; *) LASTROOM_BIN=$ROOT/$LASTROOM_BIN ;; esac
export LASTROOM_BIN

ok()   { TAP_N=$((TAP_N + 1)); echo "ok $TAP_N - $*"; }
nok()  { TAP_N=$((TAP_N + 1)); TAP_FAILED=$((TAP_FAILED + 1)); echo "not ok $TAP_N - $*"; }
# check DESCRIPTION CMD...: ok when CMD succeeds.
check() { local d=$1; shift; if "$@"; then ok "$d"; else nok "$d"; fi; }
# expect_eq DESCRIPTION EXPECTED ACTUAL
expect_eq() {
  if [ "$2" = "$3" ]; then ok "$1"; else nok "$1 (expected '$2', got '$3')"; fi
}
# finish: the closing checks a helper file registered (finish_hook), then the TAP plan.
finish() {
  if declare -F finish_hook >/dev/null; then finish_hook; fi
  echo "1..$TAP_N"; [ "$TAP_FAILED" -eq 0 ]
}

source "$ROOT/scripts/lib.sh"   # free_port

# wait_http URL [SECONDS]: wait until URL answers any HTTP status.
wait_http() {
  local deadline=$((SECONDS + ${2:-20}))
  while [ $SECONDS -lt $deadline ]; do
    curl -s -o /dev/null --max-time 1 "$1" && return 0
    sleep 0.1
  done
  return 1
}

# psql_q SQL: run SQL against the test database, print unaligned tuples only.
psql_q() { psql -X -qAt -v ON_ERROR_STOP=1 "$LASTROOM_TEST_DB" -c "$1"; }

# http METHOD URL [BODY] [CURL ARGS...]: sets HTTP_STATUS and HTTP_BODY.
http() {
  local method=$1 url=$2 body=${3:-}; shift 3 2>/dev/null || shift $#
  local out
  if [ -n "$body" ]; then
    out=$(curl -s --max-time 30 -X "$method" -H 'Content-Type: application/json' \
          --data-binary "$body" -w '\n%{http_code}' "$@" "$url")
  else
    out=$(curl -s --max-time 30 -X "$method" -w '\n%{http_code}' "$@" "$url")
  fi
  HTTP_STATUS=${out##*$'\n'}
  HTTP_BODY=${out%$'\n'*}
}

# track_pid PID: stop this process (SIGTERM, then SIGKILL) when the test exits.
track_pid() { LIB_PIDS+=("$1"); }
lib_cleanup() {
  local p
  for p in "${LIB_PIDS[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${LIB_PIDS[@]}"; do
    for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$p" 2>/dev/null
  done
  return 0
}
trap lib_cleanup EXIT
