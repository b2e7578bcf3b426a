# shellcheck disable=SC2034  # variables set here are read by the scripts that source it
# server_common.sh: helpers for the lastroomd integration tests (sourced after
# tests/lib.sh; not a test itself, so not executable).
#
#   srv_start [ARGS...]   start lastroomd on a free port against $LASTROOM_TEST_DB (or
#                         $SRV_DB), admin from SRV_ADMIN_EMAIL/PASSWORD; sets SRV_URL,
#                         SRV_PID, SRV_LOG
#   srv_stop              SIGTERM it and wait; sets SRV_RC to its exit status
#   admin_token           log the admin in; sets ADMIN
#   new_user              register and log in a fresh user; sets USER_TOKEN, USER_ID
#   new_room ALLOTMENT    a fresh hotel and room type with ALLOTMENT rooms on the
#                         nights 2031-03-01..2031-03-31; sets HOTEL, RT
#   api METHOD PATH [BODY] [TOKEN] [CURL ARGS...]   http against SRV_URL
#   jf FILTER             jq FILTER on HTTP_BODY
#   burst_begin; burst_add METHOD PATH BODY TOKEN [CURL ARGS...] (repeated); burst_go
#                         clients released together by a FIFO barrier; client i's status
#                         in $BURST_DIR/code.i, its body in $BURST_DIR/out.i
#   burst_count STATUS [CODE]   how many answers of the last burst had STATUS (and CODE)
#   night_lock DATE       a psql session locks room type RT's night DATE (FOR UPDATE) and
#                         keeps it, idle in transaction; sets NIGHT_LOCKED to how many such
#                         sessions hold (1 when it worked)
#   lock_waiters          waits (30 s at most) for a lastroomd session waiting on a lock;
#                         prints how many there are
#   night_unlock_at N     in the background: once N clients are connected to SRV_URL, the
#                         night_lock session commits (its lock goes)
#
# Every answer api and burst_go receive is recorded; at finish they are all checked
# against docs/openapi.yaml (tests/openapi_check.py): one failing check per answer that
# does not match, naming the route, the status and the first mismatch.

SRV_ADMIN_EMAIL=${SRV_ADMIN_EMAIL:-admin-$$@example.com}
SRV_ADMIN_PASSWORD=${SRV_ADMIN_PASSWORD:-admin-password-$$}
SRV_DB=${SRV_DB:-$LASTROOM_TEST_DB}
SRV_TMP=$(mktemp -d)
SRV_SEQ=0
SRV_OPENAPI=${SRV_OPENAPI:-$ROOT/docs/openapi.yaml}
SRV_CONTRACT_LOG=$SRV_TMP/contract.log
trap 'lib_cleanup; rm -rf "$SRV_TMP"' EXIT

srv_start() {
  SRV_STARTS=$((${SRV_STARTS:-0} + 1))
  SRV_LOG=$SRV_TMP/lastroomd.$SRV_STARTS.log
  LASTROOM_ADMIN_EMAIL=$SRV_ADMIN_EMAIL LASTROOM_ADMIN_PASSWORD=$SRV_ADMIN_PASSWORD \
  LASTROOM_TOKEN_SECRET=${SRV_SECRET:-test-secret-$$-at-least-32-characters} \
    lr_start_lastroomd "$SRV_LOG" "$SRV_DB" "$@"
  local rc=$?
  SRV_URL=$LR_URL SRV_PID=$LR_PID
  [ $rc -eq 0 ] || { echo "# $LR_WHY:"; sed 's/^/# /' "$SRV_LOG"; }
  return $rc
}

srv_stop() {
  kill -TERM "$SRV_PID" 2>/dev/null
  wait "$SRV_PID"
  SRV_RC=$?
}

jf() { jq -r "$1" <<<"$HTTP_BODY" 2>/dev/null; }

