# load_http_helpers.bash: shared steps of the tests that run the http scenario against
# Python's http.server (sourced after tests/lib.sh; not a test itself).
#
#   TMP                      a temporary folder, removed when the test exits
#   start_file_server DIR    serve DIR on a free loopback port; sets PORT and URL
#   run_load ARGS...         lastroom-load run http --url $URL --quiet with a summary
#                            export; stdout in $TMP/out.txt, stderr in $TMP/err.txt; sets RC
#   metric SERIES FIELD      a value from that summary export ("" when absent)

LOAD=$LASTROOM_BIN/lastroom-load
TMP=$(mktemp -d)
trap 'lib_cleanup; rm -rf "$TMP"' EXIT

start_file_server() {
  PORT=$(free_port) || return 1
  (cd "$1" && exec python3 -m http.server "$PORT" --bind 127.0.0.1 --protocol HTTP/1.1) \
    >"$TMP/server.log" 2>&1 &
  track_pid $!
  URL=http://127.0.0.1:$PORT
}

run_load() {
  rm -f "$TMP/summary.json"
  "$LOAD" run http --url "$URL" --quiet --summary-export "$TMP/summary.json" "$@" \
    >"$TMP/out.txt" 2>"$TMP/err.txt"
  # shellcheck disable=SC2034  # RC is read by the caller
  RC=$?
}

metric() { jq -r --arg s "$1" --arg f "$2" '.metrics[$s].values[$f] // empty' "$TMP/summary.json"; }

# start_test_server [CERT KEY]: load_http_server.py on a free loopback port (HTTPS with
# CERT and KEY); its request log is $TMP/requests.log. Sets PORT and URL.
start_test_server() {
  local scheme=http
  [ $# -eq 2 ] && scheme=https
  PORT=$(free_port) || return 1
  python3 "$(dirname "$0")/load_http_server.py" "$PORT" "$@" >"$TMP/requests.log" 2>&1 &
  track_pid $!
  URL=$scheme://127.0.0.1:$PORT
}

# wait_http_tls URL CA [SECONDS]: wait_http for an HTTPS URL whose certificate CA signs
# (CA "-k": any certificate).
wait_http_tls() {
  local deadline=$((SECONDS + ${3:-20})) trust=(--cacert "$2")
  [ "$2" = -k ] && trust=(-k)
  while [ $SECONDS -lt $deadline ]; do
    curl -s -o /dev/null --max-time 1 "${trust[@]}" "$1" && return 0
    sleep 0.1
  done
  return 1
}
