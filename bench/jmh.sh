#!/usr/bin/env bash
# The engine's gate benchmark (JMH, src/test/java/io/cohort/bench/NeighbourhoodGate.java): the
# cost of evaluating one person with their neighbourhood. Needs the graph snapshot a 100k run of
# bench/run.sh leaves (data/bench/run-100000/graph.snapshot). Extra arguments go to JMH, e.g.
#   bench/jmh.sh -p generated=0 -p session=fresh
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p data/bench bench/results
mvn -q -Pbench test-compile dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=data/bench/classpath.txt
# Runs from a copy of the compiled classes, so that rebuilding the work tree does not break a run.
snap=data/bench/jmh-classes-$$
trap 'rm -rf "$snap"' EXIT
mkdir -p "$snap"
cp -r target/classes "$snap/main"
cp -r target/test-classes "$snap/test"
out="bench/results/jmh-gate-$(date -u +%Y-%m-%dT%H-%M-%S).txt"
java -cp "$snap/test:$snap/main:$(cat data/bench/classpath.txt)" org.openjdk.jmh.Main NeighbourhoodGate \
  -rf text -rff "$out.jmh" "$@" | tee "$out"
echo "report: $out"
