# shellcheck disable=SC2034  # variables set here are read by the scripts that source it
# load_helpers.bash: shared steps of the load_*.sh integration tests (sourced after
# tests/lib.sh). Not a test itself: tests/run.sh runs only executable *.sh files.
#
#   start_lastroomd STRATEGY    start lastroomd (safe|unsafe) on a free port against
#                               $LASTROOM_TEST_DB; sets URL; stopped when the test exits
#   run_load ARGS...            run lastroom-load with the admin set; sets OUT and RC
#   verdict_field NAME          the number after "NAME: " in the verdict block of $OUT
#   run_room_type               the room type this run created (from the verdict)

LOAD_ADMIN_EMAIL=load-admin@lastroom.test
LOAD_ADMIN_PASSWORD=load-admin-password
LOAD_LOGDIR=${LASTROOM_TEST_LOGDIR:-${LASTROOM_PGDIR:-$ROOT/var/pg-test}-logs}
mkdir -p "$LOAD_LOGDIR"

start_lastroomd() {
  LASTROOM_ADMIN_EMAIL=$LOAD_ADMIN_EMAIL LASTROOM_ADMIN_PASSWORD=$LOAD_ADMIN_PASSWORD \
    lr_start_lastroomd "$LOAD_LOGDIR/$(basename "$0" .sh)-lastroomd-$1.log" \
    "$LASTROOM_TEST_DB" --booking-strategy "$1" --log-level warn || { echo "# $LR_WHY"; return 1; }
  URL=$LR_URL
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
