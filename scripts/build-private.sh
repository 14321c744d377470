#!/usr/bin/env bash
# Build the action into a private directory for e2e tests while developing:
#   bash scripts/build-private.sh /tmp/ks-build-me && KS_ACTION_ENTRY=/tmp/ks-build-me/index.js npx vitest run __tests__/x.test.ts
set -euo pipefail
out="${1:?usage: build-private.sh OUTDIR}"
cd "$(dirname "$0")/.."
node_modules/.bin/ncc build src/index.ts -o "$out" -q
echo '{"type":"module"}' > "$out/package.json"
