#!/usr/bin/env bash
# The C layout: every C file of the tree is as clang-format (.clang-format) writes it,
# and the check is shown able to fail on a file laid out otherwise.
source "$(dirname "$0")/../lib.sh"
cd "$ROOT" || exit 1
command -v clang-format >/dev/null || { nok "clang-format is installed (scripts/deps.sh)"; finish; exit 1; }

mapfile -t files < <(git ls-files '*.c' '*.h')
check "there are C files to check (${#files[@]})" test "${#files[@]}" -gt 100
out=$(printf '%s\0' "${files[@]}" | xargs -0 -n 16 -P 2 clang-format --dry-run -Werror 2>&1); rc=$?
[ -z "$out" ] || printf '%s\n' "$out" | sed -n '1,40s/^/# /p'
expect_eq "clang-format would change nothing (make format applies it)" "0 0" "$rc $(grep -c . <<<"$out")"

bad=$(mktemp -d); trap 'rm -rf "$bad"; lib_cleanup' EXIT
cp .clang-format "$bad/"
printf 'int f(int x)\n{\n  if (x) return 1;\n    return 0;\n}\n' >"$bad/bad.c"
out=$(clang-format --dry-run -Werror "$bad/bad.c" 2>&1); rc=$?
check "a two-space, one-line if is caught" grep -q 'bad.c:3:.*error: code should be clang-formatted' <<<"$out"
expect_eq "and clang-format then exits 1" 1 "$rc"
finish
