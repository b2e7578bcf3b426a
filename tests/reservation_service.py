#!/usr/bin/env python3
"""reservation_service.py: a small reservation API that has nothing to do with lastroomd,
used to show that a Lua script can race-test any booking API (examples/reservations.lua).

    reservation_service.py --port N --mode safe|racy

    POST   /v1/rooms               {"room": "r1", "capacity": 1}      -> 201
    POST   /v1/reservations        {"room": "r1", "guest": "g"}       -> 201 {"reservation": {"ref": ..}}
                                                                         409 {"error": "full"}
    DELETE /v1/reservations/REF                                        -> 204, 404
    GET    /v1/rooms/r1            -> 200 {"room", "capacity", "reservations": [{"ref", "guest"}]}
    GET    /healthz                -> 200

safe mode checks and inserts under one lock; racy mode checks, waits a little (a slow
database round trip), then inserts: the check-then-act bug that oversells under a burst.
Loopback only; bodies are capped at 64 KiB.
"""
import argparse
import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

BODY_MAX = 65536
rooms = {}            # room -> {"capacity": int, "reservations": [{"ref", "guest"}]}
lock = threading.Lock()
MODE = "safe"


def reserve(room, guest):
    """Returns the new reservation, None when full, or KeyError for an unknown room."""
    if MODE == "safe":
        with lock:
            r = rooms[room]
            if len(r["reservations"]) >= r["capacity"]:
                return None
            res = {"ref": uuid.uuid4().hex, "guest": guest}
            r["reservations"].append(res)
            return res
    r = rooms[room]
    if len(r["reservations"]) >= r["capacity"]:      # check ...
        return None
    time.sleep(0.3)                                   # ... a slow round trip ...
    res = {"ref": uuid.uuid4().hex, "guest": guest}
    with lock:
        r["reservations"].append(res)                 # ... then act
    return res


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self, status, obj=None):
        body = b"" if obj is None else json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        if n < 0 or n > BODY_MAX:
            raise ValueError("body too large")
        return json.loads(self.rfile.read(n) or b"{}")

    def do_GET(self):
        if self.path == "/healthz":
            return self.answer(200, {"ok": True})
        if self.path.startswith("/v1/rooms/"):
            name = self.path[len("/v1/rooms/"):]
            with lock:
                r = rooms.get(name)
                if r is None:
                    return self.answer(404, {"error": "no such room"})
                return self.answer(200, {"room": name, "capacity": r["capacity"],
                                         "reservations": list(r["reservations"])})
        self.answer(404, {"error": "not found"})

    def do_POST(self):
        try:
            b = self.body()
        except (ValueError, json.JSONDecodeError):
            return self.answer(400, {"error": "bad body"})
        if self.path == "/v1/rooms":
            cap = b.get("capacity")
            if not isinstance(b.get("room"), str) or not isinstance(cap, int) or not 0 <= cap <= 1000:
                return self.answer(400, {"error": "want room and capacity"})
            with lock:
                rooms[b["room"]] = {"capacity": cap, "reservations": []}
            return self.answer(201, {"room": b["room"]})
        if self.path == "/v1/reservations":
            try:
                res = reserve(b.get("room"), str(b.get("guest", "")))
            except (KeyError, TypeError):
                return self.answer(404, {"error": "no such room"})
            if res is None:
                return self.answer(409, {"error": "full"})
            return self.answer(201, {"reservation": res})
        self.answer(404, {"error": "not found"})

    def do_DELETE(self):
        if self.path.startswith("/v1/reservations/"):
            ref = self.path[len("/v1/reservations/"):]
            with lock:
                for r in rooms.values():
                    for i, res in enumerate(r["reservations"]):
                        if res["ref"] == ref:
                            del r["reservations"][i]
                            return self.answer(204)
            return self.answer(404, {"error": "no such reservation"})
        self.answer(404, {"error": "not found"})


def main():
    global MODE
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--mode", choices=["safe", "racy"], default="safe")
    a = p.parse_args()
    MODE = a.mode
    ThreadingHTTPServer.request_queue_size = 1024    # read by listen() in the constructor
    ThreadingHTTPServer.daemon_threads = True
    srv = ThreadingHTTPServer(("127.0.0.1", a.port), Handler)
    srv.serve_forever()


if __name__ == "__main__":
    main()
