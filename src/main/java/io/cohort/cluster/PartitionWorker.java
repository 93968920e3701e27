package io.cohort.cluster;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.cohort.audience.ActivationBinding;
import io.cohort.engine.Budget;
import io.cohort.engine.PeopleEvaluation;
import io.cohort.engine.RuleBook;
import io.cohort.engine.RuleState;
import io.cohort.engine.RuntimeIssue;
import io.cohort.identity.ProfileGraph;
import io.dropwizard.lifecycle.Managed;
import java.time.Clock;
import java.time.Duration;
import java.util.*;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.consumer.*;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.LongDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One process's share of the evaluation work: a member of the Kafka consumer group of the work
 * topic. Kafka assigns partitions (join, leave, crash: its rebalance protocol, nothing of ours);
 * on assignment the worker claims each partition in PostgreSQL (a new epoch) and seeks to the
 * offset stored there. For each poll it evaluates each partition's people with the engine and
 * commits, in one PostgreSQL transaction, the membership changes, the change feed, the outbox and
 * the partition's next offset, after checking under lock that its epoch still owns the partition
 * and that its rules are the cluster's. Kafka's own offset commits are not used.
 */
public final class PartitionWorker implements Managed {
    private static final Logger LOG = LoggerFactory.getLogger(PartitionWorker.class);

    /** What became of one partition's records of one poll. */
    enum Outcome { COMMITTED, FENCED, RULES_DIFFER, DATA_BEHIND, NOT_OWNED }

    private final ClusterConfig config;
    private final String node;
    private final Jdbi jdbi;
    private final ProfileGraph graph;
    private final LongSupplier applied;
    private final Clock clock;
    private final Duration eventRetention;
    private final Budget budget;
    private final PartitionClaims claims;
    private final RuleFence fence;
    private final PartitionLedger ledger;
    private final RuleIssues issues;
    private final Map<Integer, Long> epochs = new ConcurrentHashMap<>();
    /** Per owned partition: the newest batch a commit of it may have seen (see {@link PartitionClaims.Claim}). */
    private final Map<Integer, Long> seen = new ConcurrentHashMap<>();
    private final AtomicLong committedMessages = new AtomicLong();
    private final AtomicLong commits = new AtomicLong();
    private final AtomicLong committedChanges = new AtomicLong();
    private final AtomicLong refusals = new AtomicLong();
    private final AtomicLong consistencyDifferences = new AtomicLong();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile RulesInUse rules;
    private volatile boolean running;
    private volatile KafkaConsumer<String, Long> consumer;
    private Thread thread;

    /**
     * @param activations the activations a commit writes outbox rows for, read in its transaction
     *                    (the cluster's set, {@link ClusterActivations})
     * @param applied the newest ingest batch the local profile graph holds: work of a later batch
     *                waits until it does
     */
    public PartitionWorker(ClusterConfig config, Jdbi jdbi, ObjectMapper mapper,
                           java.util.function.Function<org.jdbi.v3.core.Handle, List<ActivationBinding>> activations,
                           ProfileGraph graph, LongSupplier applied, RuleBook rules, Clock clock, Duration eventRetention,
                           Budget budget) {
        this.config = config;
        this.node = config.nodeId();
        this.jdbi = jdbi;
        this.graph = graph;
        this.applied = applied;
        this.clock = clock;
        this.eventRetention = eventRetention;
        this.budget = budget;
        this.claims = new PartitionClaims(jdbi, config.topic());
        this.fence = new RuleFence(jdbi);
        this.ledger = new PartitionLedger(mapper, activations);
        this.issues = new RuleIssues(jdbi);
        this.rules = new RulesInUse(rules);
    }

    /** engine.ownConditionsFirst: work for some segments (rule edits, the clock) tries the person's own conditions first. */
    private volatile boolean ownConditionsFirst = true;

    public void ownConditionsFirst(boolean on) { this.ownConditionsFirst = on; }

    /** A rule set this process compiled; commits resume once it is the one the cluster applied. */
    public void useRules(RuleBook book) { this.rules = new RulesInUse(book); }

    @Override public void start() {
        running = true;
        thread = new Thread(this::run, "cohort-cluster-worker-" + node);
        thread.setDaemon(true);
        thread.start();
    }

    @Override public void stop() throws InterruptedException {
        running = false;
        KafkaConsumer<String, Long> c = consumer;
        if (c != null) c.wakeup();
        stopped.await(30, TimeUnit.SECONDS);
    }

