#!/usr/bin/env bash
# Runs the benchmark (docs/benchmarks.md) on one generated data set:
#   bench/run.sh <profiles> [key=value ...]      e.g. bench/run.sh 10000 streamSeconds=30 rate=5000
# Environment: BENCH_XMX (default 8g), BENCH_JFR=1 to record a JFR file under data/bench/.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -lt 1 ]; then
  echo "usage: bench/run.sh <profiles> [seed=42] [clients=4] [batch=1000] [rate=5000] [streamSeconds=30] [streamClients=4]" >&2
  exit 2
fi
jvm="-Xmx${BENCH_XMX:-8g} -XX:+UseG1GC"
if [ "${BENCH_JFR:-0}" = "1" ]; then
  mkdir -p data/bench
  jvm="$jvm -XX:StartFlightRecording=filename=data/bench/bench-$1.jfr,settings=${BENCH_JFC:-profile}"
fi
exec mvn -q -Pbench test -Dbench.jvm="$jvm" -Dbench.args="$*"
