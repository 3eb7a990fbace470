#!/bin/sh
# Subscription fan-out benchmark (issue 12): compiles src/, this folder and its helpers with swc into
# .bench-dist/subscriptions and runs subscriptions.ts from there. See the top of subscriptions.ts.
#   bench/subscriptions/run.sh                                                        embedded PGlite
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test bench/subscriptions/run.sh     a fresh database on that server
#   BENCH_SUBSCRIBERS=1000,10000 bench/subscriptions/run.sh                              several sizes in one run
# BENCH_PROFILE=/tmp/prof profiles the measured flips; summarize with
#   node .bench-dist/subscriptions/bench/fanout/profile-summary.js /tmp/prof/subscriptions-n1000.cpuprofile
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT="$ROOT/.bench-dist/subscriptions"
cd "$ROOT"
rm -rf "$OUT"
npx swc src bench/subscriptions bench/graphql-vs-sql/results.ts bench/fanout/profiling.ts bench/fanout/profile-summary.ts bench/support test/support/auth.ts -d "$OUT" --copy-files --quiet --ignore "**/node_modules/**"
exec node ${BENCH_NODE_ARGS:-} "$OUT/bench/subscriptions/subscriptions.js"
