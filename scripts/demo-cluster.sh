#!/usr/bin/env bash
# demo-cluster.sh: the race tests through the cluster of scripts/cluster.sh (run by
# `make demo-cluster`).
#
#   1. bring the cluster up in ./var/cluster (etcd, Patroni x2, HAProxy, PgBouncer,
#      lastroomd x3; about 15 s the first time);
#   2. last-room and race (quick profiles) through HAProxy, verified on the primary;
#   3. race for 25 s with the primary node SIGKILLed at 5 s (node-kill): the verdict,
#      the failover's timeline, and the time without an answered hold around the kill;
#   4. bring the killed node back as the standby, then stop everything.
# Exits 0 only when every run passes. LASTROOM_DEMO_KEEP=1 leaves the cluster running.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
BIN=${LASTROOM_BIN:-bin}
export LASTROOM_CLUSTER_DIR=${LASTROOM_CLUSTER_DIR:-$PWD/var/cluster}

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
cleanup() { [ "${LASTROOM_DEMO_KEEP:-0}" = 1 ] || scripts/cluster.sh down; }
trap cleanup EXIT

say "1. the cluster"
scripts/cluster.sh up || exit 1
eval "$(scripts/cluster.sh env)"   # the addresses and the cluster's admin
export ADMIN_EMAIL ADMIN_PASSWORD
scripts/cluster.sh status
echo "API (TLS): $API_URL  (curl --cacert $API_CA)"
echo "API for lastroom-load (plain http on loopback): $API_HTTP"

status=0
say "2a. last-room through HAProxy: 50 users, 1 room"
"$BIN/lastroom-load" run last-room --profile quick --url "$API_HTTP" --db "$PRIMARY_URL" \
  --summary-export var/demo-cluster-last-room.json || status=1
say "2b. race through HAProxy"
"$BIN/lastroom-load" run race --profile quick --url "$API_HTTP" --db "$PRIMARY_URL" \
  --summary-export var/demo-cluster-race.json || status=1

say "3. race across a node-kill: the primary node is SIGKILLed at 5 s"
echo "Thresholds are off for this run (connection errors during the failover are expected);"
echo "the verification must still find nothing oversold and no acknowledged booking lost."
out=$("$BIN/lastroom-load" run race --profile quick --vus 20 --duration 25s --no-thresholds \
  --url "$API_HTTP" --db "$PRIMARY_URL" --nemesis node-kill@5s --cluster-dir "$LASTROOM_CLUSTER_DIR" \
  --out json=var/demo-cluster-failover.ndjson --summary-export var/demo-cluster-failover.json 2>&1)
rc=$?
printf '%s\n' "$out" | sed -n '/=== RACE CONDITION TEST SUMMARY ===/,$p'
printf '%s\n' "$out" | grep -q '^  clients vs database: missing 0, cancel lost 0, refused but booked 0' || status=1
printf '%s\n' "$out" | grep -q '^Overbookings Detected: 0$' || status=1
[ $rc -eq 0 ] || status=1
printf '%s\n' "$out" >var/demo-cluster-failover.out
echo "time without an answered hold around the kill:" \
  "$(scripts/hold-gap.sh var/demo-cluster-failover.ndjson --log var/demo-cluster-failover.out)"
echo "primary now: $(scripts/cluster.sh leader)"

say "4. the killed node rejoins as the standby"
scripts/cluster.sh up >/dev/null && scripts/cluster.sh status

say "verdict"
if [ $status -eq 0 ]; then echo "all cluster runs passed"; else echo "a cluster run FAILED"; fi
exit $status
