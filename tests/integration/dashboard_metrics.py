#!/usr/bin/env python3
"""dashboard_metrics.py DASHBOARD.json SCRAPE...: does every query name a real metric?

Collects the PromQL of every panel target in a Grafana dashboard, takes the metric
names in it (every lastroom_* identifier) and looks each up among the sample names of
the given Prometheus text scrapes (lastroomd's and lastroom-load's /metrics). A query
that names no lastroom_* metric at all also fails, so none escapes the check. Prints
what it checked; exits 0 when all are found, 1 naming each missing one.
"""
import json
import re
import sys

NAME = re.compile(r'\blastroom_[A-Za-z0-9_]+')


def exprs(panels):
    for p in panels:
        yield from (t.get('expr', '') for t in p.get('targets', []))
        yield from exprs(p.get('panels', []))


def main():
    dash = json.load(open(sys.argv[1]))
    known = set()
    for path in sys.argv[2:]:
        for line in open(path):
            if line.strip() and not line.startswith('#'):
                known.add(re.split(r'[{ ]', line, maxsplit=1)[0])
    queries, missing = list(exprs(dash.get('panels', []))), []
    for q in queries:
        names = NAME.findall(q)
        if not names:
            missing.append('a query without a lastroom_ metric: ' + q)
        missing += ['%s (in %s)' % (n, q) for n in names if n not in known]
    print('%d queries, %d metric names known from the scrapes' % (len(queries), len(known)))
    for m in missing:
        print('missing: ' + m)
    return 1 if missing or not queries else 0


if __name__ == '__main__':
    sys.exit(main())
