#!/usr/bin/env bash
# The cluster-mode benchmark (docs/scale-out.md, "Figures"): embedded KRaft broker and PostgreSQL,
# 1 then 2 worker processes on this machine. Prints throughput, ack → membership latency, the
# rebalance pause when a process leaves, worker commits and PostgreSQL's transactions per second,
# and keeps the figures in bench/results/cluster-<time>.txt.
#   bench/cluster.sh            both benches (~5 min)
#   bench/cluster.sh service    only the service through HTTP (separate processes)
#   bench/cluster.sh workers    only the workers in one JVM (backlog, probes, a process leaving)
set -euo pipefail
cd "$(dirname "$0")/.."
case "${1:-all}" in
  service) tests='ClusterServiceBenchIT' ;;
  workers) tests='ClusterBenchIT' ;;
  all) tests='ClusterServiceBenchIT,ClusterBenchIT' ;;
  *) echo "usage: bench/cluster.sh [all|service|workers]" >&2; exit 2 ;;
esac
mkdir -p bench/results
out="bench/results/cluster-$(date -u +%Y-%m-%dT%H-%M-%S).txt"
log="target/cluster-bench.log"
mkdir -p target
{
  echo "# Cohort cluster benchmark ($tests), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
  echo "machine: $(nproc) cores, $(java -version 2>&1 | sed -n 1p); load average at start $(cut -d' ' -f1-3 /proc/loadavg)"
} > "$out"
# The benches are JUnit classes tagged "soak" (left out of the README's test command).
mvn -B -ntp test -Dtest="$tests" -DexcludedGroups= -Dsurefire.failIfNoSpecifiedTests=false > "$log" 2>&1 || {
  echo "the benchmark failed; see $log" >&2
  tail -40 "$log" >&2
  exit 1
}
# The figures are the lines the benches print in brackets ("[1 process(es)] …", "[log lock] …").
grep -E '^\[(log lock|[0-9]+ process\(es\))\] |^  one process left' "$log" >> "$out"
echo "load average at end $(cut -d' ' -f1-3 /proc/loadavg)" >> "$out"
cat "$out"
