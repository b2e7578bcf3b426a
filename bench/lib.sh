# shellcheck disable=SC2034  # variables set here are read by the scripts that source it
# bench/lib.sh: helpers for bench/run.sh (sourced, bash).
#
# Process lifecycle (scripts/lib.sh: everything started here is stopped by PID at exit),
# peak resident memory of a command, small JSON and arithmetic helpers, and the
# result table. Every helper that measures something returns non-zero and leaves a
# reason in BENCH_WHY when it could not measure, so that the caller prints
# "n/a (reason)" in that row instead of aborting the whole bench.

BENCH_ROWS=()
BENCH_WHY=""

say()  { printf '\n\033[1m== %s\033[0m\n' "$*" >&2; }
note() { printf '   %s\n' "$*" >&2; }

source scripts/lib.sh   # free_port, lr_* (processes, lastroomd, the cluster)
# track PID / stop_pid PID / stop_all: scripts/lib.sh's, with 5 s of grace.
track() { lr_track "$1"; }
stop_pid() { lr_stop 5 "$1"; }
stop_all() { lr_stop_all 5; }

# timed_run SECONDS CMD...: run CMD in the background, bounded: SIGTERM after SECONDS,
# SIGKILL 5 s later. Returns CMD's exit status (124 when it had to be stopped).
timed_run() {
  local limit=$1; shift
  "$@" &
  local p=$! waited=0 rc
  track "$p"
  while kill -0 "$p" 2>/dev/null; do
    if [ $waited -ge $((limit * 10)) ]; then stop_pid "$p"; return 124; fi
    sleep 0.1; waited=$((waited + 1))
  done
  wait "$p"; rc=$?
  return $rc
}

# peak_rss_run OUTFILE SECONDS CMD...: timed_run CMD and write "RSS CPU" to OUTFILE: its
# peak resident set size in KiB and the CPU seconds it used (user + system). With GNU
# time both are exact; without it RSS is the last VmHWM read from /proc while it ran
# and CPU is "-". Returns CMD's exit status.
peak_rss_run() {
  local out=$1 limit=$2; shift 2
  if [ -x /usr/bin/time ] && /usr/bin/time -f '%M' true >/dev/null 2>&1; then
    timed_run "$limit" /usr/bin/time -f '%M %U %S' -o "$out" "$@"
    local rc=$?
    # GNU time writes "Command exited with non-zero status N" before the figures.
    [ -s "$out" ] && tail -1 "$out" | awk '{ printf "%s %.3f\n", $1, $2 + $3 }' >"$out.tmp" \
      && mv "$out.tmp" "$out"
    return $rc
  fi
  "$@" &
  local p=$! waited=0 hwm=0 k v rest
  track "$p"
  while kill -0 "$p" 2>/dev/null; do
    while read -r k v rest; do [ "$k" = VmHWM: ] && hwm=$v; done <"/proc/$p/status" 2>/dev/null
    if [ $waited -ge $((limit * 20)) ]; then stop_pid "$p"; echo "$hwm -" >"$out"; return 124; fi
    sleep 0.05; waited=$((waited + 1))
  done
  wait "$p"; local rc=$?
  echo "$hwm -" >"$out"
  return $rc
}

# calc EXPR: floating-point arithmetic (awk), printed with up to 4 significant digits.
calc() { awk "BEGIN { v = $1; printf \"%.4g\n\", v }"; }
# pct EXPR: a percentage with two decimals.
pct() { awk "BEGIN { printf \"%.2f\n\", $1 }"; }
# fmt_int N: an integer with thousands separators.
fmt_int() { awk -v v="$1" 'BEGIN { s = sprintf("%.0f", v); o = "";
  while (length(s) > 3) { o = "," substr(s, length(s) - 2) o; s = substr(s, 1, length(s) - 3) }
  print s o }'; }
# ge A B / le A B: floating-point comparisons for PASS/MISS.
ge() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 >= b + 0) }'; }
le() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 <= b + 0) }'; }
# verdict CONDITION...: PASS when the command succeeds, MISS otherwise.
verdict() { if "$@"; then echo PASS; else echo MISS; fi; }

# jnum FILE FILTER: a number from a JSON file via jq, or fail (empty output).
jnum() {
  local v
  v=$(jq -er "$2 // empty" "$1" 2>/dev/null) || return 1
  [ -n "$v" ] && [ "$v" != null ] || return 1
  echo "$v"
}

# row ID MEASURE LASTROOM REFERENCE FIGURE TARGET VERDICT: one line of the table.
row() {
  local r
  r=$(printf '| %s | %s | %s | %s | %s | %s | %s |' "$@")
  BENCH_ROWS+=("$r")
  echo "$r" >&2
}
# na ID MEASURE REASON TARGET: a row that could not be measured.
na() { row "$1" "$2" "n/a ($3)" "" "" "$4" "n/a"; }

print_table() {
  echo "| # | measure | lastroom | reference | figure | target | verdict |"
  echo "|---|---|---|---|---|---|---|"
  printf '%s\n' "${BENCH_ROWS[@]}"
}
