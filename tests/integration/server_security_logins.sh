#!/usr/bin/env bash
# server_security_logins.sh: failed logins are throttled per account (10 a minute) and
# per client address (--login-failures-per-address, 50 a minute) with 429 rate_limited
# and Retry-After, without slowing anyone else: another account's correct login, and
# correct logins from another address, still get 200; successful logins are never
# counted, however many come from one address. Other client addresses are other
# loopback addresses (curl --interface 127.0.0.N; the server is still 127.0.0.1).
# One hashing worker (--threads 1) makes the limit exact even for attempts sent at once.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/server_common.sh"

srv_start --threads 1 --pool-wait 30s || { nok "lastroomd starts"; finish; exit 1; }
HDRS=$SRV_TMP/headers

# login EMAIL PASSWORD [CURL ARGS...]: POST /api/auth/login, headers in $HDRS
login() {
  local e=$1 p=$2
  shift 2
  api POST /api/auth/login "{\"email\":\"$e\",\"password\":\"$p\"}" "" -D "$HDRS" "$@"
}
# throttled LABEL: the last answer was 429 rate_limited with Retry-After 1..60 and no token
throttled() {
  local ra
  ra=$(sed -n 's/^[Rr]etry-[Aa]fter: *\([0-9]*\).*/\1/p' "$HDRS")
  expect_eq "$1: 429 rate_limited" "429 rate_limited" "$HTTP_STATUS $(jf .error.code)"
  check "$1: Retry-After is the seconds left of the minute ($ra)" test "${ra:-0}" -ge 1 -a "${ra:-0}" -le 60
  expect_eq "$1: no token in the answer" "" "$(jf '.token // empty')"
}
register() { api POST /api/auth/register "{\"email\":\"$1\",\"password\":\"$2\"}"; }
# login_burst ADDR N K EMAIL PASSWORD: N logins from ADDR released together, client i as
# EMAIL-k-$$@example.com with password PASSWORD-k, k = i mod K + 1
login_burst() {
  local i k
  burst_begin
  for i in $(seq "$2"); do
    k=$((i % $3 + 1))
    burst_add POST /api/auth/login "{\"email\":\"$4-$k-$$@example.com\",\"password\":\"$5-$k\"}" "" --interface "$1"
  done
  burst_go
}

# (every password below has the 8 bytes a password needs: a shorter one is refused
# unchecked, so it is no guess and is not counted)

# per account
V=victim-$$@example.com O=other-$$@example.com
register "$V" right-password-v
register "$O" right-password-o
codes=""
for i in $(seq 10); do login "$V" wrong-password; codes="$codes$HTTP_STATUS "; done
expect_eq "ten wrong passwords for one account are ten 401" "$(printf '401 %.0s' $(seq 10))" "$codes"
login "$V" right-password-v
throttled "that account's correct password next"
check "the message says it is this email" grep -q 'for this email' <<<"$(jf .error.message)"
login "$V" wrong-password
throttled "that account's wrong password next"
login "$O" right-password-o
expect_eq "another account's correct login from the same address: 200" "200 guest" "$HTTP_STATUS $(jf .user.role)"
login "$O" wrong-password
expect_eq "another account's wrong password: 401, not 429" "401 invalid_credentials" "$HTTP_STATUS $(jf .error.code)"

# per address: 60 failed logins from 127.0.0.2 at once, over 12 accounts (5 each, under
# the account limit): exactly 50 are checked (401), the other 10 are 429
W=walker-$$@example.com
register "$W" right-password-w
login_burst 127.0.0.2 60 12 guess wrong-password
expect_eq "60 failed logins from one address sent at once: exactly 50 are 401" 50 "$(burst_count 401 invalid_credentials)"
expect_eq "and 10 are 429 rate_limited" 10 "$(burst_count 429 rate_limited)"
login "$W" right-password-w --interface 127.0.0.2
throttled "a correct login from that address"
check "the message says it is this address" grep -q 'from this address' <<<"$(jf .error.message)"
login "fresh-$$@example.com" any-password --interface 127.0.0.2
throttled "an account never tried before, from that address"
login "$W" right-password-w
expect_eq "the same correct login from 127.0.0.1: 200" 200 "$HTTP_STATUS"
login "$W" wrong-password
expect_eq "a wrong password from 127.0.0.1: 401, not 429" "401 invalid_credentials" "$HTTP_STATUS $(jf .error.code)"

# successes are never counted: 60 correct logins of 6 users from one address at once
for i in $(seq 6); do register "many-$i-$$@example.com" "right-password-$i"; done
login_burst 127.0.0.3 60 6 many right-password
expect_eq "60 correct logins from one address at once: all 200" 60 "$(burst_count 200)"

# and they do not reset it: 49 failures, a success, one more failure, then 429
codes=0
for i in $(seq 49); do login "probe-$((i % 7))-$$@example.com" wrong-password --interface 127.0.0.4; [ "$HTTP_STATUS" = 401 ] && codes=$((codes + 1)); done
expect_eq "49 failures from 127.0.0.4 are 401" 49 "$codes"
login "many-1-$$@example.com" right-password-1 --interface 127.0.0.4
expect_eq "a success from there: 200" 200 "$HTTP_STATUS"
login "probe-0-$$@example.com" wrong-password --interface 127.0.0.4
expect_eq "the 50th failure: 401" 401 "$HTTP_STATUS"
login "many-1-$$@example.com" right-password-1 --interface 127.0.0.4
throttled "after 50 failures with a success among them"

srv_stop
expect_eq "lastroomd exits 0" 0 "$SRV_RC"

# --login-failures-per-address 0: no address limit (the account limit stays)
srv_start --threads 1 --login-failures-per-address 0 || { nok "lastroomd starts without an address limit"; finish; exit 1; }
codes=0
for i in $(seq 55); do login "guess-$((i % 11))-$$@example.com" wrong-password --interface 127.0.0.5; [ "$HTTP_STATUS" = 401 ] && codes=$((codes + 1)); done
expect_eq "--login-failures-per-address 0: 55 failures from one address are all 401" 55 "$codes"
srv_stop
expect_eq "lastroomd exits 0" 0 "$SRV_RC"
finish
