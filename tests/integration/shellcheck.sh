#!/usr/bin/env bash
# The shell scripts: every one of the tree is shellcheck clean (settings in
# .shellcheckrc), and the check is shown able to fail on a script with an unquoted
# expansion.
source "$(dirname "$0")/../lib.sh"
cd "$ROOT" || exit 1
command -v shellcheck >/dev/null || { nok "shellcheck is installed (scripts/deps.sh)"; finish; exit 1; }

mapfile -t files < <(git ls-files '*.sh' '*.bash' 2>/dev/null || find . -name '*.sh' -o -name '*.bash')
check "there are scripts to check (${#files[@]})" test "${#files[@]}" -gt 20
out=$(printf '%s\0' "${files[@]}" | xargs -0 -n 8 -P 2 shellcheck -f gcc 2>&1); rc=$?
[ -z "$out" ] || printf '%s\n' "$out" | sed -n '1,40s/^/# /p'
expect_eq "shellcheck finds nothing in the tree" "0 0" "$rc $(grep -c . <<<"$out")"

bad=$(mktemp -d); trap 'rm -rf "$bad"; lib_cleanup' EXIT
# shellcheck disable=SC2016  # the $ are the bad script's own
printf '#!/usr/bin/env bash\nf=$1\nrm $f\n' >"$bad/bad.sh"
out=$(shellcheck -f gcc "$bad/bad.sh" 2>&1); rc=$?
check "an unquoted expansion is caught (SC2086)" grep -q 'bad.sh:3:4: .*\[SC2086\]' <<<"$out"
expect_eq "and shellcheck then exits 1" 1 "$rc"
finish
