#!/usr/bin/env bash
# openapi-lint.sh [FILE | --install-only]: lint FILE (default docs/openapi.yaml) with
# Redocly's CLI, pinned, under the rules of docs/redocly.yaml. The CLI is installed with
# npm into build/node (ignored by git; $OPENAPI_LINT_DIR overrides) the first time; later
# runs reuse it. Exits 0 when the document has no error and no warning. When the linter
# cannot be installed (no npm, registry unreachable), it says so and exits 1: a lint
# that could not run never passes.
set -euo pipefail
file=${1:-docs/openapi.yaml}
[ "$file" = --install-only ] || file=$(realpath "$file")
cd "$(dirname "$0")/.."
REDOCLY_VERSION=2.77.0   # the last release that still runs on Debian's Node.js 20
dir=${OPENAPI_LINT_DIR:-build/node}
bin=$dir/node_modules/.bin/redocly

if ! [ -x "$bin" ] || [ "$(cat "$dir/version" 2>/dev/null)" != "$REDOCLY_VERSION" ]; then
  command -v npm >/dev/null || { echo "openapi-lint: npm is not installed (it comes with Node.js 20)" >&2; exit 1; }
  node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a == 20 && b >= 19) ? 0 : 1)' \
    || { echo "openapi-lint: @redocly/cli $REDOCLY_VERSION needs Node.js 20.19 or later, not $(node --version)" >&2; exit 1; }
  mkdir -p "$dir"
  rm -f "$dir/version"
  if ! npm install --prefix "$dir" --no-audit --no-fund --no-update-notifier --loglevel=error \
         "@redocly/cli@$REDOCLY_VERSION" >"$dir/install.log" 2>&1; then
    echo "openapi-lint: cannot install @redocly/cli@$REDOCLY_VERSION from the npm registry:" >&2
    tail -5 "$dir/install.log" >&2
    exit 1
  fi
  echo "$REDOCLY_VERSION" >"$dir/version"
fi
[ "${1:-}" = --install-only ] && exit 0

out=$(REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true NO_COLOR=1 \
      "$bin" lint --config docs/redocly.yaml --format=stylish "$file" 2>&1) && rc=0 || rc=$?
problems=$(grep -cE '^ +[0-9]+:[0-9]+ +(error|warning) ' <<<"$out" || true)
grep -E '^ +[0-9]+:[0-9]+ +(error|warning) ' <<<"$out" || true
echo "openapi-lint: redocly $REDOCLY_VERSION exit $rc, $problems problems"
[ "$rc" -eq 0 ] && [ "$problems" -eq 0 ]
