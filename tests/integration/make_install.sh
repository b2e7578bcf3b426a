#!/usr/bin/env bash
# make_install.sh: `make install` puts the programs, their --help texts, the scripts
# (the Lua tests among them, found by name by the installed tester),
# the migrations and the functions where PREFIX and DESTDIR say, and nothing else;
# `make install-load` installs the tester alone.
source "$(dirname "$0")/../lib.sh"
cd "$ROOT" || exit 1
dest=$(mktemp -d); trap 'rm -rf "$dest"; lib_cleanup' EXIT
mk=(make --no-print-directory)
case $LASTROOM_BIN in */build/san/bin) mk+=(SAN=1) ;; esac

"${mk[@]}" install DESTDIR="$dest/all" PREFIX=/usr >"$dest/all.log" 2>&1
expect_eq "make install exits 0" 0 "$?"
{
  printf 'usr/bin/%s\n' lastroomd lastroom-load lastroom-faultproxy
  printf 'usr/share/doc/lastroom/%s.txt\n' lastroomd lastroom-load lastroom-faultproxy
  printf 'usr/share/doc/lastroom/%s\n' README.md
  git ls-files 'docs/*.md' | sed 's|^docs/|usr/share/doc/lastroom/|'
  git ls-files 'scripts/*.sh' 'load-tests/*.sh' 'load-tests/*.lua' 'db/migrations/*.sql' 'db/functions/*.sql' db/seed.sql \
    | sed 's|^|usr/share/lastroom/|'
} | sort >"$dest/expected"
(cd "$dest/all" && find . -type f | sed 's|^\./||' | sort) >"$dest/got"
diff "$dest/expected" "$dest/got" | sed 's/^/# /'
check "the installed files are exactly the expected $(wc -l <"$dest/expected")" cmp -s "$dest/expected" "$dest/got"
check "the programs are executable" test -x "$dest/all/usr/bin/lastroomd" -a -x "$dest/all/usr/bin/lastroom-load"
expect_eq "lastroomd.txt is its --help" "$("$LASTROOM_BIN/lastroomd" --help 2>&1)" \
  "$(cat "$dest/all/usr/share/doc/lastroom/lastroomd.txt")"
list=$("$dest/all/usr/bin/lastroom-load" list 2>&1)
expect_eq "the installed lastroom-load runs" 0 "$?"
check "the installed lastroom-load finds the installed scripts by name" grep -qE \
  "^ +$dest/all/usr/share/lastroom/load-tests/last-room-test\.lua\$" <<<"$list"

"${mk[@]}" install-load DESTDIR="$dest/load" PREFIX=/opt/lr >"$dest/load.log" 2>&1
expect_eq "make install-load exits 0" 0 "$?"
expect_eq "install-load installs the tester and its text alone" \
  "opt/lr/bin/lastroom-load opt/lr/share/doc/lastroom/lastroom-load.txt" \
  "$(cd "$dest/load" && find . -type f | sed 's|^\./||' | sort | tr '\n' ' ' | sed 's/ $//')"
finish
