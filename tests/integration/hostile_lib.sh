# hostile_lib.sh: helpers for the hostile-input tests (sourced after tests/lib.sh and
# server_common.sh; not a test itself, so not executable).
#
#   hostile_start [ARGS...]   lastroomd with a short idle timeout, no sweeping during
#                             the test (so that the row counts are this test's alone)
#                             and a 16 MB sanitizer quarantine (so that its resident
#                             memory is the server's own)
#   raw BYTES [TIMEOUT]       send BYTES (a Python bytes expression) on a fresh
#                             connection, half-close, read one answer; prints
#                             "STATUS CODE ALLOW" (CODE: error.code or -, ALLOW: the
#                             Allow header or -), or "none" when the server closed
#                             without answering, "timeout" when nothing came in time;
#                             the answer is checked against docs/openapi.yaml at
#                             finish, as api's are
#   expect_raw DESC "STATUS CODE ALLOW" BYTES [TIMEOUT]
#   db_snapshot               row counts of the booking tables plus the counter sums
#   hostile_after SNAPSHOT DESC   the closing checks: still serving, memory bound, no
#                             sanitizer report in the log, database as SNAPSHOT says
# Raw traffic uses python3 (sockets with timeouts); every socket goes to 127.0.0.1.

HOSTILE_PY=$SRV_TMP/hostile.py
HOSTILE_RSS_MAX_KB=${HOSTILE_RSS_MAX_KB:-204800}   # 200 MB, sanitizer build included
cat >"$HOSTILE_PY" <<'PY'
import json, os, resource, select, socket, sys, time

def conn(port, timeout):
    return socket.create_connection(("127.0.0.1", port), timeout=timeout)

def read_answer(s, deadline, data=b""):
    """The final HTTP answer (interim 1xx ones skipped): (status, headers dict, body),
    None on close, or 'timeout'."""
    while b"\r\n\r\n" not in data:
        left = deadline - time.time()
        if left <= 0:
            return "timeout"
        s.settimeout(left)
        try:
            chunk = s.recv(65536)
        except socket.timeout:
            return "timeout"
        except ConnectionResetError:
            chunk = b""
        if not chunk:
            return None if not data else (0, {}, data)
        data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    try:
        status = int(lines[0].split(" ")[1])
    except (IndexError, ValueError):
        return (0, {}, data)
    headers = {}
    for l in lines[1:]:
        k, _, v = l.partition(":")
        headers[k.strip().lower()] = v.strip()
    if 100 <= status < 200:
        return read_answer(s, deadline, body)
    n = int(headers.get("content-length", "0"))
    while len(body) < n and time.time() < deadline:
        s.settimeout(max(deadline - time.time(), 0.01))
        try:
            chunk = s.recv(65536)
        except (socket.timeout, ConnectionResetError):
            break
        if not chunk:
            break
        body += chunk
    return (status, headers, body[:n])

def describe(ans):
    if ans is None or ans == "timeout":
        return ans or "none"
    status, headers, body = ans
    try:
        code = json.loads(body)["error"]["code"]
    except Exception:
        code = "-"
    return "%d %s %s" % (status, code, headers.get("allow", "-").replace(" ", ""))

def record(req, ans):
    """Append the answer to $CONTRACT_LOG for the check at finish (server_common.sh),
    when the request starts with a request line the answer can be matched to."""
    log = os.environ.get("CONTRACT_LOG")
    parts = req.split(b"\n", 1)[0].split(b" ")
    if not log or ans in (None, "timeout") or ans[0] < 100 or len(parts) != 3 or not parts[1].startswith(b"/"):
        return
    with open(log, "ab") as f:   # the record of contract_record (server_common.sh)
        f.write(b"\t".join([parts[0], parts[1], b"%d" % ans[0], os.environ.get("TAP_N", "?").encode(),
                            b"%d" % len(ans[2])]) + b"\n" + ans[2] + b"\n")

