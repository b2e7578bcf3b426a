#!/usr/bin/env bash
# Installs the Debian packages lastroom needs, only when some are missing.
# Idempotent: a second run with everything present does nothing and prints nothing.
set -euo pipefail

PKGS=(
  build-essential pkg-config
  postgresql-15 postgresql-client-15 libpq-dev   # the database and its client library
  libmicrohttpd-dev                               # lastroomd's HTTP/1.1 server
  libjansson-dev                                  # JSON
  libsodium-dev                                   # argon2id passwords, HMAC tokens
  libhttp-parser-dev                              # lastroom-load's HTTP response parser
  libssl-dev                                      # https:// targets in lastroom-load (OpenSSL)
  zlib1g-dev                                      # gzip/deflate answers and --out FILE.gz in lastroom-load
  liblua5.4-dev                                   # lastroom-load's scripted tests (Lua 5.4)
  check                                           # C unit test framework
  curl jq python3 openssl                         # integration tests and scripts (raw sockets in python3, HMAC in openssl)
  shellcheck                                      # the scripts are checked by tests/integration/shellcheck.sh
  clang-format                                    # the C layout, checked by tests/integration/format.sh
  python3-yaml                                    # docs/openapi.yaml to JSON at build time
  python3-jsonschema                              # answers checked against docs/openapi.yaml in the tests
  nodejs                                          # Node.js 20 with its npm: the OpenAPI linter (scripts/openapi-lint.sh)
  lua5.4                                          # luac5.4 -p checks the scripts lastroom-load openapi writes
  haproxy                                         # TLS tests: a TLS and path-prefix front
  clang libclang-rt-14-dev libfuzzer-14-dev       # fuzz harnesses (make fuzz, fuzz_smoke test)
  chromium                                        # renders the HTML report in a test (headless)
  python3-yaml                                    # a test reads deploy/prometheus.yml
  etcd-server patroni haproxy pgbouncer openssl   # scripts/cluster.sh (cluster test, make demo-cluster)
)
if [ "${LASTROOM_BENCH_DEPS:-0}" = 1 ]; then
  PKGS+=(wrk hey apache2-utils time)   # peers, and GNU time for peak memory
fi

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "deps: installing ${missing[*]}" >&2
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
