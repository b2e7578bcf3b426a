#!/usr/bin/env bash
# cluster.sh: lastroom past one machine, on one machine: etcd, two PostgreSQL 15 nodes
# under Patroni (synchronous mode), HAProxy routing to the primary by Patroni's REST
# checks, PgBouncer in transaction mode, three lastroomd behind HAProxy with TLS.
#
#   scripts/cluster.sh up | down | status | url | failover | kill NODE | env
#
#   up        start whatever is not running; prints the API URL (https) as its last line
#   down      stop what `up` started (by the PIDs it wrote), leave the data
#   status    one line per service; exit 3 when one is not running
#   url       the API URL (https; curl --cacert $DIR/tls/ca.pem)
#   failover  Patroni's planned switchover to the standby, waited for
#   kill NODE SIGKILL node NODE (node1|node2|primary): its Patroni and its postmaster
#             together, so the node is lost
#   crash NODE   SIGKILL NODE's postmaster alone (Patroni restarts it in place)
#   kill-api NAME  SIGKILL one lastroomd (api1|api2|api3)
#   start-api NAME start that lastroomd again, waited for until /health answers 200
#   restart-pooler stop PgBouncer and start it again, waited for
#   leader    the node Patroni calls the primary (node1|node2)
#   env       shell assignments: the addresses (API_HTTP, PRIMARY_URL, ... see env_out)
#             and the admin every lastroomd ensures (ADMIN_EMAIL, ADMIN_PASSWORD: taken
#             from the environment at the first `up`, then kept in the folder)
#
# Everything lives in $LASTROOM_CLUSTER_DIR (default ./var/cluster): the configs made
# from deploy/cluster/*.in, each service's data, log and pid file, and `ports`, the
# loopback ports chosen free on first `up` and kept. As root, Patroni (hence
# PostgreSQL) and PgBouncer run as the postgres user. lastroomd runs with --pooler-safe
# against PgBouncer, applies migrations straight to the primary (--migrate-db) and
# reads availability through HAProxy's reads port (--read-db).
# shellcheck disable=SC1091,SC2153  # sourced files; the ports file sets ETCD_CLIENT ... API3
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$ROOT/scripts/lib.sh"   # free_port, open_path_for_postgres
PGBIN=${LASTROOM_PGBIN:-/usr/lib/postgresql/15/bin}
BIN=${LASTROOM_BIN:-$ROOT/bin}
case "$BIN" in /*) ;; *) BIN=$ROOT/$BIN ;; esac
DIR=${LASTROOM_CLUSTER_DIR:-$ROOT/var/cluster}
mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)
TPL=$ROOT/deploy/cluster
NODES=(node1 node2)
APIS=(api1 api2 api3)
UP_WAIT_S=${LASTROOM_CLUSTER_WAIT_S:-90}
ADMIN_EMAIL=${ADMIN_EMAIL:-admin@lastroom.test}
ADMIN_PASSWORD=${ADMIN_PASSWORD:-cluster-admin-password}

log() { echo "cluster: $*" >&2; }
die() { echo "cluster.sh: $*" >&2; exit 1; }

# as_svc CMD...: exec CMD as the postgres user when root (PostgreSQL and PgBouncer
# refuse root), in a session of its own; exec keeps the PID the caller sees.
as_svc() {
  if [ "$(id -u)" -eq 0 ]; then
    exec setsid setpriv --reuid=postgres --regid=postgres --init-groups -- "$@"
  fi
  exec setsid -- "$@"
}

# open_dir: as root, let the postgres user reach and own $DIR and all in it.
open_dir() {
  open_path_for_postgres "$DIR"
  [ "$(id -u)" -ne 0 ] || chown -R postgres: "$DIR"
}

# --- ports -------------------------------------------------------------------------

PORT_NAMES=(ETCD_CLIENT ETCD_PEER PG1 REST1 PG2 REST2 HA_PG HA_PG_RO HA_HTTPS HA_HTTP BOUNCER API1 API2 API3)

load_ports() { [ -f "$DIR/ports" ] || die "no cluster in $DIR (run up)"; source "$DIR/ports"; }

pick_ports() {
  [ -f "$DIR/ports" ] && return 0
  local n p taken=" "
  : >"$DIR/ports.new"
  for n in "${PORT_NAMES[@]}"; do
    for _ in $(seq 20); do
      p=$(free_port) || die "no free loopback port"
      case $taken in *" $p "*) continue ;; esac
      break
    done
    taken+="$p "
    echo "$n=$p" >>"$DIR/ports.new"
  done
  mv "$DIR/ports.new" "$DIR/ports"
}

# --- configs from templates --------------------------------------------------------

# fill TEMPLATE OUT [NAME=VALUE...]: replace @NAME@ with each value (ports and DIR too).
fill() {
  local tpl=$1 out=$2 n args=()
  shift 2
  for n in "${PORT_NAMES[@]}"; do args+=(-e "s|@$n@|${!n}|g"); done
  args+=(-e "s|@DIR@|$DIR|g" -e "s|@PGBIN@|$PGBIN|g" -e "s|@NODE1@|node1|g" -e "s|@NODE2@|node2|g")
  for n in "$@"; do args+=(-e "s|@${n%%=*}@|${n#*=}|g"); done
  sed "${args[@]}" "$tpl" >"$out"
  ! grep -q '@[A-Z0-9_]\+@' "$out" || die "$out: unfilled fields: $(grep -o '@[A-Z0-9_]*@' "$out" | sort -u | tr '\n' ' ')"
}

make_configs() {
  mkdir -p "$DIR/etcd" "$DIR/pgbouncer" "$DIR/tls" "${NODES[@]/#/$DIR/}" "${APIS[@]/#/$DIR/}"
  fill "$TPL/etcd.yml.in" "$DIR/etcd/etcd.yml"
  fill "$TPL/patroni.yml.in" "$DIR/node1/patroni.yml" NODE=node1 PG="$PG1" REST="$REST1"
  fill "$TPL/patroni.yml.in" "$DIR/node2/patroni.yml" NODE=node2 PG="$PG2" REST="$REST2"
  fill "$TPL/haproxy.cfg.in" "$DIR/haproxy.cfg"
  fill "$TPL/pgbouncer.ini.in" "$DIR/pgbouncer/pgbouncer.ini"
  echo '"postgres" ""' >"$DIR/pgbouncer/userlist.txt"
  if [ ! -f "$DIR/tls/api.pem" ]; then
    openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj /CN=127.0.0.1 \
      -addext subjectAltName=IP:127.0.0.1 -keyout "$DIR/tls/key.pem" -out "$DIR/tls/ca.pem" \
      >/dev/null 2>&1 || die "openssl could not make the API certificate"
    cat "$DIR/tls/ca.pem" "$DIR/tls/key.pem" >"$DIR/tls/api.pem"
    chmod 600 "$DIR/tls/key.pem" "$DIR/tls/api.pem"
  fi
  # the admin every lastroomd ensures at start: chosen once ($ADMIN_EMAIL and
  # $ADMIN_PASSWORD, or the defaults) and kept, so that `env` always tells the truth
  [ -f "$DIR/admin" ] || printf 'ADMIN_EMAIL=%q\nADMIN_PASSWORD=%q\n' "$ADMIN_EMAIL" "$ADMIN_PASSWORD" >"$DIR/admin"
  source "$DIR/admin"
  [ -f "$DIR/token-secret" ] || { head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$DIR/token-secret"; echo >>"$DIR/token-secret"; }
}

# --- processes ---------------------------------------------------------------------

# pid_of NAME: the PID in NAME.pid when that process runs and is the program we
# started (its /proc comm starts with the expected name), else nothing.
pid_of() {
  local f=$DIR/$1.pid pid comm want
  [ -f "$f" ] || return 1
  pid=$(head -1 "$f")
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  comm=$(cat "/proc/$pid/comm" 2>/dev/null) || return 1
  want=$(sed -n 2p "$f")
  [ "${comm:0:15}" = "${want:0:15}" ] || return 1
  [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" != Z ] || return 1
  echo "$pid"
}

# spawn NAME COMM LOG CMD...: start CMD in the background (as_svc), record its PID and
# the process name it must have in NAME.pid.
spawn() {
  local name=$1 comm=$2 logf=$3
  shift 3
  pid_of "$name" >/dev/null && return 0
  ( as_svc "$@" ) >"$logf" 2>&1 </dev/null &
  printf '%s\n%s\n' "$!" "$comm" >"$DIR/$name.pid"
}

# spawn_api NAME PORT: one lastroomd (as the caller: it needs no postgres user).
spawn_api() {
  local name=$1 port=$2
  pid_of "$name" >/dev/null && return 0
  LASTROOM_ADMIN_EMAIL=$ADMIN_EMAIL LASTROOM_ADMIN_PASSWORD=$ADMIN_PASSWORD \
    setsid "$BIN/lastroomd" --db "$(bouncer_url)" --migrate-db "$(primary_url)" --pooler-safe \
      --read-db "$(standby_url)" --listen "127.0.0.1:$port" --secret-file "$DIR/token-secret" \
      --pool-size 8 --log-level warn >>"$DIR/$name/lastroomd.log" 2>&1 </dev/null &
  printf '%s\n%s\n' "$!" lastroomd >"$DIR/$name.pid"
}

# wait_for WHAT SECONDS LOG CMD...: until CMD succeeds, or die naming WHAT, with the
# last lines of LOG.
wait_for() {
  local what=$1 secs=$2 logf=$3 deadline=$((SECONDS + $2))
  shift 3
  until "$@" >/dev/null 2>&1; do
    if [ $SECONDS -ge $deadline ]; then
      echo "cluster.sh: $what did not come up within $secs s; the end of $logf:" >&2
      tail -5 "$logf" 2>/dev/null | sed 's/^/  | /' >&2
      exit 1
    fi
    sleep 0.2
  done
}

http_ok() { [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$@")" = 200 ]; }
rest() { local v="REST${1#node}"; echo "http://127.0.0.1:${!v}"; }

primary_url() { echo "postgresql://postgres@127.0.0.1:$HA_PG/lastroom"; }
standby_url() { echo "postgresql://postgres@127.0.0.1:$HA_PG_RO/lastroom"; }
bouncer_url() { echo "postgresql://postgres@127.0.0.1:$BOUNCER/lastroom"; }
api_url() { echo "https://127.0.0.1:$HA_HTTPS"; }

# leader: the node Patroni's REST API calls the primary, or nothing.
leader() {
  local n
  for n in "${NODES[@]}"; do http_ok "$(rest "$n")/primary" && { echo "$n"; return 0; }; done
  return 1
}
sync_standby_up() { local n; for n in "${NODES[@]}"; do http_ok "$(rest "$n")/sync" && return 0; done; return 1; }
db_ready() { psql -X -qAt "postgresql://postgres@127.0.0.1:$HA_PG/postgres" -c 'SELECT 1' >/dev/null; }
api_ready() { http_ok --cacert "$DIR/tls/ca.pem" "$(api_url)/health"; }

up() {
  pick_ports
  load_ports
  make_configs
  open_dir
  spawn etcd etcd "$DIR/etcd/etcd.log" etcd --config-file "$DIR/etcd/etcd.yml"
  wait_for etcd 30 "$DIR/etcd/etcd.log" http_ok "http://127.0.0.1:$ETCD_CLIENT/health"
  local n
  for n in "${NODES[@]}"; do
    spawn "$n" patroni "$DIR/$n/patroni.log" patroni "$DIR/$n/patroni.yml"
    # the first node bootstraps the cluster; the second clones it once there is a leader
    [ "$n" = node1 ] && wait_for "a Patroni leader" "$UP_WAIT_S" "$DIR/node1/patroni.log" leader
  done
  spawn haproxy haproxy "$DIR/haproxy.log" haproxy -f "$DIR/haproxy.cfg"
  wait_for "the primary through HAProxy" "$UP_WAIT_S" "$DIR/haproxy.log" db_ready
  local have
  have=$(psql -X -qAt "postgresql://postgres@127.0.0.1:$HA_PG/postgres" -c "SELECT 1 FROM pg_database WHERE datname = 'lastroom'")
  [ "$have" = 1 ] || psql -X -q "postgresql://postgres@127.0.0.1:$HA_PG/postgres" -c 'CREATE DATABASE lastroom' >/dev/null
  "$BIN/lastroomd" migrate --db "$(primary_url)" --log-level warn >"$DIR/migrate.log" 2>&1 \
    || die "migrations failed: $(tail -3 "$DIR/migrate.log")"
  wait_for "the synchronous standby" "$UP_WAIT_S" "$DIR/node2/patroni.log" sync_standby_up
  spawn pgbouncer pgbouncer "$DIR/pgbouncer/stderr.log" pgbouncer "$DIR/pgbouncer/pgbouncer.ini"
  wait_for pgbouncer 20 "$DIR/pgbouncer/pgbouncer.log" psql -X -qAt "$(bouncer_url)" -c 'SELECT 1'
  spawn_api api1 "$API1"
  spawn_api api2 "$API2"
  spawn_api api3 "$API3"
  wait_for "lastroomd behind HAProxy" 60 "$DIR/api1/lastroomd.log" api_ready
  api_url
}

# stop_one NAME: SIGTERM the process in NAME.pid, SIGKILL after 10 s.
stop_one() {
  local pid
  pid=$(pid_of "$1") || { rm -f "$DIR/$1.pid"; return 0; }
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 100); do pid_of "$1" >/dev/null || break; sleep 0.1; done
  pid_of "$1" >/dev/null && kill -KILL "$pid" 2>/dev/null
  rm -f "$DIR/$1.pid"
}

# stop_postmaster NODE: a postmaster left behind by a killed Patroni (its data
# folder's postmaster.pid, proved by the process's working folder).
stop_postmaster() {
  local pm
  pm=$(postmaster_of "$1") || return 0
  kill -QUIT "$pm" 2>/dev/null || true
  for _ in $(seq 50); do [ -e "/proc/$pm" ] || break; sleep 0.1; done
}

down() {
  [ -f "$DIR/ports" ] || return 0
  local n
  for n in "${APIS[@]}" pgbouncer haproxy; do stop_one "$n"; done
  # Patroni stops its PostgreSQL on SIGTERM; the standby first, so the primary does
  # not wait on it
  for n in node2 node1; do stop_one "$n"; stop_postmaster "$n"; done
  stop_one etcd
}

status() {
  load_ports
  local n bad=0 role
  for n in etcd "${NODES[@]}" haproxy pgbouncer "${APIS[@]}"; do
    if pid=$(pid_of "$n"); then
      role=""
      case $n in node*) role=" $(curl -s --max-time 1 "$(rest "$n")/patroni" | jq -r '.role + " " + .state' 2>/dev/null)" ;; esac
      echo "$n running (pid $pid)$role"
    else
      echo "$n stopped"; bad=1
    fi
  done
  [ $bad -eq 0 ] || exit 3
}

# node_arg NODE: NODE itself, or for "primary" the current leader.
node_arg() {
  case ${1:-} in
    node1|node2) echo "$1" ;;
    primary) leader || die "no node is the primary now" ;;
    *) die "NODE is node1, node2 or primary" ;;
  esac
}

# postmaster_of NODE: the PID of NODE's postmaster (its data folder's postmaster.pid,
# proved by the process's working folder), or nothing.
postmaster_of() {
  local data=$DIR/$1/data pm
  pm=$(head -1 "$data/postmaster.pid" 2>/dev/null) || return 1
  [[ $pm =~ ^[0-9]+$ ]] && [ "$(readlink "/proc/$pm/cwd" 2>/dev/null)" = "$data" ] || return 1
  echo "$pm"
}

# kill NODE: SIGKILL the node's Patroni and its postmaster at once (the node is lost).
kill_node() {
  load_ports
  local node pat pm
  node=$(node_arg "${1:-}") || exit 1
  pat=$(pid_of "$node") || die "kill $node: its Patroni is not running"
  pm=$(postmaster_of "$node") || pm=""
  kill -KILL "$pat" ${pm:+"$pm"}
  log "kill $node: SIGKILL sent to patroni $pat and postmaster ${pm:-(none)}"
  echo "$node"
}

# crash NODE: SIGKILL the postmaster alone; Patroni, still running, restarts it.
crash_node() {
  load_ports
  local node pm
  node=$(node_arg "${1:-}") || exit 1
  pm=$(postmaster_of "$node") || die "crash $node: no postmaster running"
  kill -KILL "$pm"
  log "crash $node: SIGKILL sent to postmaster $pm"
  echo "$node"
}

kill_api() {
  load_ports
  local pid
  case ${1:-} in api1|api2|api3) ;; *) die "kill-api: NAME is api1, api2 or api3" ;; esac
  pid=$(pid_of "$1") || die "kill-api $1: not running"
  kill -KILL "$pid"
  log "kill-api $1: SIGKILL sent to lastroomd $pid"
  echo "$1"
}

start_api() {
  load_ports
  local port
  case ${1:-} in api1|api2|api3) ;; *) die "start-api: NAME is api1, api2 or api3" ;; esac
  port=API${1#api}
  spawn_api "$1" "${!port}"
  wait_for "$1" 60 "$DIR/$1/lastroomd.log" http_ok "http://127.0.0.1:${!port}/health"
  log "start-api $1: lastroomd $(pid_of "$1") serves again"
  echo "$1"
}

restart_pooler() {
  load_ports
  stop_one pgbouncer
  spawn pgbouncer pgbouncer "$DIR/pgbouncer/stderr.log" pgbouncer "$DIR/pgbouncer/pgbouncer.ini"
  wait_for pgbouncer 20 "$DIR/pgbouncer/pgbouncer.log" psql -X -qAt "$(bouncer_url)" -c 'SELECT 1'
  log "restart-pooler: pgbouncer $(pid_of pgbouncer) accepts again"
  echo pgbouncer
}

# failover: Patroni's planned switchover from the leader to the other node.
failover() {
  load_ports
  local from to
  from=$(leader) || die "failover: no leader"
  to=node1; [ "$from" = node1 ] && to=node2
  curl -s --max-time 30 -XPOST -d "{\"leader\":\"$from\",\"candidate\":\"$to\"}" \
    "$(rest "$from")/switchover" >&2 || die "failover: the switchover request failed"
  echo >&2
  wait_for "$to as the new primary" 60 "$DIR/$to/patroni.log" http_ok "$(rest "$to")/primary"
  log "switchover: $from -> $to"
  echo "$from -> $to"
}

env_out() {
  load_ports
  [ -f "$DIR/admin" ] && cat "$DIR/admin"
  cat <<EOF
CLUSTER_DIR=$DIR
API_URL=$(api_url)
API_HTTP=http://127.0.0.1:$HA_HTTP
API_CA=$DIR/tls/ca.pem
PRIMARY_URL=$(primary_url)
STANDBY_URL=$(standby_url)
BOUNCER_URL=$(bouncer_url)
ETCD_URL=http://127.0.0.1:$ETCD_CLIENT
EOF
}

cmd=${1:-}
shift || true
case $cmd in
  up)       up ;;
  down)     down ;;
  status)   status ;;
  url)      load_ports; api_url ;;
  failover) failover ;;
  kill)     kill_node "$@" ;;
  crash)    crash_node "$@" ;;
  kill-api) kill_api "$@" ;;
  start-api) start_api "$@" ;;
  restart-pooler) restart_pooler ;;
  leader)   load_ports; leader || die "no leader" ;;
  env)      env_out ;;
  *) echo "usage: scripts/cluster.sh up|down|status|url|failover|kill NODE|crash NODE|kill-api NAME|start-api NAME|restart-pooler|leader|env" >&2; exit 2 ;;
esac