def cmd_raw(port, expr, timeout):
    s = conn(port, timeout)
    deadline = time.time() + timeout
    req = eval(expr)
    try:
        s.sendall(req)
        s.shutdown(socket.SHUT_WR)
    except OSError:
        pass   # the server may answer and close before taking everything
    ans = read_answer(s, deadline)
    record(req, ans)
    print(describe(ans))

def live(port):
    s = conn(port, 5)
    s.sendall(b"GET /health/live HTTP/1.1\r\nHost: t\r\n\r\n")
    ans = read_answer(s, time.time() + 5)
    s.close()
    return ans not in (None, "timeout") and ans[0] == 200

def open_many(port, n):
    resource.setrlimit(resource.RLIMIT_NOFILE, (n + 256, resource.getrlimit(resource.RLIMIT_NOFILE)[1]))
    socks = []
    for _ in range(n):
        socks.append(conn(port, 5))
    return socks

def is_closed(s):
    """Whether the server closed s (no waiting: a socket with a timeout would poll)."""
    if not select.select([s], [], [], 0)[0]:
        return False
    try:
        return s.recv(4096, socket.MSG_PEEK) == b""
    except OSError:
        return True

def wait_closed(socks, seconds):
    """How many of socks the server closed within seconds."""
    deadline = time.time() + seconds
    open_ = {s.fileno(): s for s in socks}
    closed = 0
    while open_ and time.time() < deadline:
        ep = select.epoll()
        for fd in open_:
            ep.register(fd, select.EPOLLIN | select.EPOLLRDHUP | select.EPOLLHUP)
        for fd, _ in ep.poll(1.0):
            s = open_[fd]
            try:
                gone = s.recv(4096, socket.MSG_DONTWAIT) == b""
            except BlockingIOError:
                gone = False
            except (ConnectionResetError, OSError):
                gone = True
            if gone:
                closed += 1
                del open_[fd]
                s.close()
        ep.close()
    for s in open_.values():
        s.close()
    return closed

def cmd_slowloris(port, n, drip_s, timeout_s, mode):
    """n connections drip a request a byte at a time (mode head: the header block;
    mode body: the headers at once, then the body); while they drip, others are
    served; then they stop and the server must close them all."""
    socks = open_many(port, n)
    req = b"POST /api/auth/login HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n"
    if mode == "body":
        for s in socks:
            s.sendall(req + b"\r\n")
        req = b'{"email":"drip@example.com","password":"drip-drip-drip-drip-drip-drip-drip-drip-drip-drip-drip-drip"}'[:99]
    served = 0
    dripping = list(socks)
    for i in range(int(drip_s)):
        for s in list(dripping):
            try:
                if is_closed(s):
                    raise OSError
                s.send(req[i % len(req):i % len(req) + 1])
            except OSError:
                dripping.remove(s)   # the server closed it
        served += live(port)
        time.sleep(1)
    print("served_while_dripping %d/%d" % (served, int(drip_s)))
    print("closed_while_dripping %d/%d" % (sum(map(is_closed, socks)), n))
    print("closed_after_stall %d/%d" % (wait_closed(socks, timeout_s + 10), n))

def cmd_idle(port, n, timeout_s):
    """n idle connections; a request on each of a sample is still answered, a fresh
    one too; then the server must close every idle one after its timeout."""
    socks = open_many(port, n)
    print("fresh_served %d" % live(port))
    sample = socks[:: max(n // 20, 1)]
    ok = 0
    for s in sample:
        s.sendall(b"GET /health/live HTTP/1.1\r\nHost: t\r\n\r\n")
        ans = read_answer(s, time.time() + 10)
        ok += ans not in (None, "timeout") and ans[0] == 200
    print("idle_sample_served %d/%d" % (ok, len(sample)))
    print("closed_after_idle %d/%d" % (wait_closed(socks, timeout_s + 15), n))

def rss_kb(pid):
    for line in open("/proc/%d/status" % pid):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return -1

def cmd_bodies(port, n, timeout_s, pid):
    """n connections each send 60000 of the 65536 body bytes they announce and stall:
    the server's memory while it holds them all, then every one closed."""
    socks = open_many(port, n)
    head = b"POST /api/auth/register HTTP/1.1\r\nHost: t\r\nContent-Length: 65536\r\n\r\n"
    for s in socks:
        s.sendall(head + b"x" * 60000)
    time.sleep(1)
    print("rss_kb_holding %d" % rss_kb(pid))
    print("fresh_served %d" % live(port))
    print("closed_after_stall %d/%d" % (wait_closed(socks, timeout_s + 15), n))

if __name__ == "__main__":
    c, port = sys.argv[1], int(sys.argv[2])
    if c == "raw":
        cmd_raw(port, sys.argv[3], float(sys.argv[4]))
    elif c == "slowloris":
        cmd_slowloris(port, int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5]), sys.argv[6])
    elif c == "bodies":
        cmd_bodies(port, int(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5]))
    elif c == "idle":
        cmd_idle(port, int(sys.argv[3]), float(sys.argv[4]))