api() {
  local method=$1 path=$2 body=${3:-} token=${4:-}
  shift $(( $# < 4 ? $# : 4 ))
  if [ -n "$token" ]; then
    http "$method" "$SRV_URL$path" "$body" -H "Authorization: Bearer $token" "$@"
  else
    http "$method" "$SRV_URL$path" "$body" "$@"
  fi
  contract_record "$method" "$path" "$HTTP_STATUS" "$HTTP_BODY"
}

# contract_record METHOD PATH STATUS BODY [N]: keep an answer for the check at finish
# (none when no answer came). N (default: the checks so far) locates it in the test.
# One record: "METHOD<tab>PATH<tab>STATUS<tab>N<tab>BYTES", a line break, the body, a
# line break; written with builtins only, as this runs for every request.
contract_record() {
  [ "$3" != 000 ] || return 0
  local LC_ALL=C   # ${#4} in bytes
  printf '%s\t%s\t%s\t%s\t%d\n%s\n' "$1" "$2" "$3" "${5:-$TAP_N}" "${#4}" "$4" >>"$SRV_CONTRACT_LOG"
}

# contract_verify: check every recorded answer against the document.
contract_verify() {
  [ -s "$SRV_CONTRACT_LOG" ] || return 0
  local out line
  if out=$(python3 "$ROOT/tests/openapi_check.py" log "$SRV_OPENAPI" "$SRV_CONTRACT_LOG" 2>&1); then
    ok "every answer matches ${SRV_OPENAPI#"$ROOT"/} (${out##*checked } answers)"
  else
    while IFS= read -r line; do
      case $line in "checked "*) ;; *) nok "contract: $line" ;; esac
    done < <(head -20 <<<"$out")
  fi
}
finish_hook() { contract_verify; }

admin_token() {
  api POST /api/auth/login "{\"email\":\"$SRV_ADMIN_EMAIL\",\"password\":\"$SRV_ADMIN_PASSWORD\"}"
  ADMIN=$(jf .token)
}

new_user() {
  SRV_SEQ=$((SRV_SEQ + 1))
  local email="user-$$-$SRV_SEQ-$RANDOM@example.com"
  api POST /api/auth/register "{\"email\":\"$email\",\"password\":\"password-$SRV_SEQ\",\"full_name\":\"T $SRV_SEQ\"}"
  USER_ID=$(jf .user_id)
  api POST /api/auth/login "{\"email\":\"$email\",\"password\":\"password-$SRV_SEQ\"}"
  USER_TOKEN=$(jf .token)
  USER_EMAIL=$email
}

new_room() {
  api POST /api/admin/hotels "{\"name\":\"Test $$\",\"city\":\"Testville\"}" "$ADMIN"
  HOTEL=$(jf .hotel_id)
  api POST /api/admin/room-types "{\"hotel_id\":$HOTEL,\"name\":\"Standard\",\"capacity\":2}" "$ADMIN"
  RT=$(jf .room_type_id)
  api PUT /api/admin/inventory "{\"room_type_id\":$RT,\"from\":\"2031-03-01\",\"to\":\"2031-03-31\",\"allotment\":$1}" "$ADMIN"
}

BURST_SEQ=0
burst_begin() {
  BURST_SEQ=$((BURST_SEQ + 1))
  BURST_DIR=$SRV_TMP/burst.$BURST_SEQ
  BURST_N=0
  BURST_PIDS=()
  BURST_REQ=()
  mkdir -p "$BURST_DIR" && mkfifo "$BURST_DIR/barrier"
  exec 3<>"$BURST_DIR/barrier"
}

# Each client blocks reading one line from the FIFO held open on fd 3 until burst_go.
burst_add() {
  local method=$1 path=$2 body=$3 token=$4 i=$((BURST_N + 1)) data=()
  shift 4
  BURST_N=$i
  BURST_REQ[i]="$method $path"
  [ -z "$body" ] || data=(--data-binary "$body")
  ( : >"$BURST_DIR/ready.$i"
    read -r _ <"$BURST_DIR/barrier"
    curl -s --max-time 30 -o "$BURST_DIR/out.$i" -w '%{http_code}' -X "$method" \
      -H 'Content-Type: application/json' -H "Authorization: Bearer $token" \
      "${data[@]}" "$@" "$SRV_URL$path" >"$BURST_DIR/code.$i" ) &
  BURST_PIDS+=($!)
}

