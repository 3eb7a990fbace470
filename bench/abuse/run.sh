#!/bin/sh
# Abuse benchmark (issue 11): /healthz latency while the worst operations the gateway admits run in
# a loop. Compiles src/, this folder and bench/support with swc into .bench-dist/abuse and runs
# abuse.ts from there. See the top of abuse.ts.
#   bench/abuse/run.sh                                                     embedded PGlite and broker
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test bench/abuse/run.sh   a fresh database on that server
#   bench/abuse/run.sh budget    the event-loop budget instead: the longest block of each costliest admitted operation (budget.ts)
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT="$ROOT/.bench-dist/abuse"
cd "$ROOT"
rm -rf "$OUT"
npx swc src bench/abuse bench/support test/support/auth.ts test/support/costliest-operations.ts -d "$OUT" --copy-files --quiet
SCRIPT=abuse
[ "${1:-}" = budget ] && SCRIPT=budget
exec node ${BENCH_NODE_ARGS:-} "$OUT/bench/abuse/$SCRIPT.js"
