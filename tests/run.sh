#!/usr/bin/env bash
# tests/run.sh: run every test of lastroom and print one closing line "N passed, N failed".
#
# Every test speaks TAP on stdout ("ok ..." / "not ok ..."): the Check unit and database
# tests (CK_TAP_LOG_FILE_NAME=-) and the integration scripts in tests/integration.
# A program that exits non-zero without reporting a failure counts as one failure.
# A private PostgreSQL (var/pg-test) is started first; its URL is in LASTROOM_TEST_DB.
#   tests/run.sh [FILTER]   runs only the tests whose file name contains FILTER.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
ROOT=$(pwd)
export LASTROOM_BIN=${LASTROOM_BIN:-bin}
export LASTROOM_TESTBIN=${LASTROOM_TESTBIN:-build/release/tests}
export LASTROOM_PGDIR=${LASTROOM_TEST_PGDIR:-$ROOT/var/pg-test}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export CK_TAP_LOG_FILE_NAME=-
export CK_DEFAULT_TIMEOUT=${CK_DEFAULT_TIMEOUT:-120}
filter=${1:-}

# The test cluster is stopped at the end when this run started it.
scripts/pg.sh status >/dev/null 2>&1 || trap 'scripts/pg.sh stop >/dev/null 2>&1' EXIT
LASTROOM_TEST_DB=$(scripts/pg.sh start | tail -1) || { echo "could not start the test PostgreSQL"; echo "0 passed, 1 failed"; exit 1; }
export LASTROOM_TEST_DB
# One log folder per test cluster, so that runs with different clusters never collide.
logdir=${LASTROOM_TEST_LOGDIR:-$LASTROOM_PGDIR-logs}
rm -rf "$logdir"; mkdir -p "$logdir"

passed=0; failed=0
run_one() {   # run_one NAME CMD...: run a TAP-speaking test, add up its results
  local name=$1; shift
  local log="$logdir/$name.log" rc p f
  local t0=$SECONDS
  "$@" >"$log" 2>&1 </dev/null; rc=$?
  p=$(grep -c '^ok ' "$log"); f=$(grep -c '^not ok ' "$log")
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; echo "not ok - $name exited with status $rc" >>"$log"; fi
  passed=$((passed + p)); failed=$((failed + f))
  printf '%-40s %3d passed, %d failed  (%ds)\n' "$name" "$p" "$f" $((SECONDS - t0))
  if [ "$f" -ne 0 ]; then grep -E '^not ok |^#' "$log" | head -40 | sed 's/^/    /'; echo "    full log: $logdir/$name.log"; tail -20 "$log" | sed 's/^/    | /'; fi
}

for t in "$LASTROOM_TESTBIN"/*; do
  [ -x "$t" ] && [ -f "$t" ] || continue
  case "$(basename "$t")" in *"$filter"*) run_one "$(basename "$t")" "$t" ;; esac
done
for t in tests/integration/*.sh; do
  [ -x "$t" ] || continue
  case "$(basename "$t")" in *"$filter"*) run_one "$(basename "$t" .sh)" "$t" ;; esac
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
