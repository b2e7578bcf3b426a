#!/usr/bin/env python3
"""openapi_check.py: check HTTP answers against an OpenAPI 3.1 document (docs/openapi.yaml).

    openapi_check.py check DOC METHOD PATH STATUS BODYFILE
        one answer; prints "ok" (exit 0) or the first mismatch (exit 1)
    openapi_check.py log DOC LOGFILE
        every answer recorded in LOGFILE (records of contract_record, server_common.sh:
        "METHOD<tab>PATH<tab>STATUS<tab>N<tab>BYTES" where PATH has its query and N is
        the TAP count when it was recorded, a line break, BYTES of body, a line break);
        prints one line per mismatch, then "checked N"; exits 1 when any does not match
    openapi_check.py examples DOC
        every example of a media type checked against its schema; exits 1 on the first
        that does not match

An answer matches when its path and method name an operation of DOC, its status is one
the operation lists, and its body is valid against that response's JSON schema (JSON
Schema 2020-12; a text/plain response only needs to be text). A path no operation has
must be answered 404 not_found, a path whose operation lacks the method 405
method_not_allowed; any request may be answered 413 payload_too_large or 431
request_header_fields_too_large, and libmicrohttpd's own HTML answers (400, 413, 414, 431,
505 to requests it cannot take) pass. A mismatch names the route, the status and the first
schema error (its place in the body and why).

Works with Debian 12's python3-jsonschema (4.10): $refs are resolved here, not by the
library.
"""
import json
import re
import sys
import urllib.parse

import jsonschema
import yaml

ANY_ROUTE = {413: "payload_too_large", 431: "request_header_fields_too_large"}
# libmicrohttpd answers these itself, with an HTML page, before lastroomd sees a request
# (docs/openapi.yaml says so in its description).
HTTP_LAYER = (400, 413, 414, 431, 505)