    /** Partitions this process owns now. */
    public Set<Integer> owned() { return Set.copyOf(epochs.keySet()); }

    public long committedMessages() { return committedMessages.get(); }

    public long committedChanges() { return committedChanges.get(); }

    /** Memberships consistency checks found different from a fresh evaluation (and corrected). */
    public long consistencyDifferences() { return consistencyDifferences.get(); }

    /** PostgreSQL transactions that committed work (one per partition per poll). */
    public long commits() { return commits.get(); }

    /** Commits refused: fenced by a newer owner, or rules not the cluster's. */
    public long refusals() { return refusals.get(); }

    /**
     * Polls and works until stopped. A failure the loop does not handle itself (the consumer's, or
     * one a rebalance callback could not ride out) must not end this process's share of the work
     * while it runs on healthy: the consumer is closed (Kafka moves its partitions to the others)
     * and a new one joins a second later; positions are PostgreSQL's, so nothing is skipped.
     */
    private void run() {
        try {
            while (running) {
                try {
                    consume();
                } catch (WakeupException e) {
                    if (running) LOG.error("cluster worker {} woken up while running; a new consumer joins in a second", node, e);
                } catch (RuntimeException e) {
                    if (running) LOG.error("cluster worker {} failed; a new consumer joins in a second", node, e);
                }
                if (running) sleep(Duration.ofSeconds(1));
            }
        } finally {
            stopped.countDown();
        }
    }

    private void consume() {
        try (KafkaConsumer<String, Long> c = new KafkaConsumer<>(consumerProperties(), new StringDeserializer(), new LongDeserializer())) {
            consumer = c;
            if (!running) return; // stopped before the consumer was visible to stop()'s wake-up
            c.subscribe(List.of(config.topic()), new Listener(c));
            Duration poll = Duration.ofMillis(config.pollTimeout().toMilliseconds());
            while (running) {
                ConsumerRecords<String, Long> records = c.poll(poll);
                for (TopicPartition tp : records.partitions()) {
                    List<ConsumerRecord<String, Long>> list = records.records(tp);
                    Outcome o;
                    try {
                        o = handle(tp.partition(), epochs.getOrDefault(tp.partition(), -1L), list);
                    } catch (RuntimeException e) {
                        LOG.warn("work of partition {} failed, retried: {}", tp.partition(), e.toString());
                        o = Outcome.DATA_BEHIND;
                    }
                    if (o == Outcome.RULES_DIFFER || o == Outcome.DATA_BEHIND) {
                        // Not done: read it again after a pause (nothing was committed).
                        c.seek(tp, list.get(0).offset());
                    }
                    if (o != Outcome.COMMITTED && o != Outcome.NOT_OWNED) sleep(poll);
                }
            }
        } finally {
            consumer = null;
            epochs.clear();
        }
    }

