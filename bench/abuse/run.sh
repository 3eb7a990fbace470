#!/bin/sh
# Abuse benchmark (issue 11): /healthz latency while the worst operations the gateway admits run in
# a loop. Compiles src/, this folder and bench/support with swc into .bench-dist/abuse and runs
# abuse.ts from there. See the top of abuse.ts.
#   bench/abuse/run.sh                                                     embedded PGlite and broker
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test bench/abuse/run.sh   a fresh database on that server
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT="$ROOT/.bench-dist/abuse"
cd "$ROOT"
rm -rf "$OUT"
npx swc src bench/abuse bench/support test/support/auth.ts -d "$OUT" --copy-files --quiet
exec node ${BENCH_NODE_ARGS:-} "$OUT/bench/abuse/abuse.js"