def load(path):
    with open(path, encoding="utf-8") as f:
        if path.endswith(".json"):
            return json.load(f)
        return yaml.load(f, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def deref(doc, node, depth=0):
    """node with every local $ref replaced by its target (siblings of a $ref kept next
    to it with allOf). The document has no cycles; depth guards against one anyway."""
    if depth > 64:
        raise ValueError("$ref nesting deeper than 64")
    if isinstance(node, list):
        return [deref(doc, x, depth) for x in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        target = doc
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        target = deref(doc, target, depth + 1)
        rest = {k: deref(doc, v, depth) for k, v in node.items() if k != "$ref"}
        return {"allOf": [target, rest]} if rest else target
    return {k: deref(doc, v, depth) for k, v in node.items()}


class Contract:
    def __init__(self, doc):
        self.doc = doc
        self.routes = []   # (regex, template, path item)
        for template, item in doc.get("paths", {}).items():
            rx = "^" + re.sub(r"\\\{[^}]*\\\}", "[1-9][0-9]{0,17}", re.escape(template)) + "$"
            self.routes.append((re.compile(rx), template, item))
        self.error_schema = deref(doc, doc["components"]["schemas"]["Error"])
        self.cache = {}

    def validator(self, key, schema):
        v = self.cache.get(key)
        if v is None:
            v = self.cache[key] = jsonschema.Draft202012Validator(deref(self.doc, schema))
        return v

    def expected(self, method, path, status):
        """(route, response object or None, reason) for the request."""
        path = path.split("?", 1)[0]
        for rx, template, item in self.routes:
            if not rx.match(path):
                continue
            op = item.get(method.lower()) if method.isupper() else None   # methods are case-sensitive
            route = "%s %s" % (method, template)
            if op is None:
                return route, None, "method_not_allowed"
            resp = op.get("responses", {}).get(str(status)) or op.get("responses", {}).get("default")
            return route, resp, None
        return "%s %s" % (method, path), None, "not_found"

    def error_with(self, code):
        """The Error schema with error.code fixed to code."""
        return {"allOf": [self.error_schema,
                          {"properties": {"error": {"properties": {"code": {"const": code}}}}}]}

    def check(self, method, path, status, body):
        """None when the answer matches, else the mismatch as one line. A body that
        starts with a status line (curl -i) has its header blocks taken off first."""
        while body.startswith("HTTP/") and "\r\n\r\n" in body:
            body = body.split("\r\n\r\n", 1)[1]
        if status in HTTP_LAYER and body.lstrip().lower().startswith("<html>"):
            return None
        path = urllib.parse.unquote(path.split("?", 1)[0])   # the server routes the decoded path
        route, resp, generic = self.expected(method, path, status)
        where = "%s %s" % (route, status)
        if generic is not None:
            want = dict(ANY_ROUTE)
            want[404 if generic == "not_found" else 405] = generic
            if status not in want:
                return "%s: %s, so only %s may answer" % (
                    where, "no operation has this path" if generic == "not_found" else "the path does not take this method",
                    "/".join(str(s) for s in sorted(want)))
            return self.check_json(where, ("error", status), self.error_with(want[status]), body)
        if resp is None:
            if status in ANY_ROUTE:
                return self.check_json(where, ("error", status), self.error_with(ANY_ROUTE[status]), body)
            return "%s: status %s is not documented for this operation" % (where, status)
        resp = deref(self.doc, resp)
        content = resp.get("content") or {}
        if "application/json" in content:
            schema = content["application/json"].get("schema", {})
            return self.check_json(where, (route, status), schema, body)
        if content:
            return None   # text: any text is a body
        return None if body == "" else "%s: the document gives no body, the answer has one" % where

    def check_json(self, where, key, schema, body):
        try:
            value = json.loads(body)
        except ValueError as e:
            return "%s: the body is not JSON (%s): %.80r" % (where, e, body)
        err = jsonschema.exceptions.best_match(self.validator(key, schema).iter_errors(value))
        if err is None:
            return None
        at = "$" + "".join("[%d]" % p if isinstance(p, int) else ".%s" % p for p in err.absolute_path)
        return "%s: at %s: %s" % (where, at, err.message)


def cmd_check(doc, method, path, status, bodyfile):
    with open(bodyfile, encoding="utf-8", errors="replace") as f:
        body = f.read()
    msg = Contract(doc).check(method, path, int(status), body)
    print(msg or "ok")
    return 1 if msg else 0


def records(logfile):
    """(method, path, status, body, n) of each record of logfile."""
    with open(logfile, "rb") as f:
        while True:
            head = f.readline()
            if not head:
                return
            parts = head.rstrip(b"\n").split(b"\t")
            if len(parts) < 5:
                raise ValueError("%s: a record head without its five fields: %r" % (logfile, head[:80]))
            body = f.read(int(parts[-1]))
            f.read(1)
            try:
                status = int(parts[-3])
            except ValueError:
                status = 0
            yield (parts[0].decode("latin-1"), b"\t".join(parts[1:-3]).decode("latin-1"), status,
                   body.decode("utf-8", "replace"), parts[-2].decode("latin-1"))


def cmd_log(doc, logfile):
    c = Contract(doc)
    n = bad = 0
    for method, path, status, body, at in records(logfile):
        n += 1
        msg = c.check(method, path, status, body)
        if msg:
            bad += 1
            print("%s (request after check %s)" % (msg, at))
    print("checked %d" % n)
    return 1 if bad else 0


def cmd_examples(doc):
    n = 0
    for template, item in doc["paths"].items():
        for method, op in item.items():
            bodies = [("request", op.get("requestBody", {}))]
            bodies += [(s, r) for s, r in op.get("responses", {}).items()]
            for what, obj in bodies:
                obj = deref(doc, obj)
                for media, m in (obj.get("content") or {}).items():
                    if "example" not in m or media != "application/json":
                        continue
                    n += 1
                    v = jsonschema.Draft202012Validator(deref(doc, m.get("schema", {})))
                    err = jsonschema.exceptions.best_match(v.iter_errors(m["example"]))
                    if err is not None:
                        print("%s %s %s: the example does not match: %s" % (method.upper(), template, what, err.message))
                        return 1
    print("examples %d" % n)
    return 0


def main(argv):
    if len(argv) == 7 and argv[1] == "check":
        return cmd_check(load(argv[2]), *argv[3:])
    if len(argv) == 4 and argv[1] == "log":
        return cmd_log(load(argv[2]), argv[3])
    if len(argv) == 3 and argv[1] == "examples":
        return cmd_examples(load(argv[2]))
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
