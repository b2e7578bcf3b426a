#!/usr/bin/env bash
# bench/cluster-failover.sh: the race scenario across each cluster fault, one run per
# fault kind, and the failover table of docs/reliability.md from it.
#
#   bench/cluster-failover.sh [KIND...]   (default: node-kill primary-crash switchover
#                                          api-kill pooler-restart; the cluster must be up)
#
# Each run: race through HAProxy's http port, COST_VUS VUs (default 20) for 25 s, the
# fault at 5 s (lastroom-load --nemesis KIND@5s --cluster-dir). Per kind: the verdict
# (oversold nights, acknowledged bookings missing, unknown outcomes left unsettled),
# requests with an unknown outcome, the time until GET /health through HAProxy
# answered 200 again after the fault's action ended (the nemesis's recovery), and the
# longest time without an answered hold that overlaps the fault's action, from when it
# began to when it was done (scripts/hold-gap.sh --log).
# After a node-kill the killed node is brought back (cluster.sh up) before the next run.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
BIN=${LASTROOM_BIN:-bin}
VUS=${COST_VUS:-20}
export LASTROOM_CLUSTER_DIR=${LASTROOM_CLUSTER_DIR:-$PWD/var/cluster}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
KINDS=("$@")
[ ${#KINDS[@]} -gt 0 ] || KINDS=(node-kill primary-crash switchover api-kill pooler-restart)

scripts/cluster.sh status >/dev/null || { echo "cluster-failover: the cluster is not up (scripts/cluster.sh up)" >&2; exit 1; }
eval "$(scripts/cluster.sh env)"   # the addresses and the cluster's admin
export ADMIN_EMAIL ADMIN_PASSWORD
echo "## Race across each cluster fault ($VUS VUs, 25 s, fault at 5 s; $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores)"
echo
echo "| fault | verdict | oversold / missing / unsettled | unknown outcomes | served again after (ms) | time without an answered hold (s) |"
echo "|---|---|---|---:|---:|---:|"
for k in "${KINDS[@]}"; do
  out=$("$BIN/lastroom-load" run race --profile quick --vus "$VUS" --duration 25s --no-thresholds \
    --url "$API_HTTP" --db "$PRIMARY_URL" --nemesis "$k@5s" --cluster-dir "$LASTROOM_CLUSTER_DIR" \
    --out "json=$WORK/$k.ndjson" --summary-export "$WORK/$k.json" 2>&1)
  rc=$?
  printf '%s\n' "$out" >"$WORK/$k.out"
  over=$(printf '%s\n' "$out" | sed -n 's/^Overbookings Detected: \([0-9]*\)$/\1/p')
  miss=$(printf '%s\n' "$out" | sed -n 's/^  clients vs database: missing \([0-9]*\),.*/\1/p')
  unset_=$(printf '%s\n' "$out" | sed -n 's/^  unknown outcomes: \([0-9]*\) confirms never settled.*/\1/p')
  verdict="exit $rc"
  [ "$rc" = 0 ] && [ "$over" = 0 ] && [ "$miss" = 0 ] && [ "$unset_" = 0 ] && verdict=pass
  gap=$(scripts/hold-gap.sh "$WORK/$k.ndjson" --log "$WORK/$k.out" | sed -n 's/^hold_gap_s=\([0-9.]*\).*/\1/p')
  printf '| %s | %s | %s / %s / %s | %s | %.0f | %s |\n' "$k" "$verdict" "${over:-?}" "${miss:-?}" "${unset_:-?}" \
    "$(jq -r '.lastroom.nemesis.unknown_requests' "$WORK/$k.json")" \
    "$(jq -r --arg k "$k" '.lastroom.nemesis.faults[$k].recovery_ms.max' "$WORK/$k.json")" "${gap:-?}"
  [ "$k" = node-kill ] && scripts/cluster.sh up >/dev/null
done
