# shellcheck disable=SC2034  # variables set here are read by the scripts that source it
# load_helpers.bash: shared steps of the load_*.sh integration tests (sourced after
# tests/lib.sh). Not a test itself: tests/run.sh runs only executable *.sh files.
#
#   start_lastroomd [ARGS...]   start lastroomd (with ARGS) on a free port against
#                               ${LOAD_DB:-$LASTROOM_TEST_DB}; sets URL and SERVER_PID;
#                               stopped when the test exits
#   scratch_db NAME             (re)create database NAME in the test cluster, for
#                               mutants (scripts/mutant.sh); sets SCRATCH_DB to its URL
#   run_load ARGS...            run lastroom-load with the admin set; sets OUT and RC
#   verdict_field NAME          the number after "NAME: " in the verdict block of $OUT
#   run_room_type               the room type this run created (from the verdict)

LOAD_ADMIN_EMAIL=load-admin@lastroom.test
LOAD_ADMIN_PASSWORD=load-admin-password
LOAD_LOGDIR=${LASTROOM_TEST_LOGDIR:-${LASTROOM_PGDIR:-$ROOT/var/pg-test}-logs}
mkdir -p "$LOAD_LOGDIR"

start_lastroomd() {
  LOAD_SRV_N=$((${LOAD_SRV_N:-0} + 1))
  LASTROOM_ADMIN_EMAIL=$LOAD_ADMIN_EMAIL LASTROOM_ADMIN_PASSWORD=$LOAD_ADMIN_PASSWORD \
    lr_start_lastroomd "$LOAD_LOGDIR/$(basename "$0" .sh)-lastroomd-$LOAD_SRV_N.log" \
    "${LOAD_DB:-$LASTROOM_TEST_DB}" --log-level warn "$@" || { echo "# $LR_WHY"; return 1; }
  URL=$LR_URL
  SERVER_PID=$LR_PID
}

scratch_db() {
  PGOPTIONS=--client-min-messages=warning psql_q "DROP DATABASE IF EXISTS $1 WITH (FORCE)" &&
    psql_q "CREATE DATABASE $1" \
    || return 1
  SCRATCH_DB=${LASTROOM_TEST_DB%/*}/$1
}

run_load() {
  OUT=$(ADMIN_EMAIL=$LOAD_ADMIN_EMAIL ADMIN_PASSWORD=$LOAD_ADMIN_PASSWORD \
        "$LASTROOM_BIN/lastroom-load" "$@" 2>&1)
  RC=$?
  printf '%s\n' "$OUT" | sed 's/^/# /'
}

verdict_field() {
  printf '%s\n' "$OUT" | sed -n "s/^$1: \([0-9][0-9]*\)\$/\1/p" | tail -1
}

run_room_type() {
  printf '%s\n' "$OUT" | sed -n 's/^Verification (.*room type \([0-9][0-9]*\),.*/\1/p' | tail -1
}
