#!/usr/bin/env bash
# The long versions of the reliability tests, for outside CI (docs/reliability.md): more crash
# loops against the shaded jar, more random seeds, more concurrent batches, a bigger hostile
# corpus, and the corpus against PostgreSQL too. Each step's log goes to out/reliability/, the
# figures to out/reliability/summary.txt. About 15 minutes on 2 cores with the defaults.
#
# Knobs (environment): CRASH_LOOPS=10 SEEDS=3000 CONCURRENT_BATCHES=3000 CONCURRENT_SEEDS="31 32 33"
#                      CORPUS_SEEDS=5 POSTGRES=true MVN="mvn -B"
set -euo pipefail
cd "$(dirname "$0")/.."

CRASH_LOOPS=${CRASH_LOOPS:-10}
SEEDS=${SEEDS:-3000}
CONCURRENT_BATCHES=${CONCURRENT_BATCHES:-3000}
CONCURRENT_SEEDS=${CONCURRENT_SEEDS:-"31 32 33"}
CORPUS_SEEDS=${CORPUS_SEEDS:-5}
POSTGRES=${POSTGRES:-true}
MVN=${MVN:-mvn -B}
OUT=out/reliability
mkdir -p "$OUT"
SUMMARY="$OUT/summary.txt"
echo "reliability run $(date -u +%FT%TZ) on $(nproc) cores, commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')" > "$SUMMARY"

failed=0
# step NAME TEST [system properties...]: runs one test class (compiled by the package step: no
# rebuild of the jar per step), keeps its log and summary lines.
step() {
  local name=$1 test=$2; shift 2
  local started=$SECONDS
  if $MVN -q surefire:test -Dtest="$test" -Dsurefire.failIfNoSpecifiedTests=false "$@" > "$OUT/$name.log" 2>&1; then
    echo "PASS $name ($((SECONDS - started)) s)" | tee -a "$SUMMARY"
  else
    echo "FAIL $name ($((SECONDS - started)) s): see $OUT/$name.log" | tee -a "$SUMMARY"
    failed=1
  fi
  grep -aoE "(crash loop|incremental vs|concurrency:|bad input:|rules under load:).*" "$OUT/$name.log" | sed 's/^/    /' >> "$SUMMARY" || true
}

echo "building the shaded jar" >&2
$MVN -q package -DskipTests > "$OUT/package.log" 2>&1

step crash CrashRecoveryIT -Dcohort.jar=target/cohort.jar -Dreliability.crashLoops="$CRASH_LOOPS"
step incremental IncrementalEvaluationTest -Dreliability.seeds="$SEEDS" -Dreliability.seed=100000
for s in $CONCURRENT_SEEDS; do
  step "concurrency-$s" ConcurrencyIT -Dreliability.concurrentBatches="$CONCURRENT_BATCHES" -Dreliability.seed="$s"
done
step bad-input-h2 BadInputIT -Dreliability.corpusSeeds="$CORPUS_SEEDS"
if [ "$POSTGRES" = true ]; then
  step bad-input-postgres BadInputIT -Dreliability.corpusSeeds="$CORPUS_SEEDS" -Dreliability.postgres=true
fi
step rules RuleStressIT
step cross-package CrossPackageSharingTest

cat "$SUMMARY"
exit $failed