    /**
     * Evaluates the people of one partition's records and commits the result with the
     * partition's next offset, if {@code epoch} still owns the partition and the rules are the
     * cluster's. Package-private: the fencing test calls it as a process that lost its partition.
     */
    Outcome handle(int partition, long epoch, List<ConsumerRecord<String, Long>> records) {
        if (epoch < 0 || records.isEmpty()) return Outcome.NOT_OWNED;
        long needed = Math.max(seen.getOrDefault(partition, 0L), records.stream().mapToLong(ConsumerRecord::value).max().orElse(-1));
        if (applied.getAsLong() < needed) return Outcome.DATA_BEHIND;
        RulesInUse inUse = rules;
        RuleState state = inUse.state();
        Map<Scope, Set<String>> byScope = scopes(records, state.book().segments().keySet(), state.book().eventSegments());
        // A shared manual clock (tests, demos) is read now: the clock holder may have moved it since this process last looked.
        SharedManualClock.refresh(clock);
        long at = clock.millis();
        Map<Scope, PeopleEvaluation.Outcome> outcomes = new LinkedHashMap<>();
        List<RuntimeIssue> found = new ArrayList<>();
        byScope.forEach((scope, who) -> outcomes.put(scope,
                PeopleEvaluation.run(graph, state, who, scope.segments(), clock.instant(), eventRetention, budget, found::add,
                        ownConditionsFirst)));
        // Read after evaluating: at least the data the evaluation saw, whatever was applied meanwhile.
        long seenBatch = applied.getAsLong();
        List<RuntimeIssue> issuesToWrite = inUse.toCommit(found);
        boolean checkAttributable = checkAttributable(records, seenBatch, System.currentTimeMillis());
        long[] inconsistent = {0};
        Map<Long, Integer> sweepCounts = sweepPeople(records);
        long next = records.get(records.size() - 1).offset() + 1;
        Outcome result = jdbi.inTransaction(h -> {
            if (!claims.holds(h, partition, epoch)) return Outcome.FENCED;
            if (!fence.admits(h, state.book().version())) return Outcome.RULES_DIFFER;
            issues.record(h, state.book().version(), issuesToWrite);
            inconsistent[0] = 0;
            for (var e : outcomes.entrySet()) {
                WorkCause cause = e.getKey().cause();
                boolean check = cause == WorkCause.CONSISTENCY && checkAttributable;
                String named = cause == WorkCause.CONSISTENCY && !checkAttributable ? WorkCause.INGEST.text : cause.text;
                List<io.cohort.engine.MembershipDelta> written = ledger.write(h, byScope.get(e.getKey()), e.getValue(),
                        state.book().segments().keySet(), named, at);
                committedChanges.addAndGet(written.size());
                if (check && !written.isEmpty()) {
                    inconsistent[0] += written.size();
                    LOG.warn("consistency check: {} membership(s) differ from a fresh evaluation and are corrected, e.g. {}",
                            written.size(), written.subList(0, Math.min(5, written.size())));
                }
            }
            ClusterSweeps.count(h, partition, sweepCounts);
            claims.advance(h, partition, next, seenBatch, at);
            return Outcome.COMMITTED;
        });
        switch (result) {
            case COMMITTED -> {
                commits.incrementAndGet();
                committedMessages.addAndGet(records.size());
                consistencyDifferences.addAndGet(inconsistent[0]);
                seen.merge(partition, seenBatch, Math::max);
                inUse.committed(issuesToWrite);
            }
            case FENCED -> {
                refusals.incrementAndGet();
                // Another process owns it now: stop working on it until Kafka assigns it again.
                epochs.remove(partition, epoch);
                LOG.warn("partition {}: epoch {} was fenced by a newer owner; its work is left to that owner", partition, epoch);
            }
            case RULES_DIFFER -> {
                refusals.incrementAndGet();
                LOG.info("partition {}: rules {} are not the cluster's; waiting", partition, state.book().version());
            }
            default -> { }
        }
        return result;
    }

    /**
     * Whether a consistency check's differences are the store's own: only when the graph they were
     * evaluated with ({@code seenBatch}) held nothing newer than the work published before the
     * check (the batch its messages carry, see ConsistencySample); else newer data explains them,
     * whatever other work of the poll carries; and only when the check is read within
     * {@link ConsistencySample#LAG} of its publication ({@code wallNow}, the records' create time):
     * later, windows closing since are the clock's work still on its way.
     */
    static boolean checkAttributable(List<ConsumerRecord<String, Long>> records, long seenBatch, long wallNow) {
        List<ConsumerRecord<String, Long>> checks = records.stream().filter(r -> causeOf(r) == WorkCause.CONSISTENCY).toList();
        if (checks.isEmpty()) return false;
        long lag = ConsistencySample.LAG.toMillis();
        if (checks.stream().anyMatch(r -> r.timestamp() < wallNow - lag)) return false;
        return seenBatch <= checks.stream().mapToLong(ConsumerRecord::value).min().orElse(-1);
    }

    /** Per sweep its records name: how many people of them this poll evaluates (each once). */
    static Map<Long, Integer> sweepPeople(List<ConsumerRecord<String, Long>> records) {
        Map<Long, Set<String>> people = new HashMap<>();
        for (ConsumerRecord<String, Long> r : records) {
            long sweep = ClusterSweeps.of(r.headers().lastHeader(ClusterSweeps.HEADER));
            if (sweep > 0) people.computeIfAbsent(sweep, k -> new HashSet<>()).add(r.key());
        }
        Map<Long, Integer> out = new HashMap<>();
        people.forEach((sweep, who) -> out.put(sweep, who.size()));
        return out;
    }

    private static WorkCause causeOf(ConsumerRecord<String, Long> r) {
        var c = r.headers().lastHeader(WorkCause.HEADER);
        return WorkCause.of(c == null ? null : c.value());
    }

