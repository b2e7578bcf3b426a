#!/usr/bin/env bash
# load_prefix.sh: a base URL with a path prefix works for the booking scenarios, whose
# setup used to refuse it: haproxy on loopback serves lastroomd under /v1 (stripping
# the prefix), and last-room runs through it, setup, VUs and verification alike. A
# host that is not loopback is refused by setup without --allow-remote, before any
# connection is made. Over TLS: haproxy terminates https in front of lastroomd with a
# certificate this test makes, and last-room runs through it, setup and verification
# included (their blocking client speaks TLS with the run's --tls-ca); without
# --tls-ca, setup stops on the unknown CA, naming it.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/load_helpers.bash"

TMP=$(mktemp -d)
trap 'lib_cleanup; rm -rf "$TMP"' EXIT
check "lastroomd starts" start_lastroomd
BACKEND=${URL##*:}
FRONT=$(free_port)
TLSFRONT=$(free_port)
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=localhost" \
  -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" -keyout "$TMP/tls.key" \
  -out "$TMP/tls.pem" 2>/dev/null
cat "$TMP/tls.pem" "$TMP/tls.key" >"$TMP/haproxy.pem"
cat >"$TMP/haproxy.cfg" <<CFG
defaults
  mode http
  timeout connect 5s
  timeout client 30s
  timeout server 30s
frontend api
  bind 127.0.0.1:$FRONT
  http-request deny unless { path_beg /v1/ }
  http-request replace-path ^/v1(/.*) \1
  default_backend lastroomd
frontend api_tls
  bind 127.0.0.1:$TLSFRONT ssl crt $TMP/haproxy.pem
  http-request deny unless { path_beg /v1/ }
  http-request replace-path ^/v1(/.*) \1
  default_backend lastroomd
backend lastroomd
  server s1 127.0.0.1:$BACKEND
CFG
haproxy -f "$TMP/haproxy.cfg" -db >"$TMP/haproxy.log" 2>&1 &
track_pid $!
check "the prefixed front answers /v1/health/live" wait_http "http://127.0.0.1:$FRONT/v1/health/live" 20

run_load run last-room --profile quick --url "http://127.0.0.1:$FRONT/v1" --quiet
expect_eq "last-room under /v1 passes: exit 0" 0 "$RC"
check "and finds no overbooking" grep -q '^✅ NO OVERBOOKING DETECTED' <<<"$OUT"
expect_eq "one successful booking" 1 "$(verdict_field 'Successful Bookings')"

run_load run last-room --profile quick --url "https://127.0.0.1:$TLSFRONT/v1" \
  --tls-ca "$TMP/tls.pem" --quiet
expect_eq "last-room over TLS under /v1 passes: exit 0" 0 "$RC"
expect_eq "one successful booking over TLS" 1 "$(verdict_field 'Successful Bookings')"
run_load run last-room --profile quick --url "https://127.0.0.1:$TLSFRONT/v1" --quiet
expect_eq "over TLS without --tls-ca: setup stops, exit 1" 1 "$RC"
check "naming the unknown CA" grep -q 'TLS handshake with 127.0.0.1:[0-9]* failed: tls_unknown_ca' <<<"$OUT"

run_load run last-room --profile quick --url "http://192.0.2.1:8080" --quiet
expect_eq "a host that is not loopback: setup refuses, exit 1" 1 "$RC"
check "asking for --allow-remote" grep -q 'needs --allow-remote' <<<"$OUT"
finish
