#!/bin/sh
# GraphQL vs hand-written SQL benchmark (issue 3): compiles src/, this folder and bench/support with swc (the
# build's settings, .swcrc) into .bench-dist/graphql-vs-sql (inside the project, so that packages
# resolve from node_modules; ignored by git) and runs bench.ts from there. See the top of bench.ts.
#   bench/graphql-vs-sql/run.sh                                                     embedded PGlite
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test bench/graphql-vs-sql/run.sh   a fresh database on that server
# BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the run.
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT="$ROOT/.bench-dist/graphql-vs-sql"
cd "$ROOT"
rm -rf "$OUT"
npx swc src bench/graphql-vs-sql bench/support test/support/auth.ts -d "$OUT" --copy-files --quiet --ignore "**/node_modules/**"
# PostGraphile 4, the peer on PostgreSQL, has an install of its own (see postgraphile-peer.ts).
[ -d bench/graphql-vs-sql/postgraphile-peer/node_modules/postgraphile ] || npm ci --prefix bench/graphql-vs-sql/postgraphile-peer --no-audit --no-fund --loglevel=error
exec node ${BENCH_NODE_ARGS:-} "$OUT/bench/graphql-vs-sql/bench.js"
