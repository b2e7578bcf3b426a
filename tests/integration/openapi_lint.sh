#!/usr/bin/env bash
# openapi_lint.sh: docs/openapi.yaml passes Redocly's recommended rules (pinned CLI,
# scripts/openapi-lint.sh) with no error and no warning; the lint fails a document
# broken on purpose, naming the rules; and a linter that cannot be installed fails
# the run instead of passing it.
source "$(dirname "$0")/../lib.sh"
tmp=$(mktemp -d)
trap 'lib_cleanup; rm -rf "$tmp"' EXIT

out=$("$ROOT/scripts/openapi-lint.sh" 2>&1); rc=$?
printf '%s\n' "$out" | sed 's/^/# /'
expect_eq "docs/openapi.yaml lints clean" "0 openapi-lint: redocly 2.77.0 exit 0, 0 problems" "$rc $(tail -1 <<<"$out")"

# Broken on purpose: a response without its description, two operations with one id.
sed -e 's/operationId: getBooking$/operationId: getHold/' \
    -e '0,/description: lastroomd.s event threads answer./s///' "$ROOT/docs/openapi.yaml" >"$tmp/broken.yaml"
out=$("$ROOT/scripts/openapi-lint.sh" "$tmp/broken.yaml" 2>&1); rc=$?
expect_eq "a broken document fails the lint" "1" "$rc"
expect_eq "the lint names both problems" "operation-operationId-unique struct" \
  "$(grep -oE ' error +[a-zA-Z-]+' <<<"$out" | awk '{print $2}' | sort | tr '\n' ' ' | sed 's/ $//')"

# No registry: the install fails, and so does the lint (fast: a refused connection, no retries).
out=$(OPENAPI_LINT_DIR=$tmp/node npm_config_registry=http://127.0.0.1:9/ npm_config_fetch_retries=0 \
      "$ROOT/scripts/openapi-lint.sh" 2>&1); rc=$?
expect_eq "an unreachable npm registry fails the lint, saying why" \
  "1 openapi-lint: cannot install @redocly/cli@2.77.0 from the npm registry:" "$rc $(head -1 <<<"$out")"
finish
