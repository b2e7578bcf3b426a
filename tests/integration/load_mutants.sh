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
#   LASTROOM_MUTANT_JOBS=N    N runs at a time (default 2)
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
jobs_max=${LASTROOM_MUTANT_JOBS:-2}
resdir=$(mktemp -d); trap 'rm -rf "$resdir"; lib_cleanup' EXIT
table=()
caught=0; total=0

# stop_server: stop the lastroomd of the mutant just run.
stop_server() {
  kill "$SERVER_PID" 2>/dev/null
  for _ in $(seq 100); do kill -0 "$SERVER_PID" 2>/dev/null || return 0; sleep 0.1; done
  kill -9 "$SERVER_PID" 2>/dev/null
}

# run_mutant NAME SEED OUT: one run, on a database and a lastroomd of its own; writes
# to OUT three lines: ok or nok, the TAP text, the table row.
run_mutant() {
  local name=$1 seed=$2 out=$3 scenario profile expect server applied fired db row
  scenario=$("$MUTANT" show "$name" scenario)
  profile=$("$MUTANT" show "$name" profile); profile=${profile:-quick}
  expect=$("$MUTANT" show "$name" caught-by)
  server=$("$MUTANT" show "$name" server)
  db=lastroom_mutant_${name//-/_}_$seed
  if ! scratch_db "$db"; then
    printf 'nok\n%s\n%-26s %-22s %4s  %s\n' "$name: scratch database $db" "$name" - - \
      "no database" >"$out"
    return
  fi
  # shellcheck disable=SC2086  # the header's flags are words
  if ! LOAD_DB=$SCRATCH_DB start_lastroomd $server; then
    printf 'nok\n%s\n%-26s %-22s %4s  %s\n' "$name: lastroomd starts" "$name" - - \
      "lastroomd did not start" >"$out"
    return
  fi
  applied=0
  "$MUTANT" apply "$name" "$SCRATCH_DB" && applied=1
  if [ "$("$MUTANT" show "$name" log)" = inventory ]; then
    "$MUTANT" log "$SCRATCH_DB" || applied=0
  fi
  run_load run "$scenario" --profile "$profile" --url "$URL" --db "$SCRATCH_DB" --seed "$seed" \
    --quiet --summary-export "$out.json" >"$LOAD_LOGDIR/mutant-$name-$seed.log"
  fired=$(jq -r '.lastroom.verify.fired // [] | join(",")' "$out.json" 2>/dev/null)
  stop_server
  psql_q "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null
  row=$(printf '%-26s %-22s %4s  %s' "$name" "$scenario/$profile" "$RC" "${fired:-none}")
  if [ "$applied" = 1 ] && [ "$RC" = 99 ] && [[ ",$fired," == *",$expect,"* ]]; then
    printf 'ok\n%s\n%s\n' "$name (seed $seed) caught by $expect (exit $RC; fired: $fired)" \
      "$row" >"$out"
  else
    printf 'nok\n%s\n%s\n' "$name (seed $seed) not caught by $expect (applied $applied, exit $RC; fired: ${fired:-none})" \
      "$row" >"$out"
  fi
}

# The runs, LASTROOM_MUTANT_JOBS (default 2) at a time: each has its own database and
# lastroomd, and the load of one (10 VUs) leaves the other's forced windows intact.
i=0
for name in $names; do
  for seed in $(seq "$runs"); do
    i=$((i + 1))
    # shellcheck disable=SC2034  # read by start_lastroomd, for its log name
    (LOAD_SRV_N=$i; run_mutant "$name" "$seed" "$(printf '%s/%04d' "$resdir" "$i")") &
    while [ "$(jobs -rp | wc -l)" -ge "$jobs_max" ]; do wait -n; done
  done
done
wait
for f in "$resdir"/[0-9][0-9][0-9][0-9]; do
  [ -f "$f" ] || continue
  { read -r verdict; read -r text; read -r row; } <"$f"
  total=$((total + 1)); table+=("$row")
  if [ "$verdict" = ok ]; then caught=$((caught + 1)); ok "$text"; else nok "$text"; fi
done
[ "$total" = "$i" ] || nok "every run reported ($total of $i)"

printf '%-26s %-22s %4s  %s\n' MUTANT SCENARIO EXIT 'CHECKS FIRED'
printf '%s\n' "${table[@]}"
echo "mutants: $caught of $total caught"
expect_eq "every mutant run caught by its check" "$total" "$caught"
finish
