#!/usr/bin/env bash
# fuzz_smoke.sh: builds the libFuzzer harnesses (fuzz/Makefile) and runs each one over
# its seed corpus plus a fixed number of generated inputs (FUZZ_SMOKE_RUNS, default
# 20000, fixed seed), expecting exit 0: no crash, no sanitizer report, no leak, no
# broken property. Then every saved input under fuzz/regress/<target>/ (inputs that
# once showed a bug) is replayed on its own and must pass. One TAP line per target and
# per saved input. Nothing is written into fuzz/: new inputs go to a scratch folder.
source "$(dirname "$0")/../lib.sh"
cd "$ROOT" || exit 1

RUNS=${FUZZ_SMOKE_RUNS:-20000}
OUT=build/fuzz-clang
SCRATCH=$(mktemp -d)
trap 'lib_cleanup; rm -rf "$SCRATCH"' EXIT
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

if ! command -v clang >/dev/null; then
  nok "clang is installed (scripts/deps.sh installs it)"
  finish; exit 1
fi
if ! make -s -f fuzz/Makefile FUZZ_OUT=$OUT all >"$SCRATCH/build.log" 2>&1; then
  nok "the fuzz harnesses build"; sed 's/^/# /' "$SCRATCH/build.log" | tail -30
  finish; exit 1
fi
ok "the fuzz harnesses build"

for t in $(make -s -f fuzz/Makefile list); do
  mkdir -p "$SCRATCH/$t"
  dict=(); [ -f "fuzz/dict/$t.dict" ] && dict=(-dict="fuzz/dict/$t.dict")
  # the time limit only stops a hang; the run itself is bounded by -runs
  timeout 300 "$OUT/$t" -runs="$RUNS" -seed=1 -timeout=10 -rss_limit_mb=2048 -max_len=4096 \
    "${dict[@]}" -artifact_prefix="$SCRATCH/$t/" "$SCRATCH/$t" "fuzz/corpus/$t" >"$SCRATCH/$t.log" 2>&1
  rc=$?
  if [ "$rc" -eq 0 ]; then
    ok "$t: seeds plus $RUNS generated inputs, no finding"
  else
    nok "$t: exit $rc"; grep -E 'property broken|ERROR|SUMMARY|in LLVMFuzzerTestOneInput|/src/' "$SCRATCH/$t.log" | head -12 | sed 's/^/# /'
  fi
done

for f in fuzz/regress/*/*; do
  [ -f "$f" ] || continue
  t=$(basename "$(dirname "$f")")
  if "$OUT/$t" "$f" >"$SCRATCH/regress.log" 2>&1; then
    ok "$t replays $(basename "$f")"
  else
    nok "$t replays $(basename "$f")"; grep -E 'property broken|ERROR|SUMMARY|in LLVMFuzzerTestOneInput|/src/' "$SCRATCH/regress.log" | head -8 | sed 's/^/# /'
  fi
done
finish
