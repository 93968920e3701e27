#!/usr/bin/env bash
# Runs the benchmark (docs/benchmarks.md) on one generated data set:
#   bench/run.sh <profiles> [key=value ...]      e.g. bench/run.sh 10000 streamSeconds=30 rate=5000
# Environment: BENCH_XMX (default 8g); BENCH_JAVA (default: java on the PATH; e.g.
# /usr/lib/jvm/temurin-25-jdk-amd64/bin/java; the fresh JVMs of the cold-start phases use the same); BENCH_JFR=1 records JFR files under data/bench/
# (BENCH_JFC=<file.jfc> for other settings than "profile"); BENCH_NO_CONSTRAINT_JIT=1 runs with
# -Ddrools.jittingThreshold=-1 (every rule condition interpreted, to measure what jitting is worth).
# Same as `mvn -Pbench test -Dbench.args="..."`, but runs from a snapshot of the compiled classes,
# so that rebuilding the work tree does not change a run that is in progress.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -lt 1 ]; then
  echo "usage: bench/run.sh <profiles> [seed=42] [clients=4] [batch=1000] [rate=5000] [streamSeconds=30] [streamClients=4] [order=generated|reverse|shuffle] [db=h2|postgres]" \
       "[updates=0.2] [marketo=true] [marketoLimit=100] [cold=true] [ruleChange=true] [data=data/bench] [out=bench/results]" >&2
  exit 2
fi
jvm=(-Xmx"${BENCH_XMX:-8g}" -XX:+UseG1GC)
if [ "${BENCH_NO_CONSTRAINT_JIT:-0}" = "1" ]; then
  jvm+=(-Ddrools.jittingThreshold=-1)
fi
if [ "${BENCH_JFR:-0}" = "1" ]; then
  jvm+=(-XX:StartFlightRecording=filename=data/bench/bench-$1.jfr,settings=${BENCH_JFC:-profile})
fi
mkdir -p data/bench
mvn -q -Pbench test-compile dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=data/bench/classpath.txt
snap=data/bench/classes-$$
trap 'rm -rf "$snap"' EXIT
mkdir -p "$snap"
# BENCH_MAIN_CLASSES=<dir>: measure other compiled service classes (e.g. an older commit's) with this bench.
cp -r "${BENCH_MAIN_CLASSES:-target/classes}" "$snap/main"
cp -r target/test-classes "$snap/test"
java_cmd=${BENCH_JAVA:-java}
"$java_cmd" -version 2>&1 | head -1
"$java_cmd" "${jvm[@]}" -cp "$snap/test:$snap/main:$(cat data/bench/classpath.txt)" io.cohort.bench.Bench "$@"
