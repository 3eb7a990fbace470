#!/bin/sh
# Fan-out benchmark: compiles src/ and bench/ with swc (the build's settings, .swcrc) into
# node_modules/.cache/sdes-bench (inside the project, so that the ESM-only packages loaded with
# import() resolve; ignored by git) and runs bench/fanout/fanout.ts from there.
# Options: see the top of fanout.ts.
#   bench/fanout/run.sh                              embedded broker and database
#   BENCH_MOSQUITTO=unlimited bench/fanout/run.sh    a private Mosquitto with max_queued/inflight 0
#   MQTT_URL=mqtt://127.0.0.1:1883 MOSQUITTO_CONF=/etc/mosquitto/mosquitto.conf bench/fanout/run.sh
#   bench/fanout/run.sh security                     BENCH_SECURITY=off then on, side by side (security.ts)
set -eu
SCRIPT=${1:-fanout}
case "$SCRIPT" in fanout|security) ;; *) echo "usage: $0 [fanout|security]" >&2; exit 2 ;; esac
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT="$ROOT/node_modules/.cache/sdes-bench"
cd "$ROOT"
rm -rf "$OUT"
npx swc src bench test/support/auth.ts -d "$OUT" --copy-files --quiet --ignore "**/node_modules/**"
# BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the bench and its agent processes.
exec node ${BENCH_NODE_ARGS:-} "$OUT/bench/fanout/$SCRIPT.js"
