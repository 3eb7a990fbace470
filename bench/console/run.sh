#!/bin/sh
# The console's run view under a large run (bench/console/run-view.ts): compiled like the fan-out
# bench into node_modules/.cache/sdes-bench-console; needs the built console (npm run build) and Chromium.
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT="$ROOT/node_modules/.cache/sdes-bench-console"
cd "$ROOT"
rm -rf "$OUT"
npx swc src bench test/support/auth.ts -d "$OUT" --copy-files --quiet --ignore "src/console/**" --ignore "**/node_modules/**"
exec node "$OUT/bench/console/run-view.js"