# burst_go: once every client is ready (at most 60 s), one line each releases them.
burst_go() {
  local deadline=$((SECONDS + 60)) p
  while [ "$(find "$BURST_DIR" -name 'ready.*' | wc -l)" -lt "$BURST_N" ] && [ $SECONDS -lt $deadline ]; do
    sleep 0.1
  done
  printf '%*s' "$BURST_N" '' | tr ' ' '\n' >&3
  for p in "${BURST_PIDS[@]}"; do wait "$p"; done
  exec 3>&-
  for p in $(seq "$BURST_N"); do
    [ -f "$BURST_DIR/code.$p" ] && [ -f "$BURST_DIR/out.$p" ] || continue   # no answer
    contract_record "${BURST_REQ[p]% *}" "${BURST_REQ[p]#* }" "$(<"$BURST_DIR/code.$p")" "$(<"$BURST_DIR/out.$p")"
  done
}

burst_count() {
  local i n=0
  for i in $(seq "$BURST_N"); do
    [ "$(cat "$BURST_DIR/code.$i" 2>/dev/null)" = "$1" ] || continue
    [ -z "${2:-}" ] || [ "$(jq -r .error.code "$BURST_DIR/out.$i" 2>/dev/null)" = "$2" ] || continue
    n=$((n + 1))
  done
  echo "$n"
}

# room_state: "booked/tentative" summed over the room type's nights, plus its hold and
# booking counts, to show that a refused request changed nothing.
room_state() {
  psql_q "SELECT (SELECT coalesce(sum(booked_count),0) || '/' || coalesce(sum(tentative_count),0)
                    FROM room_inventory WHERE room_type_id = $RT)
          || ' holds=' || (SELECT count(*) FROM booking_holds WHERE room_type_id = $RT)
          || ' bookings=' || (SELECT count(*) FROM bookings WHERE room_type_id = $RT)
          || ' cancelled=' || (SELECT count(*) FROM bookings WHERE room_type_id = $RT AND status = 'Cancelled')"
}

night_lock() {
  NIGHT_FIFO=$SRV_TMP/lock.fifo; mkfifo "$NIGHT_FIFO"
  psql -X -q -v ON_ERROR_STOP=1 "$LASTROOM_TEST_DB" <"$NIGHT_FIFO" >/dev/null 2>&1 &
  track_pid $!
  exec 4>"$NIGHT_FIFO"
  echo "BEGIN; SELECT 1 FROM room_inventory WHERE room_type_id = $RT AND date = '$1' FOR UPDATE;" >&4
  for _ in $(seq 300); do
    NIGHT_LOCKED=$(psql_q "SELECT count(*) FROM pg_stat_activity
                           WHERE application_name = 'psql' AND state = 'idle in transaction'
                             AND query LIKE '%FOR UPDATE%'")
    [ "$NIGHT_LOCKED" -ge 1 ] && break
    sleep 0.1
  done
}

lock_waiters() {
  local n
  for _ in $(seq 300); do
    n=$(psql_q "SELECT count(*) FROM pg_stat_activity
                WHERE application_name = 'lastroomd' AND wait_event_type = 'Lock'")
    [ "$n" -ge 1 ] && break
    sleep 0.1
  done
  echo "$n"
}

night_unlock_at() {
  local port=${SRV_URL##*:}
  ( for _ in $(seq 300); do
      [ "$(ss -Htn state established "( dport = :$port )" | wc -l)" -ge "$1" ] && break
      sleep 0.1
    done
    echo "COMMIT;" >&4 ) &
}
