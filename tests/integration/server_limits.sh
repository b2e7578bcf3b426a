#!/usr/bin/env bash
# server_limits.sh: the per-address limits over real sockets, and the PROXY protocol
# that lets them see the client behind a trusted proxy. lastroomd runs with
# --max-connections-per-address 3, --registrations-per-address 2 and --trusted-proxy
# 127.0.0.2; clients are other loopback source addresses (127.0.0.3, ...) and, behind
# the "proxy" 127.0.0.2, the addresses its PROXY headers name (v1 text and v2 binary).
# Checked: the 4th connection of one address is closed unanswered while another
# address is served, and served again once one is gone; the 3rd registration of one
# address is 429 rate_limited with Retry-After and stores nothing; a PROXY header from
# a trusted address moves the limits to the client it names; one from an untrusted
# address, or a malformed one, registers nobody; the 429s are counted under the route.
# Then the hashing queue's cap (--hash-queue): registrations past it are 503 busy with
# Retry-After and store nothing.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/server_common.sh"

srv_start --max-connections-per-address 3 --registrations-per-address 2 --trusted-proxy 127.0.0.2 \
  || { nok "lastroomd starts"; finish; exit 1; }
PORT=${SRV_URL##*:}
raw() { python3 "$ROOT/tests/integration/server_limits.py" "$@"; }
# reg SRC HDR NAME: register NAME-$$@example.com from SRC behind HDR; prints the answer
reg() { raw req "$1" "$PORT" "$2" POST /api/auth/register "{\"email\":\"$3-$$@example.com\",\"password\":\"limits-password\"}"; }
users() { psql_q "SELECT count(*) FROM users WHERE email ~ '^[a-f][0-9]-$$@example\.com$'"; }

# connections per address
expect_eq "127.0.0.3: three connections served, the 4th closed unanswered; one more once one is gone" \
  "200 200 200 closed | 200" "$(raw conns 127.0.0.3 "$PORT" none 3)"
expect_eq "behind the proxy, v1 client 10.0.0.1: the same limit, on the client's address" \
  "200 200 200 closed | 200" "$(raw conns 127.0.0.2 "$PORT" v1:10.0.0.1 3)"
expect_eq "behind the proxy, v2 client 10.0.0.2: the same" \
  "200 200 200 closed | 200" "$(raw conns 127.0.0.2 "$PORT" v2:10.0.0.2 3)"

# registrations per address
expect_eq "127.0.0.3: the first registration" "201 - -" "$(reg 127.0.0.3 none a1)"
expect_eq "127.0.0.3: the second" "201 - -" "$(reg 127.0.0.3 none a2)"
# the third through curl, so that the answer is also checked against docs/openapi.yaml
api POST /api/auth/register "{\"email\":\"a3-$$@example.com\",\"password\":\"limits-password\"}" "" \
  --interface 127.0.0.3 -D "$SRV_TMP/h"
expect_eq "127.0.0.3: the third is 429 rate_limited" "429 rate_limited" "$HTTP_STATUS $(jf .error.code)"
ra=$(sed -n 's/^[Rr]etry-[Aa]fter: *\([0-9]*\).*/\1/p' "$SRV_TMP/h")
check "its Retry-After is the seconds left of the minute (${ra:-none})" test "${ra:-0}" -ge 1 -a "${ra:-0}" -le 60
expect_eq "127.0.0.4 is another address: 201" "201 - -" "$(reg 127.0.0.4 none b1)"
expect_eq "proxy, v1 client 10.0.1.1: 201 (the proxy's own address is not the one counted)" \
  "201 - -" "$(reg 127.0.0.2 v1:10.0.1.1 c1)"
expect_eq "proxy, v2 client 10.0.1.1: 201 (its second)" "201 - -" "$(reg 127.0.0.2 v2:10.0.1.1 c2)"
out=$(reg 127.0.0.2 v1:10.0.1.1 c3)
expect_eq "proxy, v1 client 10.0.1.1 a third time: 429 rate_limited" "429 rate_limited" "${out% *}"
expect_eq "proxy without a header: its own address 127.0.0.2, 201" "201 - -" "$(reg 127.0.0.2 none d1)"
expect_eq "a PROXY header from an untrusted address is no HTTP: 400 from libmicrohttpd" \
  "400" "$(reg 127.0.0.5 v1:10.0.2.2 e1 | cut -d' ' -f1)"
expect_eq "a malformed PROXY header from the proxy: closed unanswered" "closed" "$(reg 127.0.0.2 bad f1)"
expect_eq "the log names the client behind the proxy: two 201s and one 429 from 10.0.1.1" "2 1" \
  "$(grep -c 'POST /api/auth/register 201 [0-9.]*ms from 10\.0\.1\.1$' "$SRV_LOG") $(grep -c 'POST /api/auth/register 429 [0-9.]*ms from 10\.0\.1\.1$' "$SRV_LOG")"
expect_eq "the database holds exactly the six accounts answered 201" "6" "$(users)"
expect_eq "none of the refused ones" "0" \
  "$(psql_q "SELECT count(*) FROM users WHERE email ~ '^(a3|c3|e1|f1)-$$@'")"
api GET /metrics
check "the two 429s are counted under POST /api/auth/register" \
  grep -q '^lastroom_http_requests_total{route="POST /api/auth/register",status="429"} 2$' <<<"$HTTP_BODY"

# refused before anything starts: a bad --trusted-proxy list
"$LASTROOM_BIN/lastroomd" --db "$SRV_DB" --trusted-proxy 127.0.0.2,10.0.0.300 >"$SRV_TMP/bad.log" 2>&1
rc=$?
expect_eq "--trusted-proxy 127.0.0.2,10.0.0.300: a usage error (exit 2) naming it" "2 yes" \
  "$rc $(grep -q 'bad value for --trusted-proxy: 127.0.0.2,10.0.0.300' "$SRV_TMP/bad.log" && echo yes)"
srv_stop
expect_eq "lastroomd stops cleanly" "0" "$SRV_RC"

# Without --trusted-proxy libmicrohttpd accepts itself, on every event thread: the
# connection limit is the same.
srv_start --max-connections-per-address 3 || { nok "lastroomd starts (no trusted proxy)"; finish; exit 1; }
expect_eq "no trusted proxy, 127.0.0.3: three served, the 4th closed unanswered; one more once one is gone" \
  "200 200 200 closed | 200" "$(raw conns 127.0.0.3 "${SRV_URL##*:}" none 3)"
srv_stop

# The hashing queue's cap: one event thread and one hashing worker (--threads 1), at most
# one hash waiting (--hash-queue 1). Thirty registrations reach the server at once; the
# event thread takes them all in far less than one argon2id hash, so one is hashed, one
# waits and the rest are refused at once: each refusal is 503 busy with Retry-After 1,
# and nothing of it is stored.
srv_start --threads 1 --hash-queue 1 || { nok "lastroomd starts (--threads 1 --hash-queue 1)"; finish; exit 1; }
PORT=${SRV_URL##*:}
raw burst 127.0.0.1 "$PORT" none 30 /api/auth/register \
  "{\"email\":\"q{i}-$$@example.com\",\"password\":\"limits-password\"}" >"$SRV_TMP/burst"
created=$(grep -c ' 201 - -$' "$SRV_TMP/burst")
busy=$(grep -c ' 503 busy 1$' "$SRV_TMP/burst")
expect_eq "every answer is 201 or 503 busy with Retry-After: 1" "30" "$((created + busy))"
check "most were refused at once: $busy busy, $created created (one hashed, one waiting)" \
  test "$busy" -ge 20
expect_eq "the database holds exactly the $created accounts answered 201" "$created" \
  "$(psql_q "SELECT count(*) FROM users WHERE email ~ '^q[0-9]+-$$@example\.com$'")"
refused=$(awk '$3 == "busy" { printf "%s'\''q%s-'"$$"'@example.com'\''", sep, $1; sep = "," }' "$SRV_TMP/burst")
expect_eq "none of the $busy refused emails is stored" "0" \
  "$(psql_q "SELECT count(*) FROM users WHERE email IN (${refused:-''})")"
api GET /metrics
check "the $busy refusals are counted as 503 under POST /api/auth/register" \
  grep -q "^lastroom_http_requests_total{route=\"POST /api/auth/register\",status=\"503\"} $busy\$" <<<"$HTTP_BODY"
srv_stop
expect_eq "lastroomd stops cleanly" "0" "$SRV_RC"
finish
