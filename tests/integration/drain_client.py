# drain_client.py: keep-alive clients for server_drain.sh (not a test by itself).
#
#   python3 drain_client.py PORT PID TOKENS_FILE ROOM_TYPE SIGNAL_AFTER OUT_JSON
#
# One thread per token line, each on its own keep-alive connection, loops over
# POST /api/holds (with an Idempotency-Key), POST /api/bookings for the hold it got, and
# GET /api/hotels. Once SIGNAL_AFTER answers have come back in all, SIGTERM goes to PID.
# A client stops when the server refuses a new connection. Every request ends as one of:
#   answered: a complete HTTP answer (its status and error code are counted)
#   unknown:  sent on an open connection, and the connection ended without an answer
#   unsent:   a new connection was refused or reset before the request could be sent
# OUT_JSON gets the counts, the hold ids and booking ids the clients were told about
# (201), and the unknown requests.
import http.client, json, os, signal, socket, sys, threading, uuid

port, pid, tokens_file, room_type, signal_after, out_path = sys.argv[1:7]
port, pid, signal_after = int(port), int(pid), int(signal_after)
tokens = [t.strip() for t in open(tokens_file) if t.strip()]
lock = threading.Lock()
state = {"answers": 0, "signalled": False, "statuses": {}, "holds": [], "bookings": [],
         "unknown": [], "unsent": 0, "requests": 0}
HOLD = json.dumps({"room_type_id": int(room_type), "check_in": "2031-03-10",
                   "check_out": "2031-03-11", "quantity": 1})


def note(status, body):
    code = "-"
    try:
        code = json.loads(body).get("error", {}).get("code", "-")
    except (ValueError, AttributeError):
        pass
    with lock:
        state["answers"] += 1
        key = "%d %s" % (status, code)
        state["statuses"][key] = state["statuses"].get(key, 0) + 1
        if state["answers"] >= signal_after and not state["signalled"]:
            state["signalled"] = True
            os.kill(pid, signal.SIGTERM)


class Stopped(Exception):
    pass


class Client:
    def __init__(self, token):
        self.token = token
        self.conn = None

    def request(self, method, path, body=None, headers=None):
        """The answer (status, body, headers), or raises Stopped."""
        fresh = self.conn is None
        if fresh:
            self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            try:
                self.conn.connect()
            except OSError:
                with lock:
                    state["unsent"] += 1
                raise Stopped()
        h = {"Authorization": "Bearer " + self.token, "Content-Type": "application/json"}
        h.update(headers or {})
        sent = False
        with lock:
            state["requests"] += 1
        try:
            self.conn.request(method, path, body=body, headers=h)
            sent = True
            resp = self.conn.getresponse()
            data = resp.read()
        except (OSError, http.client.HTTPException) as e:
            self.conn.close()
            self.conn = None
            with lock:
                if sent or not fresh:
                    state["unknown"].append({"method": method, "path": path, "body": body,
                                             "fresh": fresh, "error": repr(e)})
                else:
                    state["unsent"] += 1
            raise Stopped()
        note(resp.status, data)
        if (resp.getheader("Connection") or "").lower() == "close":
            self.conn.close()
            self.conn = None
        return resp.status, data

    def run(self):
        try:
            while True:
                status, data = self.request("POST", "/api/holds", HOLD,
                                            {"Idempotency-Key": str(uuid.uuid4())})
                if status != 201:
                    continue
                hold = json.loads(data)["hold_id"]
                with lock:
                    state["holds"].append(hold)
                status, data = self.request("POST", "/api/bookings", json.dumps({"hold_id": hold}),
                                            {"Idempotency-Key": str(uuid.uuid4())})
                if status == 201:
                    with lock:
                        state["bookings"].append(json.loads(data)["booking_id"])
                self.request("GET", "/api/hotels")
        except Stopped:
            pass


threads = [threading.Thread(target=Client(t).run, daemon=True) for t in tokens]
for t in threads:
    t.start()
for t in threads:
    t.join(300)
state["alive"] = sum(t.is_alive() for t in threads)
with open(out_path, "w") as f:
    json.dump(state, f)
