#!/usr/bin/env python3
"""load_http_server.py: a small HTTP/1.1 server for the http client's integration tests.

    load_http_server.py PORT [CERT KEY]   (with CERT and KEY: HTTPS)

Every request is logged to stdout as one line:
    METHOD PATH len=BODY_BYTES ctype=CONTENT_TYPE ctypes=HOW_MANY cookie=COOKIE
        tls_resumed=True|False (HTTPS) or - host=HOST auth=AUTHORIZATION
and answered by path:
    /redirect/N    302 to /redirect/N-1; /redirect/0 answers 200
    /away/PORT     302 to http://127.0.0.1:PORT/landed (another origin)
    /loop          302 to itself, forever
    /cookie/set    200 with Set-Cookie: session=abc; Path=/cookie and a cookie for
                   another path and one already expired
    /cookie/check  200 when the request carries session=abc (and no other), else 403
    /cookie/redirect  302 to /cookie/check, setting session=abc; Path=/cookie
    /gzip          a gzip body when Accept-Encoding names gzip, else identity
    /deflate       a deflate (zlib) body when Accept-Encoding names deflate
    /big/N         200 with N bytes of body
    anything else  200 "ok"
"""
import gzip
import http.server
import ssl
import sys
import zlib

PLAIN = b"the same line of text, again and again, so that it compresses well.\n" * 50


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self, status, body=b"ok", headers=()):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def handle_any(self):
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(n) if n else b""
        ctypes = self.headers.get_all("Content-Type") or []
        reused = getattr(self.connection, "session_reused", "-")
        print(f"{self.command} {self.path} len={len(body)} ctype={ctypes[0] if ctypes else '-'}"
              f" ctypes={len(ctypes)} cookie={self.headers.get('Cookie', '-')}"
              f" tls_resumed={reused} host={self.headers.get('Host', '-')}"
              f" auth={self.headers.get('Authorization', '-')}", flush=True)
        p = self.path
        if p.startswith("/redirect/"):
            left = int(p.rsplit("/", 1)[1])
            if left > 0:
                return self.answer(302, b"", [("Location", f"/redirect/{left - 1}")])
            return self.answer(200, b"arrived")
        if p.startswith("/away/"):
            port = p.rsplit("/", 1)[1]
            return self.answer(302, b"", [("Location", f"http://127.0.0.1:{port}/landed")])
        if p == "/loop":
            return self.answer(302, b"", [("Location", "/loop")])
        if p == "/cookie/set":
            return self.answer(200, b"set", [
                ("Set-Cookie", "session=abc; Path=/cookie; HttpOnly"),
                ("Set-Cookie", "other=1; Path=/elsewhere"),
                ("Set-Cookie", "gone=1; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT")])
        if p == "/cookie/redirect":
            return self.answer(302, b"", [("Location", "/cookie/check"),
                                          ("Set-Cookie", "session=abc; Path=/cookie")])
        if p == "/cookie/check":
            ok = self.headers.get("Cookie") == "session=abc"
            return self.answer(200 if ok else 403, b"checked")
        if p in ("/gzip", "/deflate"):
            enc = p[1:]
            if enc in self.headers.get("Accept-Encoding", ""):
                data = gzip.compress(PLAIN) if enc == "gzip" else zlib.compress(PLAIN)
                return self.answer(200, data, [("Content-Encoding", enc)])
            return self.answer(200, PLAIN)
        if p.startswith("/big/"):
            return self.answer(200, b"x" * int(p.rsplit("/", 1)[1]))
        return self.answer(200)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = handle_any


def main():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler)
    if len(sys.argv) == 4:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(sys.argv[2], sys.argv[3])
        server.socket = ctx.wrap_socket(server.socket, server_side=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
