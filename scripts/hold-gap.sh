#!/usr/bin/env bash
# hold-gap.sh: how long a run went without a hold answered by the booking path, read
# from lastroom-load's --out json=FILE samples.
#
#   scripts/hold-gap.sh FILE.ndjson [AT]
#
# A hold counts when its request did not fail (http_req_failed 0: 201 held, or the
# expected 409 sold_out, both decisions of a working primary). Without AT: the longest
# gap between two consecutive answered holds. With AT (an RFC 3339 UTC time, such as
# the timestamp nemesis.sh logs when it injects a fault): the gap around that instant,
# from the last answered hold before it to the first after it. Prints one line:
#   hold_gap_s=9.874 before_s=0.031 after_s=9.843 holds=2103
# (before_s and after_s: from the gap's start to AT and from AT to its end; without AT
# they are measured from the run's first answered hold). Exit 1 when there is no such
# gap (fewer than two answered holds, or none after AT), 2 on usage.
set -euo pipefail
[ $# -ge 1 ] && [ $# -le 2 ] && [ -r "$1" ] || { echo "usage: scripts/hold-gap.sh FILE.ndjson [AT]" >&2; exit 2; }
exec python3 - "$@" <<'PY'
import json, sys
from datetime import datetime, timezone

def stamp(t):   # RFC 3339 UTC, fractions of any length
    t = t.rstrip("Z")
    base, frac = t.split(".") if "." in t else (t, "0")
    return datetime.fromisoformat(base).replace(tzinfo=timezone.utc).timestamp() + float("0." + frac)

times = []
with open(sys.argv[1]) as f:
    for line in f:
        if '"http_req_failed"' not in line or '"hold"' not in line:
            continue
        p = json.loads(line)
        d = p.get("data", {})
        if p.get("type") == "Point" and d.get("tags", {}).get("name") == "hold" and d.get("value") == 0:
            times.append(stamp(d["time"]))
times.sort()
if len(sys.argv) > 2:
    try:
        at = stamp(sys.argv[2])
    except ValueError:
        sys.exit(f"hold-gap.sh: AT is not an RFC 3339 time: {sys.argv[2]}")
    before = [t for t in times if t <= at]
    after = [t for t in times if t > at]
    if not after:
        sys.exit(1)
    a = before[-1] if before else at
    b = after[0]
else:
    if len(times) < 2:
        sys.exit(1)
    _, a, b = max((y - x, x, y) for x, y in zip(times, times[1:]))
    at = times[0]
    print(f"hold_gap_s={b - a:.3f} before_s={a - at:.3f} after_s={b - at:.3f} holds={len(times)}")
    sys.exit(0)
print(f"hold_gap_s={b - a:.3f} before_s={at - a:.3f} after_s={b - at:.3f} holds={len(times)}")
PY
