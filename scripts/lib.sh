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
