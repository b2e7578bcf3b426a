#!/usr/bin/env bash
# hold-gap.sh: how long a run went without a hold answered by the booking path, read
# from lastroom-load's --out json=FILE samples.
#
#   scripts/hold-gap.sh FILE.ndjson [FROM [TO]]
#   scripts/hold-gap.sh FILE.ndjson --log OUTPUT   FROM and TO from the tester's output:
#                             the first cluster fault's "nemesis: cluster ...: begins"
#                             line and the nemesis line after it (its result)
#
# A hold counts when its request did not fail (http_req_failed 0: 201 held, or the
# expected 409 sold_out, both decisions of a working primary). Without FROM: the
# longest gap between two consecutive answered holds. With FROM and TO (RFC 3339 UTC
# times, such as those nemesis.sh logs when a fault's action begins and ends; TO
# defaults to FROM): the longest such gap that ends after FROM and begins no later
# than 2 s after TO (requests already inside the database when a fault hits may still
# be answered for a moment after it). Prints one line:
#   hold_gap_s=9.874 before_s=0.031 after_s=9.843 holds=2103
# (before_s: from the gap's start to FROM; after_s: from FROM to the gap's end; without
# FROM both are measured from the run's first answered hold). Exit 1 when there is no
# such gap (fewer than two answered holds, or none after FROM), 2 on usage.
set -euo pipefail
[ $# -ge 1 ] && [ $# -le 3 ] && [ -r "$1" ] || { echo "usage: scripts/hold-gap.sh FILE.ndjson [FROM [TO] | --log OUTPUT]" >&2; exit 2; }
if [ "${2:-}" = --log ]; then
  [ $# -eq 3 ] && [ -r "$3" ] || { echo "usage: scripts/hold-gap.sh FILE.ndjson --log OUTPUT" >&2; exit 2; }
  # 2026-01-31T12:00:00.123Z nemesis: cluster kill primary: begins / ...: node1
  mapfile -t at < <(sed -n 's/^\([0-9T:.-]*Z\) nemesis: cluster .*: begins$/\1 b/p; s/^\([0-9T:.-]*Z\) nemesis: cluster .*$/\1 e/p' "$3" \
                    | sed -n '/ b$/,$p' | head -2 | cut -d' ' -f1)
  [ ${#at[@]} -eq 2 ] || { echo "hold-gap.sh: no cluster fault logged in $3" >&2; exit 1; }
  set -- "$1" "${at[0]}" "${at[1]}"
fi
exec python3 - "$@" <<'PY'
import json, sys
from datetime import datetime, timezone
GRACE = 2.0   # seconds after TO in which a gap may still begin

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
        to = stamp(sys.argv[3]) if len(sys.argv) > 3 else at
    except ValueError:
        sys.exit("hold-gap.sh: FROM and TO are RFC 3339 times: " + " ".join(sys.argv[2:]))
    before = [t for t in times if t <= at]
    # the gaps ending after at and beginning by to + GRACE
    seq = before[-1:] + [t for t in times if t > at]
    gaps = [(y - x, x, y) for x, y in zip(seq, seq[1:]) if x <= to + GRACE]
    if not gaps:
        sys.exit(1)
    _, a, b = max(gaps)
    print(f"hold_gap_s={b - a:.3f} before_s={at - a:.3f} after_s={b - at:.3f} holds={len(times)}")
else:
    if len(times) < 2:
        sys.exit(1)
    _, a, b = max((y - x, x, y) for x, y in zip(times, times[1:]))
    at = times[0]
    print(f"hold_gap_s={b - a:.3f} before_s={a - at:.3f} after_s={b - at:.3f} holds={len(times)}")
PY