    /** What to evaluate for some people of one poll, and why. */
    record Scope(Set<String> segments, WorkCause cause) {}

    /**
     * The people of some records, by the segments to evaluate for them: a person with work for
     * every segment (ingest) is evaluated for all of them once, the others for the union of what
     * their records name (a rule edit, the clock's sweep, {@code eventReaders} for people who saw
     * only new events); the cause is the first in {@link WorkCause}'s order among the person's
     * records. A person whose records name nothing to evaluate (only events, and no segment reads
     * them) is left out.
     */
    static Map<Scope, Set<String>> scopes(List<ConsumerRecord<String, Long>> records, Set<String> all, Set<String> eventReaders) {
        Map<String, Set<String>> scopeOf = new LinkedHashMap<>();
        Map<String, WorkCause> causeOf = new HashMap<>();
        for (ConsumerRecord<String, Long> r : records) {
            causeOf.merge(r.key(), causeOf(r), (a, b) -> a.ordinal() <= b.ordinal() ? a : b);
            var h = r.headers().lastHeader(WorkMessage.SEGMENTS_HEADER);
            Set<String> named = WorkMessage.segments(h == null ? null : h.value());
            if (named.contains(WorkMessage.EVENT_READERS_TOKEN)) {
                Set<String> resolved = new TreeSet<>(named);
                resolved.remove(WorkMessage.EVENT_READERS_TOKEN);
                resolved.addAll(eventReaders);
                if (resolved.isEmpty()) continue;
                named = resolved;
            }
            Set<String> scope = scopeOf.get(r.key());
            if (scope == all) continue;
            if (named.isEmpty()) scopeOf.put(r.key(), all);
            else if (scope == null) scopeOf.put(r.key(), new TreeSet<>(named));
            else scope.addAll(named);
        }
        Map<Scope, Set<String>> out = new LinkedHashMap<>();
        scopeOf.forEach((person, scope) -> out.computeIfAbsent(new Scope(scope == all ? all : Set.copyOf(scope), causeOf.get(person)),
                k -> new LinkedHashSet<>()).add(person));
        return out;
    }

    /** Claims assigned partitions before any of their records is read. */
    private final class Listener implements ConsumerRebalanceListener {
        private final KafkaConsumer<String, Long> c;

        Listener(KafkaConsumer<String, Long> c) { this.c = c; }

        @Override public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            List<TopicPartition> fromStart = new ArrayList<>();
            for (TopicPartition tp : partitions) {
                PartitionClaims.Claim claim = claimPatiently(tp.partition());
                epochs.put(tp.partition(), claim.epoch());
                seen.put(tp.partition(), claim.seenBatch());
                if (claim.nextOffset() < 0) fromStart.add(tp);
                else c.seek(tp, claim.nextOffset());
            }
            if (!fromStart.isEmpty()) c.seekToBeginning(fromStart);
            if (!partitions.isEmpty()) LOG.info("{} claimed partitions {}", node, partitions.stream().map(TopicPartition::partition).sorted().toList());
        }

        /**
         * Claims a partition, again every second while PostgreSQL cannot be reached (a restart, a
         * failover): a callback that threw would end the poll that called it, and with it this
         * process's work. Poll waits meanwhile; the others keep theirs (cooperative rebalancing).
         */
        private PartitionClaims.Claim claimPatiently(int partition) {
            for (int attempt = 1; ; attempt++) {
                try {
                    return claims.claim(partition, node, clock.millis());
                } catch (RuntimeException e) {
                    if (!running) throw e;
                    if (attempt == 1) LOG.warn("{}: claiming partition {} failed ({}); tried again every second", node, partition, e.toString());
                    sleep(Duration.ofSeconds(1));
                }
            }
        }

        @Override public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            partitions.forEach(tp -> epochs.remove(tp.partition()));
        }

        @Override public void onPartitionsLost(Collection<TopicPartition> partitions) {
            partitions.forEach(tp -> epochs.remove(tp.partition()));
        }
    }

    private Properties consumerProperties() {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, config.groupId());
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "cohort-worker-" + node);
        // Offsets live in PostgreSQL with the results; Kafka's would be a second, unfenced truth.
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 500);
        p.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, (int) config.sessionTimeout().toMilliseconds());
        p.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, (int) Math.max(500, config.sessionTimeout().toMilliseconds() / 3));
        // Only the partitions that move are revoked; the others keep working through a rebalance.
        p.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName());
        return p;
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
