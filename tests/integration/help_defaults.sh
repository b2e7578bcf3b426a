#!/usr/bin/env bash
# help_defaults.sh: the defaults --help prints are the ones the programs use. lastroomd
# started with no options logs its settings; started again with every "(default X)" of
# its --help given as a flag, it must log the same ones, and the computed defaults (one
# thread per core, 2 x cores + 1 connections) must be what it chose. lastroom-load's
# default profile is the one its summary export names. A changed value is shown to be
# told apart.
source "$(dirname "$0")/../lib.sh"
export LASTROOM_ADMIN_EMAIL=help-admin@lastroom.test LASTROOM_ADMIN_PASSWORD=help-admin-password
export LASTROOM_TOKEN_SECRET=help-defaults-secret-of-32-characters-or-more
work=$(mktemp -d); trap 'rm -rf "$work"; lib_cleanup' EXIT

# settings LOG: lastroomd's start and settings lines without time stamp, port and pid.
settings() {
  sed -n 's/^[^ ]* //; s/127\.0\.0\.1:[0-9]*/HOST:PORT/; /listening on\|settings:/p' "$1"
}
# started NAME [ARGS...]: start lastroomd with ARGS, stop it, print its settings.
started() {
  local log=$work/$1.log; shift
  lr_start_lastroomd "$log" "$LASTROOM_TEST_DB" --log-level debug "$@" || { echo "# $LR_WHY"; return 1; }
  lr_stop 10 "$LR_PID"
  settings "$log"
}

help=$("$LASTROOM_BIN/lastroomd" --help 2>&1)
# "--opt VALUE" for each "default VALUE" given as one word, on the option's lines.
mapfile -t flags < <(awk '/^  --/ { opt = $1 }
  opt != "" && match($0, /default [^ ;()]+[;)]/) { print opt, substr($0, RSTART + 8, RLENGTH - 9); opt = "" }' <<<"$help" \
  | grep -v -- '--listen\|--secret-file')
args=()
for f in "${flags[@]}"; do args+=("${f%% *}" "${f#* }"); done
printf '# explicit defaults: %s\n' "${args[*]}"
check "--help names thirteen literal defaults besides --listen and --secret-file" test "${#flags[@]}" -eq 13
plain=$(started plain)
printf '%s\n' "$plain" | sed 's/^/# /'
check "lastroomd logged its settings" grep -q 'settings: pool wait' <<<"$plain"
expect_eq "every default of --help, given as a flag, changes nothing" "$plain" "$(started explicit "${args[@]}")"
cores=$(nproc)
check "threads: one per core ($cores)" grep -q "(threads $cores, " <<<"$plain"
check "pool: 2 x cores + 1 ($((2 * cores + 1)))" grep -q ", pool $((2 * cores + 1)), " <<<"$plain"
check "a value other than the default is told apart (--hold-ttl 14m)" \
  test "$plain" != "$(started other "${args[@]}" --hold-ttl 14m)"

# lastroom-load: the profile --help names as default is the one a run reports.
lr_start_lastroomd "$work/load-target.log" "$LASTROOM_TEST_DB" --log-level warn || nok "lastroomd starts"
default_profile=$("$LASTROOM_BIN/lastroom-load" --help 2>&1 | sed -n 's/.*--profile .*(default \([a-z]*\)[;)].*/\1/p')
"$LASTROOM_BIN/lastroom-load" run http --url "$LR_URL" --path /health/live --vus 1 --duration 1s \
  --quiet --summary-export "$work/summary.json" >/dev/null 2>&1
expect_eq "lastroom-load's default profile is --help's ($default_profile)" "${default_profile:-?}" \
  "$(jq -r .lastroom.profile "$work/summary.json" 2>/dev/null)"
finish
