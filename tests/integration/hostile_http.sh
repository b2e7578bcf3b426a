#!/usr/bin/env bash
# hostile_http.sh: malformed and hostile HTTP against a real lastroomd over raw sockets:
# broken request lines, unknown versions and methods, oversized URLs, headers and
# bodies, lying Content-Length values, path traversal. Each case asserts the exact
# answer: lastroomd's JSON errors (404 not_found, 405 method_not_allowed with Allow,
# 413 payload_too_large, 431 for too many fields) or, where libmicrohttpd refuses before
# lastroomd sees the request, that library's status (0.9.75: 400, 414, 431, 505) or a
# close without an answer. Afterwards the server still serves, its memory stayed
# bounded and the database is unchanged.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/server_common.sh"
source "$(dirname "$0")/hostile_lib.sh"

hostile_start || { nok "lastroomd starts"; finish; exit 1; }
ok "lastroomd starts"
before=$(db_snapshot)   # after the start, which makes the admin
H='Host: t\r\n'

# request lines
expect_raw "a request line that is one word: closed without an answer" "none" 'b"GARBAGE\r\n\r\n"'
expect_raw "binary junk: closed without an answer" "none" 'b"\x00\x01\x02\xff\xfe\r\n\r\n"'
expect_raw "a method with no target: closed without an answer" "none" 'b"GET\r\n\r\n"'
expect_raw "a request line starting with a space: closed without an answer" "none" "b\" GET /health/live HTTP/1.1\r\n$H\r\n\""
expect_raw "HTTP/9.9 is 505" "505 - -" "b\"GET /health/live HTTP/9.9\r\n$H\r\n\""
expect_raw "HTTP/1.0 without Host is served" "200 - -" 'b"GET /health/live HTTP/1.0\r\n\r\n"'
expect_raw "bare LF line ends are served" "200 - -" 'b"GET /health/live HTTP/1.1\nHost: t\n\n"'
expect_raw "a header line without a colon is 400" "400 - -" "b\"GET /health/live HTTP/1.1\r\n${H}Bad Header Line\r\n\r\n\""
expect_raw "a URL of 40000 bytes is 414" "414 - -" "b\"GET /\" + b\"a\" * 40000 + b\" HTTP/1.1\r\n$H\r\n\""
expect_raw "an absolute-form target is no route: 404" "404 not_found -" "b\"GET http://127.0.0.1/health/live HTTP/1.1\r\n$H\r\n\""

# methods
expect_raw "an unknown method on a known path is 405 with Allow" "405 method_not_allowed GET" "b\"BREW /health/live HTTP/1.1\r\n$H\r\n\""
expect_raw "a lowercase method is not GET: 405" "405 method_not_allowed GET" "b\"get /health/live HTTP/1.1\r\n$H\r\n\""
expect_raw "TRACE on /api/holds is 405, Allow: POST, GET" "405 method_not_allowed POST,GET" "b\"TRACE /api/holds HTTP/1.1\r\n$H\r\n\""
expect_raw "DELETE on /api/bookings is 405, Allow: POST,GET" "405 method_not_allowed POST,GET" "b\"DELETE /api/bookings HTTP/1.1\r\n$H\r\n\""
expect_raw "PATCH on a hold is 405, Allow: GET,DELETE" "405 method_not_allowed GET,DELETE" "b\"PATCH /api/holds/1 HTTP/1.1\r\n$H\r\n\""
expect_raw "OPTIONS * is 404" "404 not_found -" "b\"OPTIONS * HTTP/1.1\r\n$H\r\n\""
expect_raw "CONNECT to the database port is 404" "404 not_found -" "b\"CONNECT 127.0.0.1:5432 HTTP/1.1\r\n$H\r\n\""

# paths
for p in '/../../etc/passwd' '/api/hotels/1/../../admin/integrity' '/api/holds/..%2F..%2Fetc%2Fpasswd' \
         '/health/%2e%2e/health/live' '//health/live' '/health/live/' '/api/holds/1;DROP%20TABLE%20bookings' \
         '/api/holds/0' '/api/holds/-1' '/api/holds/0x10' '/api/holds/1234567890123456789' '/api/hotels/1%00/room-types'; do
  expect_raw "path $p is 404 not_found" "404 not_found -" "b\"GET $p HTTP/1.1\r\n$H\r\n\""
