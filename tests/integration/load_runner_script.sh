#!/usr/bin/env bash
# load_runner_script.sh: load-tests/run_load_tests.sh refuses clearly when the backend
# is down or unknown tests are asked for, and runs last-room non-interactively.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/load_helpers.bash"
script=$ROOT/load-tests/run_load_tests.sh
RESULTS_DIR=$(mktemp -d)
export LOAD_BIN=$LASTROOM_BIN/lastroom-load ADMIN_EMAIL=$LOAD_ADMIN_EMAIL \
  ADMIN_PASSWORD=$LOAD_ADMIN_PASSWORD RESULTS_DIR
trap 'rm -rf "$RESULTS_DIR"; lib_cleanup' EXIT

down=$(free_port)
out=$(API_URL="http://127.0.0.1:$down" "$script" last-room 2>&1); rc=$?
expect_eq "backend down: exit 1" 1 "$rc"
check "backend down: says so" grep -q "not reachable at http://127.0.0.1:$down" <<<"$out"
out=$("$script" no-such-test 2>&1); rc=$?
expect_eq "unknown test: exit 2" 2 "$rc"

check "lastroomd starts" start_lastroomd
out=$(API_URL=$URL DB_URL=$LASTROOM_TEST_DB PROFILE=quick "$script" last-room 2>&1); rc=$?
printf '%s\n' "$out" | sed 's/^/# /'
expect_eq "last-room through the runner exits 0" 0 "$rc"
check "the runner prints the verdict" grep -q '^Successful Bookings: 1$' <<<"$out"
check "the runner prints the reading guide" grep -q '^How to read the result' <<<"$out"
check "the JSON summary was saved" test -s "$(find "$RESULTS_DIR" -name 'last-room-*.json' | head -1)"
finish
