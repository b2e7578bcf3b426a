# scripts/lib.sh: small shell helpers shared by the scripts and the integration tests.

# free_port: print a loopback port nobody listens on (tried by connecting to it),
# below the kernel's ephemeral range (32768+) so that no client connection holds it.
free_port() {
  local p
  for _ in $(seq 200); do
    p=$(( 20000 + RANDOM % 12000 ))
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return 0; }
  done
  return 1
}

# open_path_for_postgres DIR: as root, let the postgres user reach DIR (traversal, x
# only, on any ancestor folder that denies it: mktemp folders are 0700) and own it.
# Does nothing for other users.
open_path_for_postgres() {
  [ "$(id -u)" -eq 0 ] || return 0
  local d=$1
  while [ "$d" != "/" ]; do
    runuser -u postgres -- test -x "$d" 2>/dev/null || chmod o+x "$d"
    d=$(dirname "$d")
  done
  chown postgres: "$1"
}
