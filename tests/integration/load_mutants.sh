#!/usr/bin/env bash
# load_mutants.sh: the verification is shown to catch every mutant of tests/mutants/.
#
# For each mutant (scripts/mutant.sh list): a scratch database of the test cluster,
# lastroomd started on it (with the mutant's "server:" flags), the mutant applied, then
# the mutant's scenario and profile run with --db against it. A mutant is caught when
# the run fails its verdict (exit 99) and the check its header names ("caught-by:")
# is among the checks that fired (the summary export's lastroom.verify.fired); a mutant
# whose header says "log: inventory" gets the inventory change log first. Prints
# one TAP line per mutant and run, the table (mutant, scenario, exit status, checks
# fired) and "mutants: K of N caught".
#   LASTROOM_MUTANTS="a b"    only these mutants (default: all)
#   LASTROOM_MUTANT_RUNS=N    N runs of each, with seeds 1..N (default 1)
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/load_helpers.bash"

MUTANT=$ROOT/scripts/mutant.sh
runs=${LASTROOM_MUTANT_RUNS:-1}
# By default every mutant but those whose header says "reliable: no": a mutant caught in
# only some seeded runs is not caught (docs/mutants.md), and stays out until it is.
default_names() {
  local n
  for n in $("$MUTANT" list | awk '{print $1}'); do
    [ "$("$MUTANT" show "$n" reliable)" = no ] || echo "$n"
  done
}
names=${LASTROOM_MUTANTS:-$(default_names)}
export_file=$(mktemp); trap 'rm -f "$export_file"; lib_cleanup' EXIT
table=()
caught=0; total=0

# stop_server: stop the lastroomd of the mutant just run.
stop_server() {
  kill "$SERVER_PID" 2>/dev/null
  for _ in $(seq 100); do kill -0 "$SERVER_PID" 2>/dev/null || return 0; sleep 0.1; done
  kill -9 "$SERVER_PID" 2>/dev/null
}

# run_mutant NAME SEED: one run; adds a table row and a TAP line.
run_mutant() {
  local name=$1 seed=$2 scenario profile expect server applied fired db
  scenario=$("$MUTANT" show "$name" scenario)
  profile=$("$MUTANT" show "$name" profile); profile=${profile:-quick}
  expect=$("$MUTANT" show "$name" caught-by)
  server=$("$MUTANT" show "$name" server)
  db=lastroom_mutant_${name//-/_}
  total=$((total + 1))
  if ! scratch_db "$db"; then
    nok "$name: scratch database $db"; table+=("$(printf '%-26s %-22s %4s  %s' "$name" "-" "-" "no database")"); return
  fi
  # shellcheck disable=SC2086  # the header's flags are words
  if ! LOAD_DB=$SCRATCH_DB start_lastroomd $server; then
    nok "$name: lastroomd starts"; stop_server; return
  fi
  applied=0
  "$MUTANT" apply "$name" "$SCRATCH_DB" && applied=1
  if [ "$("$MUTANT" show "$name" log)" = inventory ]; then
    "$MUTANT" log "$SCRATCH_DB" || applied=0
  fi
  rm -f "$export_file"
  run_load run "$scenario" --profile "$profile" --url "$URL" --db "$SCRATCH_DB" --seed "$seed" \
    --quiet --summary-export "$export_file" >"$LOAD_LOGDIR/mutant-$name-$seed.log"
  fired=$(jq -r '.lastroom.verify.fired // [] | join(",")' "$export_file" 2>/dev/null)
  stop_server
  psql_q "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null
  table+=("$(printf '%-26s %-22s %4s  %s' "$name" "$scenario/$profile" "$RC" "${fired:-none}")")
  if [ "$applied" = 1 ] && [ "$RC" = 99 ] && [[ ",$fired," == *",$expect,"* ]]; then
    caught=$((caught + 1)); ok "$name (seed $seed) caught by $expect (exit $RC; fired: $fired)"
  else
    nok "$name (seed $seed) not caught by $expect (applied $applied, exit $RC; fired: ${fired:-none})"
  fi
}

for name in $names; do
  for seed in $(seq "$runs"); do run_mutant "$name" "$seed"; done
done

printf '%-26s %-22s %4s  %s\n' MUTANT SCENARIO EXIT 'CHECKS FIRED'
printf '%s\n' "${table[@]}"
echo "mutants: $caught of $total caught"
expect_eq "every mutant run caught by its check" "$total" "$caught"
finish
