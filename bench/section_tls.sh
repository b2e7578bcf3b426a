# bench/section_tls.sh: section t of bench/run.sh (sourced; uses its helpers).
#
#   t. GET /health/live over TLS through haproxy terminating TLS on loopback in front of
#      lastroomd, with a certificate made for the run (openssl req): lastroom-load and
#      wrk's own https, same connections and threads, requests/s and CPU per request
#      (t1, target: lastroom-load's CPU per request no more than wrk's); then TLS
#      handshakes per second, every request on a new connection (Connection: close),
#      with session resumption (t2) and without (t3).

# tls_terminator PORT BACKEND_PORT: haproxy on 127.0.0.1:PORT, TLS in, HTTP to lastroomd.
tls_terminator() {
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost \
    -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
    -keyout "$OUT/tls.key" -out "$OUT/tls.crt" 2>/dev/null || return 1
  cat "$OUT/tls.crt" "$OUT/tls.key" >"$OUT/tls.pem"
  cat >"$OUT/haproxy.cfg" <<CFG
global
  maxconn 4000
  nbthread 1
defaults
  mode http
  timeout connect 5s
  timeout client 60s
  timeout server 60s
frontend tls
  bind 127.0.0.1:$1 ssl crt $OUT/tls.pem
  default_backend lastroomd
backend lastroomd
  http-reuse always
  server s1 127.0.0.1:$2 maxconn 512
CFG
  haproxy -f "$OUT/haproxy.cfg" -db >"$OUT/haproxy.log" 2>&1 &
  track $!
  for _ in $(seq 50); do
    curl -s -o /dev/null --cacert "$OUT/tls.crt" "https://127.0.0.1:$1/health/live" && return 0
    sleep 0.1
  done
  return 1
}

# tls_load JSON LOG ARGS...: lastroom-load's http scenario against the terminator.
tls_load() {
  local json=$1 log=$2; shift 2
  load_run "$json" "$log" $((SECS + 30)) http --url "$TLS_URL" --tls-ca "$OUT/tls.crt" \
    --path /health/live --threads "$THREADS" --duration "${SECS}s" --quiet "$@"
}

section_t() {
  say "t. TLS: GET /health/live through haproxy on loopback, ${SECS}s each"
  command -v haproxy >/dev/null || { na t1 "requests/s over TLS" "no haproxy" "CPU/req <= wrk"; return; }
  start_server "$OUT/lastroomd-t.log" --max-connections 12000 \
    || { na t1 "requests/s over TLS" "$BENCH_WHY" "CPU/req <= wrk"; return; }
  local port backend=${URL##*:}
  port=$(free_port)
  tls_terminator "$port" "$backend" || { na t1 "requests/s over TLS" "haproxy did not start" ""; return; }
  TLS_URL=https://127.0.0.1:$port
  local wlog=$OUT/tls-wrk.log wrk_rate="" wrk_cpu="" rate cpu
  if command -v wrk >/dev/null; then
    peak_rss_run "$wlog.rss" $((SECS + 20)) wrk -t"$THREADS" -c"$CONNS" -d"${SECS}s" \
      "$TLS_URL/health/live" >"$wlog" 2>&1
    wrk_rate=$(awk '/^Requests\/sec:/ {print $2}' "$wlog")
    cpu=$(cut -d' ' -f2 "$wlog.rss" 2>/dev/null)
    [ -n "$wrk_rate" ] && [ -n "$cpu" ] && [ "$cpu" != - ] \
      && wrk_cpu=$(calc "$cpu * 1000000 / ($wrk_rate * $SECS)")
  fi
  tls_load "$OUT/tls-load.json" "$OUT/tls-load.log" --vus "$CONNS"
  rate=$(jnum "$OUT/tls-load.json" '.metrics.http_reqs.values.rate')
  cpu=$(cut -d' ' -f2 "$OUT/tls-load.json.rss" 2>/dev/null)
  local our_cpu=""
  [ -n "$rate" ] && [ -n "$cpu" ] && [ "$cpu" != - ] && our_cpu=$(calc "$cpu * 1000000 / ($rate * $SECS)")
  if [ -n "$rate" ] && [ -n "$wrk_cpu" ] && [ -n "$our_cpu" ]; then
    local r; r=$(calc "$wrk_cpu / $our_cpu")
    row t1 "requests/s over TLS (CPU/req: wrk's / lastroom-load's)" \
      "$(fmt_int "$rate")/s$(cpu_note "$our_cpu")" "wrk $(fmt_int "$wrk_rate")/s$(cpu_note "$wrk_cpu")" \
      "$r" ">= 1.0" "$(verdict ge "$r" 1.0)"
  else
    na t1 "requests/s over TLS" "no rate or CPU (see $OUT/tls-*.log)" ">= 1.0"
  fi
  local hs_on hs_off
  tls_load "$OUT/tls-hs-on.json" "$OUT/tls-hs-on.log" --vus 8 --header 'Connection: close'
  hs_on=$(jnum "$OUT/tls-hs-on.json" '.metrics.http_reqs.values.rate')
  tls_load "$OUT/tls-hs-off.json" "$OUT/tls-hs-off.log" --vus 8 --header 'Connection: close' \
    --no-tls-resume
  hs_off=$(jnum "$OUT/tls-hs-off.json" '.metrics.http_reqs.values.rate')
  if [ -n "$hs_on" ] && [ -n "$hs_off" ]; then
    row t2 "handshakes/s, session resumed (8 VUs, a connection per request)" \
      "$(fmt_int "$hs_on")/s" "full handshakes $(fmt_int "$hs_off")/s" "$(calc "$hs_on / $hs_off")" "" ""
  else
    na t2 "handshakes/s" "no rate (see $OUT/tls-hs-*.log)" ""
  fi
}