done

# headers
expect_raw "a header value of 40000 bytes is 431 (libmicrohttpd's memory cap)" "431 - -" \
  "b\"GET /health/live HTTP/1.1\r\n${H}X: \" + b\"a\" * 40000 + b\"\r\n\r\n\""
expect_raw "100 header fields are 431 request_header_fields_too_large" "431 request_header_fields_too_large -" \
  "b\"GET /health/live HTTP/1.1\r\n$H\" + b\"\".join(b\"X-%d: v\r\n\" % i for i in range(100)) + b\"\r\n\""
expect_raw "a folded header line is tolerated" "200 - -" "b\"GET /health/live HTTP/1.1\r\n${H} folded: on\r\n\r\n\""

# bodies and their lengths
L="b\"POST /api/auth/login HTTP/1.1\r\n${H}Content-Type: application/json\r\n"
expect_raw "a 70000-byte body is 413 payload_too_large" "413 payload_too_large -" "$L"'Content-Length: 70000\r\n\r\n" + b"a" * 70000'
expect_raw "a chunked body of 80 KiB is 413 payload_too_large" "413 payload_too_large -" \
  "$L"'Transfer-Encoding: chunked\r\n\r\n" + b"".join(b"4000\r\n" + b"a" * 16384 + b"\r\n" for i in range(5)) + b"0\r\n\r\n"'
expect_raw "Content-Length: -1 is 400" "400 - -" "$L"'Content-Length: -1\r\n\r\n"'
expect_raw "Content-Length: abc is 400" "400 - -" "$L"'Content-Length: abc\r\n\r\n"'
expect_raw "a Content-Length past 2^64 is 413" "413 - -" "$L"'Content-Length: 99999999999999999999999\r\n\r\n"'
expect_raw "a declared 1 GB body is refused 413 before it is sent" "413 payload_too_large -" "$L"'Content-Length: 1000000000\r\n\r\n"'
expect_raw "a body shorter than its Content-Length: closed without an answer" "none" "$L"'Content-Length: 10\r\n\r\n{}"'
expect_raw "a bad chunk size is 400" "400 - -" "$L"'Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n"'
expect_raw "two Content-Length headers: libmicrohttpd reads the first" "400 missing_email -" "$L"'Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}"'
expect_raw "Transfer-Encoding and Content-Length: the chunks count" "400 missing_email -" \
  "$L"'Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n2\r\n{}\r\n0\r\n\r\n"'
expect_raw "Transfer-Encoding: gzip, chunked: closed without an answer" "none" \
  "$L"'Transfer-Encoding: gzip, chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n"'
expect_raw "Expect: 100-continue with a 1 MB Content-Length is 413 at once" "413 payload_too_large -" \
  "$L"'Expect: 100-continue\r\nContent-Length: 1000000\r\n\r\n"'
expect_raw "Expect: 100-continue with a small body is answered after the 100" "400 missing_email -" \
  "$L"'Expect: 100-continue\r\nContent-Length: 2\r\n\r\n{}"'
expect_raw "a bearer token of 200 digits is 401 unauthorized" "401 unauthorized -" \
  "b\"GET /api/bookings HTTP/1.1\r\n${H}Authorization: Bearer \" + b\"9\" * 200 + b\"\r\n\r\n\""

# a pipelined burst of 200 requests on one connection is answered in order
n=$(python3 - "$SRV_PORT" <<'PY'
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=20)
s.sendall(b"GET /health/live HTTP/1.1\r\nHost: t\r\n\r\n" * 200)
data, deadline = b"", time.time() + 20
while data.count(b"HTTP/1.1 200 OK") < 200 and time.time() < deadline:
    chunk = s.recv(65536)
    if not chunk:
        break
    data += chunk
print(data.count(b"HTTP/1.1 200 OK"))
PY
)
expect_eq "200 pipelined requests on one connection get 200 answers" "200" "$n"

hostile_after "$before" "the malformed requests"
srv_stop
expect_eq "lastroomd exits 0 on SIGTERM afterwards (no leak reported)" 0 "$SRV_RC"
finish
