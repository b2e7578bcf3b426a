#!/usr/bin/env bash
# load_tls.sh: the http scenario over TLS against a real TLS server on loopback
# (load_http_server.py with Python's ssl module) and certificates this test makes
# with openssl req: verification on with --tls-ca, refused without it (unknown CA) and
# for a certificate of another name (hostname mismatch), each a counted request
# tagged with its named error; --insecure-skip-tls-verify; the handshake time metric;
# session resumption on new connections (and none with --no-tls-resume); TLS options
# without https and an unreadable CA file as usage errors; a script's k6 option
# insecureSkipTLSVerify.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/load_http_helpers.bash"

make_cert() {   # make_cert NAME SUBJECT_ALT_NAMES
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=$1" \
    -addext "subjectAltName=$2" -keyout "$TMP/$1.key" -out "$TMP/$1.pem" 2>/dev/null
}
check "a certificate for localhost and 127.0.0.1 is made" make_cert local "DNS:localhost,IP:127.0.0.1"
check "and one for another name" make_cert other "DNS:other.test"

start_test_server "$TMP/local.pem" "$TMP/local.key"
GOOD=$URL
check "the TLS server answers" wait_http_tls "$GOOD/" "$TMP/local.pem"

URL=$GOOD run_load --iterations 20 --vus 2 --path /hello --tls-ca "$TMP/local.pem"
expect_eq "20 requests verified against --tls-ca: exit 0" 0 "$RC"
expect_eq "20 answered" 20 "$(metric http_reqs count | cut -d. -f1)"
expect_eq "two handshakes (one per VU), timed" true \
  "$(jq '.metrics.http_req_tls_handshaking.values.max > 0' "$TMP/summary.json")"
URL=https://localhost:$PORT run_load --iterations 3 --vus 1 --path /byname --tls-ca "$TMP/local.pem"
expect_eq "by name (SNI and name check): exit 0" 0 "$RC"

URL=$GOOD run_load --iterations 3 --vus 1 --path /untrusted \
  --threshold 'http_reqs{error:tls_unknown_ca}=count==3'
expect_eq "without --tls-ca the self-made CA is unknown: requests fail, exit 99" 99 "$RC"
check "each counted under error:tls_unknown_ca" grep -q "✓ 'count==3'" "$TMP/out.txt"
expect_eq "none reached the server" 0 "$(grep -c '^GET /untrusted' "$TMP/requests.log")"

URL=$GOOD run_load --iterations 3 --vus 1 --path /insecure --insecure-skip-tls-verify
expect_eq "--insecure-skip-tls-verify: exit 0" 0 "$RC"
expect_eq "all three reached the server" 3 "$(grep -c '^GET /insecure' "$TMP/requests.log")"

mv "$TMP/requests.log" "$TMP/requests-local.log"
start_test_server "$TMP/other.pem" "$TMP/other.key"
check "the second TLS server answers" wait_http_tls "$URL/" -k
run_load --iterations 2 --vus 1 --path /mismatch --tls-ca "$TMP/other.pem" \
  --threshold 'http_reqs{error:tls_hostname_mismatch}=count==2' \
  --threshold 'http_req_failed{error:tls_hostname_mismatch}=rate==1'
expect_eq "a certificate for other.test on 127.0.0.1 is refused: exit 99" 99 "$RC"
check "counted under error:tls_hostname_mismatch" grep -q "✓ 'count==2'" "$TMP/out.txt"
expect_eq "nothing reached the server" 0 "$(grep -c '^GET /mismatch' "$TMP/requests.log")"

# resumption: Connection: close makes each request a new connection and handshake.
URL=$GOOD
mv "$TMP/requests-local.log" "$TMP/requests.log"
run_load --iterations 6 --vus 1 --path /resume --tls-ca "$TMP/local.pem" --header 'Connection: close'
expect_eq "six new connections: exit 0" 0 "$RC"
expect_eq "the five after the first resumed the session" 5 \
  "$(grep -c '^GET /resume .* tls_resumed=True' "$TMP/requests.log")"
run_load --iterations 4 --vus 1 --path /noresume --tls-ca "$TMP/local.pem" \
  --header 'Connection: close' --no-tls-resume
expect_eq "--no-tls-resume: four full handshakes" "4 0" \
  "$(grep -c '^GET /noresume .* tls_resumed=False' "$TMP/requests.log") $(grep -c '^GET /noresume .* tls_resumed=True' "$TMP/requests.log")"

cat >"$TMP/insecure.lua" <<'LUA'
local http = require "lastroom.http"
options = { insecureSkipTLSVerify = INSECURE, thresholds = { http_req_failed = { "rate==0" } } }
function default() http.get("/from-script") end
LUA
for insecure in true false; do
  sed "s/INSECURE/$insecure/" "$TMP/insecure.lua" >"$TMP/insecure-$insecure.lua"
  "$LOAD" run "$TMP/insecure-$insecure.lua" --url "$URL" --iterations 2 --quiet \
    >"$TMP/out.txt" 2>&1
  echo "$?" >"$TMP/rc-$insecure"
done
expect_eq "a script's insecureSkipTLSVerify = true reaches the self-made CA's server: exit 0" \
  0 "$(cat "$TMP/rc-true")"
expect_eq "false: the handshakes fail, exit 99" 99 "$(cat "$TMP/rc-false")"
expect_eq "two requests arrived, both from the insecure script" 2 \
  "$(grep -c '^GET /from-script' "$TMP/requests.log")"

URL=http://127.0.0.1:$PORT run_load --iterations 1 --insecure-skip-tls-verify
expect_eq "TLS options on an http:// URL are a usage error: exit 2" 2 "$RC"
run_load --iterations 1 --tls-ca "$TMP/missing.pem"
expect_eq "an unreadable --tls-ca is a usage error: exit 2" 2 "$RC"
check "naming the file" grep -q -- "--tls-ca $TMP/missing.pem" "$TMP/err.txt"
finish
