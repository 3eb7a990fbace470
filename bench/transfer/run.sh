#!/bin/sh
# Transfer benchmark (issue 9): SEND/RECV and BROADCAST through the gateway's file store against
# the broker's raw throughput. Builds dist/ (the agents run as `sdes agent` processes), compiles
# src/ and this folder with swc into .bench-dist/transfer and runs transfer.ts. See its top.
#   bench/transfer/run.sh                                                       embedded PGlite and broker
#   MQTT_URL=mqtt://127.0.0.1:1883 DATABASE_URL=postgres://postgres@127.0.0.1:5432/test bench/transfer/run.sh
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT="$ROOT/.bench-dist/transfer"
cd "$ROOT"
npm run build --silent
rm -rf "$OUT"
npx swc src bench/transfer bench/support -d "$OUT" --copy-files --quiet
exec node ${BENCH_NODE_ARGS:-} "$OUT/bench/transfer/transfer.js"
