#!/usr/bin/env bash
# mutants.sh: run by `make mutants`. Starts the test PostgreSQL (./var/pg-test, as
# tests/run.sh does) and runs tests/integration/load_mutants.sh against it: every mutant
# of tests/mutants/ applied to a scratch database, its scenario run, the table of the
# checks that fired and "mutants: K of N caught". Exits non-zero unless every mutant
# was caught by the check meant for it. LASTROOM_MUTANTS and LASTROOM_MUTANT_RUNS are
# passed on (see load_mutants.sh).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
export LASTROOM_BIN=${LASTROOM_BIN:-bin}
export LASTROOM_PGDIR=${LASTROOM_TEST_PGDIR:-$(pwd)/var/pg-test}
scripts/pg.sh status >/dev/null 2>&1 || trap 'scripts/pg.sh stop >/dev/null 2>&1' EXIT
LASTROOM_TEST_DB=$(scripts/pg.sh start | tail -1) || { echo "could not start the test PostgreSQL"; exit 1; }
export LASTROOM_TEST_DB
tests/integration/load_mutants.sh | grep -v '^ok \|^1\.\.'
exit "${PIPESTATUS[0]}"
