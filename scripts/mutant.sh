#!/usr/bin/env bash
# mutant.sh: the deliberately broken database functions that the verification must catch.
#
#   scripts/mutant.sh list              one line per mutant: name, function, scenario/profile,
#                                       check
#   scripts/mutant.sh show NAME FIELD   one header field of a mutant (replaces, scenario,
#                                       profile, caught-by, server)
#   scripts/mutant.sh apply NAME DB_URL install mutant NAME into the database at DB_URL
#   scripts/mutant.sh log DB_URL        install the inventory change log (tests/inventory-log.sql)
#                                       that the check sold_out_while_free reads
#
# A mutant is tests/mutants/NAME.sql: a CREATE OR REPLACE of one production function
# (db/functions/) with one realistic bug, opened by a header of "-- FIELD: value" lines
# naming the function it replaces, the scenario whose quick profile catches it, and the
# check that must fire, and "log: inventory" when its run needs the inventory change
# log (docs/mutants.md). Apply mutants to scratch databases only, after
# lastroomd has started (lastroomd applies db/functions at every start). What undoes a
# mutant: restarting lastroomd, or `lastroomd migrate --db URL`, which apply the real
# functions again.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DIR=$ROOT/tests/mutants

usage() { echo "usage: mutant.sh list | show NAME FIELD | apply NAME DB_URL | log DB_URL" >&2; exit 2; }

# file NAME: the mutant's file, after checking that NAME is one of them.
file() {
  case "$1" in ''|*[!a-z0-9-]*) echo "mutant.sh: no mutant named '$1' (see: mutant.sh list)" >&2; exit 2 ;; esac
  [ -f "$DIR/$1.sql" ] || { echo "mutant.sh: no mutant named '$1' (see: mutant.sh list)" >&2; exit 2; }
  echo "$DIR/$1.sql"
}

# field FILE NAME: the value of "-- NAME: value" in the file's header ("" when absent).
field() { sed -n "s/^-- $2: *//p" "$1" | head -1; }

case "${1:-}" in
  list)
    [ $# -eq 1 ] || usage
    for f in "$DIR"/*.sql; do
      n=$(basename "$f" .sql)
      p=$(field "$f" profile)
      printf '%-26s %-28s %-16s %s\n' "$n" "$(field "$f" replaces)" \
        "$(field "$f" scenario)/${p:-quick}" "$(field "$f" caught-by)"
    done ;;
  show)
    [ $# -eq 3 ] || usage
    f=$(file "$2")
    field "$f" "$3" ;;
  apply)
    [ $# -eq 3 ] || usage
    f=$(file "$2")
    psql -X -q -v ON_ERROR_STOP=1 -d "$3" -f "$f" >/dev/null ;;
  log)
    [ $# -eq 2 ] || usage
    psql -X -q -v ON_ERROR_STOP=1 -d "$2" -f "$ROOT/tests/inventory-log.sql" >/dev/null ;;
  *) usage ;;
esac
