#!/usr/bin/env bash
# bench/cluster-cost.sh: what one booking cycle costs each component of the cluster of
# scripts/cluster.sh, and what lastroomd's --pooler-safe mode costs, measured in one run.
#
#   bench/cluster-cost.sh            (the cluster must be up: scripts/cluster.sh up)
#
# 1. The race scenario (constant VUs for a fixed time) through HAProxy's http port: the
#    CPU time (user + system, from /proc/PID/stat) each component's processes used
#    during the run, divided by the iterations (one iteration: availability, hold,
#    confirm, read the booking, cancel it; the first also logs in). Components: the
#    primary's PostgreSQL (postmaster and children), the standby's, PgBouncer, HAProxy,
#    the three lastroomd, Patroni x2, etcd, and the tester itself. Each component's CPU
#    while idle (health checks, Patroni's loop, the sweepers) is measured for SECS
#    seconds first: shown per second, and taken out of the per-iteration figure.
# 2. The same run against one more lastroomd talking to HAProxy's primary port
#    directly, once with prepared statements and once with --pooler-safe, and once with
#    --pooler-safe through PgBouncer (each twice, interleaved): iterations/s, hold
#    p50/p95 and the primary's CPU per iteration side by side.
# Prints a markdown table per part. Environment: COST_VUS (default 20), COST_SECS
# (default 20), LASTROOM_BIN (default bin), LASTROOM_CLUSTER_DIR (default var/cluster).
# The component tables hold lists of PIDs, split into words on purpose.
# shellcheck disable=SC2086,SC2046
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
source scripts/lib.sh   # free_port
BIN=${LASTROOM_BIN:-bin}
VUS=${COST_VUS:-20}
SECS=${COST_SECS:-20}
export LASTROOM_CLUSTER_DIR=${LASTROOM_CLUSTER_DIR:-$PWD/var/cluster}
DIR=$LASTROOM_CLUSTER_DIR
TCK=$(getconf CLK_TCK)
WORK=$(mktemp -d)
EXTRA_PID=""
cleanup() { [ -n "$EXTRA_PID" ] && kill "$EXTRA_PID" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT

scripts/cluster.sh status >/dev/null || { echo "cluster-cost: the cluster is not up (scripts/cluster.sh up)" >&2; exit 1; }
eval "$(scripts/cluster.sh env)"   # the addresses and the cluster's admin
export ADMIN_EMAIL ADMIN_PASSWORD
LEADER=$(scripts/cluster.sh leader)
STANDBY=node1; [ "$LEADER" = node1 ] && STANDBY=node2

pidfile() { head -1 "$DIR/$1.pid"; }
postmaster() { head -1 "$DIR/$1/data/postmaster.pid"; }
# tree PID: PID and its children (PostgreSQL's backends are the postmaster's children).
tree() { echo "$1"; ps -o pid= --ppid "$1" | tr -d ' '; }
# ticks PID...: the sum of user + system clock ticks of the running ones.
ticks() { local p s=0 t; for p in "$@"; do t=$(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null) && s=$((s + t)); done; echo "$s"; }

declare -A COMP
components() {
  COMP=(
    ["PostgreSQL primary ($LEADER)"]="$(tree "$(postmaster "$LEADER")" | tr '\n' ' ')"
    ["PostgreSQL standby ($STANDBY)"]="$(tree "$(postmaster "$STANDBY")" | tr '\n' ' ')"
    [PgBouncer]="$(pidfile pgbouncer)"
    [HAProxy]="$(pidfile haproxy)"
    ["lastroomd x3"]="$(pidfile api1) $(pidfile api2) $(pidfile api3)"
    ["Patroni x2"]="$(pidfile node1) $(pidfile node2)"
    [etcd]="$(pidfile etcd)"
  )
}

# run_race URL NAME: the race for SECS with VUS VUs; leaves NAME.out/.json, sets ITER
# and TESTER_TICKS (the tester's own CPU).
run_race() {
  local t0 t1
  t0=$(awk '{print $14 + $15 + $16 + $17}' /proc/$$/stat)
  "$BIN/lastroom-load" run race --profile quick --vus "$VUS" --duration "${SECS}s" --no-thresholds \
    --url "$1" --db "$PRIMARY_URL" --summary-export "$WORK/$2.json" >"$WORK/$2.out" 2>&1
  t1=$(awk '{print $14 + $15 + $16 + $17}' /proc/$$/stat)
  TESTER_TICKS=$((t1 - t0))
  ITER=$(jq -r '.metrics.iterations.values.count' "$WORK/$2.json")
  grep -q '^Overbookings Detected: 0$' "$WORK/$2.out" || echo "cluster-cost: $2: the verdict is not clean, see the output" >&2
}

us_per() { awk -v t="$1" -v n="$2" -v k="$TCK" 'BEGIN { printf("%.0f", (n > 0) ? t * 1e6 / k / n : 0) }'; }

echo "## CPU per booking cycle, race through HAProxy ($VUS VUs, ${SECS} s; $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores)"
components
declare -A BEFORE IDLE
now() { date +%s.%N; }
for k in "${!COMP[@]}"; do BEFORE[$k]=$(ticks ${COMP[$k]}); done
sleep "$SECS"
for k in "${!COMP[@]}"; do IDLE[$k]=$(( $(ticks ${COMP[$k]}) - BEFORE[$k] )); BEFORE[$k]=$(ticks ${COMP[$k]}); done
t0=$(now)
run_race "$API_HTTP" cluster
wall=$(awk -v a="$t0" -v b="$(now)" 'BEGIN { print b - a }')
echo
echo "iterations: $ITER ($(awk -v n="$ITER" -v s="$SECS" 'BEGIN { printf("%.0f", n / s) }')/s), hold p50 $(jq -r '.metrics["http_req_duration{name:hold}"].values.med' "$WORK/cluster.json") ms"
echo
echo "| component | idle CPU ms per s | CPU µs per iteration, idle taken out |"
echo "|---|---:|---:|"
for k in "${!COMP[@]}"; do
  used=$(( $(ticks ${COMP[$k]}) - BEFORE[$k] ))
  busy=$(awk -v u="$used" -v i="${IDLE[$k]}" -v w="$wall" -v s="$SECS" 'BEGIN { b = u - i * w / s; printf("%.1f", b > 0 ? b : 0) }')
  echo "| $k | $(awk -v i="${IDLE[$k]}" -v s="$SECS" -v k="$TCK" 'BEGIN { printf("%.1f", i * 1000 / k / s) }') | $(us_per "$busy" "$ITER") |"
done | sort
echo "| lastroom-load (the tester) | - | $(us_per "$TESTER_TICKS" "$ITER") |"

echo
echo "## --pooler-safe: one more lastroomd, same race ($VUS VUs, ${SECS} s)"
echo
echo "| lastroomd | database path | iterations/s | hold p50 ms | hold p95 ms | primary CPU µs per iteration |"
echo "|---|---|---:|---:|---:|---:|"
PM=$(postmaster "$LEADER")
# each mode twice, interleaved, so that a neighbour's load on the shared cores falls on
# all modes alike
MODES=("prepared|$PRIMARY_URL|HAProxy -> primary" "pooler-safe|$PRIMARY_URL|HAProxy -> primary"
       "pooler-safe|$BOUNCER_URL|PgBouncer -> HAProxy -> primary")
for mode in "${MODES[@]}" "${MODES[@]}"; do
  IFS='|' read -r name url path <<<"$mode"
  port=$(free_port)
  flag=(); [ "$name" = pooler-safe ] && flag=(--pooler-safe)
  LASTROOM_ADMIN_EMAIL=$ADMIN_EMAIL LASTROOM_ADMIN_PASSWORD=$ADMIN_PASSWORD \
    "$BIN/lastroomd" --db "$url" --migrate-db "$PRIMARY_URL" "${flag[@]}" --listen "127.0.0.1:$port" \
      --secret-file "$DIR/token-secret" --pool-size 8 --log-level warn >"$WORK/extra.log" 2>&1 &
  EXTRA_PID=$!
  for _ in $(seq 100); do curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$port/health" && break; sleep 0.1; done
  b=$(ticks $(tree "$PM"))
  run_race "http://127.0.0.1:$port" "extra-$name-$port"
  a=$(ticks $(tree "$PM"))
  j=$WORK/extra-$name-$port.json
  printf '| %s | %s | %.0f | %.2f | %.2f | %s |\n' "$name" "$path" "$(awk -v n="$ITER" -v s="$SECS" 'BEGIN { print n / s }')" \
    "$(jq -r '.metrics["http_req_duration{name:hold}"].values.med' "$j")" \
    "$(jq -r '.metrics["http_req_duration{name:hold}"].values["p(95)"]' "$j")" "$(us_per $((a - b)) "$ITER")"
  kill "$EXTRA_PID"; wait "$EXTRA_PID" 2>/dev/null; EXTRA_PID=""
done