PY

HOSTILE_IDLE_S=${HOSTILE_IDLE_S:-3}
hostile_start() {   # a small sanitizer quarantine, so that VmRSS measures the server, not ASan
  ASAN_OPTIONS="${ASAN_OPTIONS:-}:quarantine_size_mb=16" \
    srv_start --conn-timeout "${HOSTILE_IDLE_S}s" --sweep-interval 1h "$@" || return 1
  SRV_PORT=${SRV_URL##*:}
}

raw() {   # the answer is also recorded for the contract check at finish
  CONTRACT_LOG=$SRV_CONTRACT_LOG TAP_N=$TAP_N python3 "$HOSTILE_PY" raw "$SRV_PORT" "$1" "${2:-5}" 2>&1 | tail -1
}
expect_raw() { expect_eq "$1" "$2" "$(raw "$3" "${4:-5}")"; }

db_snapshot() {
  psql_q "SELECT (SELECT count(*) FROM users) || ' ' || (SELECT count(*) FROM hotels) || ' '
          || (SELECT count(*) FROM room_types) || ' ' || (SELECT count(*) FROM room_inventory) || ' '
          || (SELECT count(*) FROM booking_holds) || ' ' || (SELECT count(*) FROM bookings) || ' '
          || (SELECT count(*) FROM booking_details) || ' '
          || (SELECT coalesce(sum(allotment),0) || '/' || coalesce(sum(booked_count),0) || '/'
              || coalesce(sum(tentative_count),0) FROM room_inventory)"
}

# snapshot_add SNAPSHOT USERS HOTELS ROOM_TYPES INVENTORY_ROWS HOLDS: the snapshot with
# the given rows added (bookings, details and counter sums unchanged).
snapshot_add() {
  local -a s; read -ra s <<<"$1"
  echo "$((s[0] + $2)) $((s[1] + $3)) $((s[2] + $4)) $((s[3] + $5)) $((s[4] + $6)) ${s[5]} ${s[6]} ${s[7]}"
}

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$SRV_PID/status" 2>/dev/null; }

hostile_after() {
  local want=$1 what=$2 rss
  api GET /health/live
  expect_eq "after $what: /health/live still answers" "200" "$HTTP_STATUS"
  check "after $what: lastroomd is still running" kill -0 "$SRV_PID"
  rss=$(rss_kb)
  if [ -n "$rss" ] && [ "$rss" -lt "$HOSTILE_RSS_MAX_KB" ]; then
    ok "after $what: resident memory ${rss} kB < ${HOSTILE_RSS_MAX_KB} kB"
  else
    nok "after $what: resident memory '${rss}' kB < ${HOSTILE_RSS_MAX_KB} kB"
  fi
  if grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:' "$SRV_LOG"; then
    nok "after $what: no sanitizer report in the server log"; grep -m5 -E 'Sanitizer|runtime error' "$SRV_LOG" | sed 's/^/# /'
  else
    ok "after $what: no sanitizer report in the server log"
  fi
  expect_eq "after $what: the database holds exactly what the test meant to create" "$want" "$(db_snapshot)"
}

command -v python3 >/dev/null || { nok "python3 is installed (raw socket traffic)"; finish; exit 1; }
