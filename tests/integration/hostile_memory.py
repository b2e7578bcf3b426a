# hostile_memory.py: memory pressure for hostile_memory.sh and bench (not a test by itself).
#
#   python3 hostile_memory.py PORT PID CONNS USER_TOKEN ADMIN_TOKEN [LIVE_TIMEOUT_S]
#
# Opens CONNS connections at once and sends on each one request with a hostile body:
# every other one a registration, valid but for a "pad" field that makes it 63 KB of
# {},{},... (parsed and then queued for hashing by a server without per-route caps);
# the rest to every route that reads a body and to one that does not, in three shapes: 63 KB of
# {},{},... (the most values a 64 KiB body can hold), the same at the route's own cap
# (4 KiB user routes, 16 KiB admin, 1 KiB the rest), and a valid request padded with
# spaces to that cap (which reaches the hashing pool or the database). Meanwhile a
# thread asks GET /health/live every 100 ms on its own connections with a timeout
# (LIVE_TIMEOUT_S, 2 s by default).
# Prints: "answered N/CONNS", "statuses S:N ...", "live_ok N live_failed N",
# "peak_rss_kb N" (the server's VmHWM at the end).
import json, selectors, socket, sys, threading, time

port, pid, conns, user_token, admin_token = sys.argv[1:6]
LIVE_TIMEOUT = float(sys.argv[6]) if len(sys.argv) > 6 else 2.0
port, conns = int(port), int(conns)
USER_CAP, ADMIN_CAP, NONE_CAP, BIG = 4096, 16384, 1024, 63 * 1024


def padded(prefix, size):
    """prefix (a JSON object missing its closing brace) + "pad":[{},{},...] to size bytes."""
    body = prefix + '"pad":['
    n = max((size - len(body) - 2) // 3, 1)
    return body + ",".join(["{}"] * n) + "]}"


def spaced(obj, size):
    text = json.dumps(obj)
    return text[:-1] + " " * max(size - len(text), 0) + "}"


def requests_for(i):
    email = "mem-%d-%d@example.com" % (i, time.time_ns() % 1000000000)
    reg = {"email": email, "password": "password-%d" % i, "full_name": "M"}
    login = {"email": email, "password": "wrong-password"}
    hold = {"room_type_id": 999999999, "check_in": "2031-03-01", "check_out": "2031-03-02", "quantity": 1}
    inv = {"room_type_id": 999999999, "from": "2031-03-01", "to": "2031-03-02", "allotment": 1}
    rt = {"hotel_id": 999999999, "name": "x"}
    pre = '{"email":"%s","password":"password-1",' % email
    return [
        ("POST", "/api/auth/register", None, USER_CAP, pre, reg),
        ("POST", "/api/auth/login", None, USER_CAP, pre, login),
        ("POST", "/api/holds", user_token, USER_CAP, '{"quantity":1,', hold),
        ("POST", "/api/bookings", user_token, USER_CAP, '{"hold_id":1,', {"hold_id": 999999999}),
        ("PUT", "/api/admin/inventory", admin_token, ADMIN_CAP, '{"allotment":1,', inv),
        ("POST", "/api/admin/room-types", admin_token, ADMIN_CAP, '{"name":"x",', rt),
        ("POST", "/api/admin/hotels", admin_token, ADMIN_CAP, '{', None),
        ("GET", "/api/hotels", None, NONE_CAP, '{', None),
    ]


def request(i):
    reqs = requests_for(i)
    method, path, token, cap, prefix, valid = reqs[(i // 2) % len(reqs)]
    shape = (i // 2 // len(reqs)) % 3
    if i % 2 == 0:   # every other one: a registration that parses, in 63 KB
        method, path, token, cap, prefix, valid = reqs[0]
        shape = 0
    if shape == 0:
        body = padded(prefix, BIG)
    elif shape == 1 or valid is None:
        body = padded(prefix, cap)
    else:
        body = spaced(valid, cap)
    head = "%s %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n" % (
        method, path, len(body))
    if token:
        head += "Authorization: Bearer %s\r\n" % token
    return (head + "\r\n").encode() + body.encode()


live = {"ok": 0, "failed": 0}
stop = threading.Event()


def live_loop():
    while not stop.is_set():
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=LIVE_TIMEOUT)
            s.sendall(b"GET /health/live HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = s.recv(4096)
                if not chunk:
                    break
                data += chunk
            s.close()
            live["ok" if data.startswith(b"HTTP/1.1 200") else "failed"] += 1
        except OSError:
            live["failed"] += 1
        time.sleep(0.1)


watcher = threading.Thread(target=live_loop)
watcher.start()
sel = selectors.DefaultSelector()
state = {}
for i in range(conns):
    s = socket.socket()
    s.setblocking(False)
    s.connect_ex(("127.0.0.1", port))
    state[s] = {"out": request(i), "in": b""}
    sel.register(s, selectors.EVENT_WRITE)
statuses = {}
answered = 0
deadline = time.time() + 120
while state and time.time() < deadline:
    for key, ev in sel.select(timeout=1):
        s, st = key.fileobj, state[key.fileobj]
        if ev & selectors.EVENT_WRITE and st["out"]:
            try:
                st["out"] = st["out"][s.send(st["out"]):]
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:   # refused early (413): read the answer
                st["out"] = b""
            if not st["out"]:
                sel.modify(s, selectors.EVENT_READ)
            continue
        try:
            chunk = s.recv(65536)
        except (BlockingIOError, InterruptedError):
            continue
        except OSError:
            chunk = b""
        st["in"] += chunk
        if b"\r\n\r\n" in st["in"] or not chunk:
            line = st["in"].split(b"\r\n", 1)[0].decode("latin-1")
            parts = line.split(" ")
            code = parts[1] if len(parts) > 1 and parts[1].isdigit() else "closed"
            answered += code != "closed"
            statuses[code] = statuses.get(code, 0) + 1
            sel.unregister(s)
            s.close()
            del state[s]
stop.set()
watcher.join()
peak = 0
with open("/proc/%s/status" % pid) as f:
    for line in f:
        if line.startswith("VmHWM:"):
            peak = int(line.split()[1])
print("answered %d/%d" % (answered, conns))
print("ended %d/%d" % (conns - len(state), conns))
print("statuses " + " ".join("%s:%d" % kv for kv in sorted(statuses.items())))
print("live_ok %d live_failed %d" % (live["ok"], live["failed"]))
print("peak_rss_kb %d" % peak)
