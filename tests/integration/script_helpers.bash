# script_helpers.bash: shared steps of the script_*.sh integration tests (sourced after
# tests/lib.sh and load_helpers.bash). Not a test itself.
#
#   start_reservations MODE   tests/reservation_service.py (safe|racy) on a free port;
#                             sets SVC_URL; stopped when the test exits
#   start_lastroomd_racy [ARGS...]   lastroomd (with ARGS) on a scratch database (LOAD_DB)
#                             with the mutant `unsafe` applied (tests/mutants/): the one
#                             place that says how the racy booking path is obtained
#   run_script FILE ARGS...   lastroom-load run FILE with the admin set; sets OUT and RC

start_reservations() {
  local port
  port=$(free_port) || return 1
  python3 "$ROOT/tests/reservation_service.py" --port "$port" --mode "$1" \
    >>"$LOAD_LOGDIR/$(basename "$0" .sh)-reservations-$1.log" 2>&1 &
  track_pid $!
  SVC_URL="http://127.0.0.1:$port"
  wait_http "$SVC_URL/healthz" 60
}

start_lastroomd_racy() {
  scratch_db lastroom_script_racy || return 1
  LOAD_DB=$SCRATCH_DB
  # shellcheck disable=SC2046  # the mutant's "server:" flags (--hold-batch 0) are words
  start_lastroomd $("$ROOT/scripts/mutant.sh" show unsafe server) "$@" \
    && "$ROOT/scripts/mutant.sh" apply unsafe "$LOAD_DB" >/dev/null
}

run_script() {
  run_load run "$@"
}
