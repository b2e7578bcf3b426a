#!/usr/bin/env bash
# demo.sh: the main job of lastroom, end to end (run by `make demo`).
#
#   1. start the private PostgreSQL (scripts/pg.sh, ./var/pg) and apply migrations;
#   2. start lastroomd on a free loopback port;
#   3. run lastroom-load's last-room and race tests (quick profiles), with verification
#      against the database, printing the k6-style summaries and the verdicts;
#   4. the control experiment: the same last-room test against a second lastroomd on a
#      scratch database into which two mutants (tests/mutants/, scripts/mutant.sh) were
#      applied: `unsafe` and `confirm-lost-update`, which together really sell the one
#      room to several clients; it must be caught overbooking (exit 99).
# Exits 0 only when the real runs pass and the mutants are caught.
# LASTROOM_DEMO_KEEP=1 leaves PostgreSQL running afterwards for inspection.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
BIN=${LASTROOM_BIN:-bin}
export ADMIN_EMAIL=${ADMIN_EMAIL:-admin@lastroom.test}
export ADMIN_PASSWORD=${ADMIN_PASSWORD:-demo-admin-password}

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
source scripts/lib.sh
cleanup() { lr_stop_all 5; [ "${LASTROOM_DEMO_KEEP:-0}" = 1 ] || lr_pg_stop; }
trap cleanup EXIT

# start_server DB_URL LOGFILE: start lastroomd; sets SERVER_URL once it serves.
start_server() {
  local db=$1 log=$2; shift 2
  LASTROOM_ADMIN_EMAIL=$ADMIN_EMAIL LASTROOM_ADMIN_PASSWORD=$ADMIN_PASSWORD LASTROOM_BIN=$BIN \
    lr_start_lastroomd "$log" "$db" --log-level warn "$@" \
    || { echo "$LR_WHY" >&2; return 1; }
  SERVER_URL=$LR_URL
}

mkdir -p var
say "1. private PostgreSQL"
lr_pg_start || { echo "PostgreSQL did not start"; exit 1; }
DB=$LR_DB
echo "database: $DB"

say "2. lastroomd"
start_server "$DB" var/demo-lastroomd.log || exit 1
URL=$SERVER_URL
echo "serving on $URL (log: var/demo-lastroomd.log)"

status=0
say "3a. last-room: 50 users, 1 room, released together from a start barrier"
"$BIN/lastroom-load" run last-room --profile quick --url "$URL" --db "$DB" \
  --summary-export var/demo-last-room.json || status=1

say "3b. race: ramping users booking a small allotment with contention"
"$BIN/lastroom-load" run race --profile quick --url "$URL" --db "$DB" \
  --summary-export var/demo-race.json || status=1

say "4. control experiment: last-room against the mutants unsafe + confirm-lost-update"
echo "A scratch database whose hold and confirm functions read the counters without a"
echo "lock and write back stale values (tests/mutants/): several clients are told"
echo "\"confirmed\" for the one room. The tester must catch it: this run is expected to"
echo "FAIL with exit code 99, naming the checks that fired."
MUTANT_DB=${DB%/*}/lastroom_demo_mutant
psql -X -q "$DB" -c "DROP DATABASE IF EXISTS lastroom_demo_mutant WITH (FORCE)" \
  -c "CREATE DATABASE lastroom_demo_mutant" || exit 1
# The mutants' "server:" flags: they break the paths of holds and confirms sent one by
# one (--hold-batch 0, --confirm-batch 0).
# shellcheck disable=SC2046  # the flags are words
start_server "$MUTANT_DB" var/demo-lastroomd-mutant.log $(scripts/mutant.sh show unsafe server) \
  $(scripts/mutant.sh show confirm-lost-update server) || exit 1
scripts/mutant.sh apply unsafe "$MUTANT_DB" && scripts/mutant.sh apply confirm-lost-update "$MUTANT_DB" || exit 1
"$BIN/lastroom-load" run last-room --profile quick --url "$SERVER_URL" --db "$MUTANT_DB" --quiet
rc=$?
if [ "$rc" -eq 99 ]; then
  echo "control experiment: overbooking was detected (exit 99), as it must be"
else
  echo "control experiment: the tester did NOT catch the mutants (exit $rc)"
  status=1
fi

say "verdict"
if [ "$status" -eq 0 ]; then
  echo "✅ lastroom passed: no overbooking under race, and the checker caught the mutants."
else
  echo "❌ lastroom failed: see the summaries above."
fi
exit "$status"
