#!/usr/bin/env python3
"""server_limits.py: a raw-socket client for server_limits.sh: requests from a chosen
loopback source address, optionally behind a PROXY protocol header, and connections
held open together.

  server_limits.py req SRC PORT HDR METHOD PATH [BODY]
      one request on a new connection from SRC; prints "STATUS CODE RETRY-AFTER"
      ("-" for what is absent), or "closed" when the connection ended unanswered
  server_limits.py conns SRC PORT HDR N
      N + 1 connections from SRC, opened one after the other, each sending GET
      /health/live and kept open; prints their statuses, then "|" and the status of
      one more once the server closed the first

  server_limits.py burst SRC PORT HDR N PATH BODY
      N connections from SRC each send POST PATH with BODY ("{i}" replaced by the
      connection's number) all but its last byte; then the last bytes go out back to
      back, so that the server gets the N requests at once; prints one answer a line
      ("i STATUS CODE RETRY-AFTER")

HDR: "none"; "v1:IP" or "v2:IP" (a PROXY header naming client IP, port 40000);
"bad" (a malformed v1 header).
"""
import json
import socket
import struct
import sys
import time


def header(kind):
    if kind == "none":
        return b""
    if kind == "bad":
        return b"PROXY TCP4 300.1.1.1 127.0.0.1 40000 80\r\n"
    version, ip = kind.split(":", 1)
    if version == "v1":
        return ("PROXY TCP4 %s 127.0.0.1 40000 8080\r\n" % ip).encode()
    addrs = socket.inet_aton(ip) + socket.inet_aton("127.0.0.1") + struct.pack("!HH", 40000, 8080)
    return b"\r\n\r\n\x00\r\nQUIT\n" + bytes([0x21, 0x11]) + struct.pack("!H", len(addrs)) + addrs


def connect(src, port, kind):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(10)
    s.bind((src, 0))
    s.connect(("127.0.0.1", port))
    if kind != "none":
        s.sendall(header(kind))
    return s


def ask(s, method, path, body=""):
    """send one keep-alive request, read its answer; "closed" when none came"""
    data = body.encode()
    try:
        s.sendall(("%s %s HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                   "Content-Length: %d\r\n\r\n" % (method, path, len(data))).encode() + data)
    except (ConnectionResetError, BrokenPipeError, socket.timeout):
        return "closed"
    return ask_rest(s)


def ask_rest(s):
    """read one answer: "STATUS CODE RETRY-AFTER", or "closed" when none came"""
    try:
        got = b""
        while b"\r\n\r\n" not in got:
            chunk = s.recv(65536)
            if not chunk:
                return "closed"
            got += chunk
    except (ConnectionResetError, BrokenPipeError, socket.timeout):
        return "closed"
    head, rest = got.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    fields = {k.strip().lower(): v.strip() for k, v in (l.split(":", 1) for l in lines[1:] if ":" in l)}
    length = int(fields.get("content-length", "0"))
    while len(rest) < length:
        chunk = s.recv(65536)
        if not chunk:
            break
        rest += chunk
    try:
        code = json.loads(rest[:length]).get("error", {}).get("code", "-")
    except ValueError:
        code = "-"
    return "%s %s %s" % (lines[0].split(" ")[1], code, fields.get("retry-after", "-"))


def burst(src, port, kind, n, path, body):
    conns, reqs = [], []
    for i in range(n):
        data = body.replace("{i}", str(i)).encode()
        req = ("POST %s HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
               "Content-Length: %d\r\n\r\n" % (path, len(data))).encode() + data
        conns.append(connect(src, port, kind))
        conns[-1].sendall(req[:-1])
        reqs.append(req[-1:])
    for s, last in zip(conns, reqs):
        s.sendall(last)
    for i, s in enumerate(conns):
        print(i, ask_rest(s))


def main():
    cmd, src, port, kind = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    if cmd == "burst":
        burst(src, port, kind, int(sys.argv[5]), sys.argv[6], sys.argv[7])
        return
    if cmd == "req":
        body = sys.argv[7] if len(sys.argv) > 7 else ""
        print(ask(connect(src, port, kind), sys.argv[5], sys.argv[6], body))
        return
    held, first = [], []
    for _ in range(int(sys.argv[5]) + 1):   # one after the other: the last is the one over
        held.append(connect(src, port, kind))
        first.append(ask(held[-1], "GET", "/health/live").split(" ")[0])
    # the server closes the first (Connection: close) and forgets it just after its EOF
    # reaches us: wait for that (at most 5 s), then one more connection must be served
    held[0].sendall(b"GET /health/live HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
    while held[0].recv(65536):
        pass
    again = "closed"
    for _ in range(250):
        again = ask(connect(src, port, kind), "GET", "/health/live").split(" ")[0]
        if again != "closed":
            break
        time.sleep(0.02)
    print(" ".join(first), "|", again)


if __name__ == "__main__":
    main()
