package io.cohort.ops;

import com.codahale.metrics.health.HealthCheck;
import io.cohort.Pipeline;
import io.cohort.audience.AudienceLedger;
import io.cohort.engine.Evaluator;
import io.cohort.engine.RuleBook;
import io.cohort.engine.RuleService;
import io.cohort.store.RecordStore;
import io.dropwizard.lifecycle.Managed;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings the service up behind open ports: the ports open at once (liveness answers, stored
 * audiences are served, ingest is accepted and stored), while this loads the profile graph from
 * the store, logging its progress, and brings the memberships up to date with the rules (nothing
 * to evaluate when neither data nor rules changed since they were stored). Readiness ("startup"
 * health check) turns healthy when that is done. A failure is logged and reported, never silent.
 */
public final class Startup implements Managed {
    private static final Logger LOG = LoggerFactory.getLogger(Startup.class);

    public enum Phase { LOADING, EVALUATING, READY, FAILED }

    private final Pipeline pipeline;
    private final RecordStore store;
    private final Evaluator evaluator;
    private final RuleService rules;
    private final RuleBook initial;
    private final AudienceLedger ledger;
    private final Clock clock;
    private final Duration eventRetention;
    private final List<Managed> afterReady = new ArrayList<>();
    private volatile Phase phase = Phase.LOADING;
    private volatile long loaded;
    private volatile long total;
    private volatile String failure;
    private Thread thread;

    public Startup(Pipeline pipeline, RecordStore store, Evaluator evaluator, RuleService rules, RuleBook initial,
                   AudienceLedger ledger, Clock clock, Duration eventRetention) {
        this.pipeline = pipeline;
        this.store = store;
        this.evaluator = evaluator;
        this.rules = rules;
        this.initial = initial;
        this.ledger = ledger;
        this.clock = clock;
        this.eventRetention = eventRetention;
    }

    /** Started once the service is ready (e.g. the rule watcher: reloads need a running engine). */
    public void thenStart(Managed m) { afterReady.add(m); }

    @Override public void start() {
        thread = new Thread(this::run, "cohort-startup");
        thread.setDaemon(true);
        thread.start();
    }

    /** Waits until ready (for commands and tests); throws when the start failed. */
    public void awaitReady(Duration timeout) throws InterruptedException {
        thread.join(timeout.toMillis());
        if (phase == Phase.FAILED) throw new IllegalStateException("start-up failed: " + failure);
        if (phase != Phase.READY) throw new IllegalStateException("not ready after " + timeout + ": " + status());
    }

    private void run() {
        long started = System.nanoTime();
        try {
            long upTo = store.lastBatchSeq();
            total = store.count();
            LOG.info("start-up: loading {} stored records (up to batch {}) into the profile graph", total, upTo);
            long n = pipeline.loadFromStore(clock.instant().minus(eventRetention), upTo, read -> {
                loaded = read;
                LOG.info("start-up: loaded {} of {} records ({}%)", read, total, total == 0 ? 100 : read * 100 / total);
            });
            loaded = n;
            LOG.info("start-up: loaded {} records in {} ms; evaluating what changed", n, (System.nanoTime() - started) / 1_000_000);
            phase = Phase.EVALUATING;
            evaluator.start(initial, upTo);
            rules.attach(evaluator);
            ledger.registerActivations(clock.millis());
            pipeline.loaded();
            for (Managed m : afterReady) m.start();
            phase = Phase.READY;
            LOG.info("start-up: ready in {} ms ({} segments, {} memberships)", (System.nanoTime() - started) / 1_000_000,
                    initial.segments().size(), evaluator.stats().realized());
        } catch (Exception | Error e) {
            failure = e.toString();
            phase = Phase.FAILED;
            LOG.error("start-up failed: the service keeps serving stored audiences but evaluates nothing; fix the cause and restart", e);
        }
    }

    @Override public void stop() throws Exception {
        for (Managed m : afterReady) m.stop();
    }

    public Phase phase() { return phase; }

    public boolean ready() { return phase == Phase.READY; }

    /** What start-up is doing, for the health check and 503 answers. */
    public String status() {
        return switch (phase) {
            case LOADING -> "loading stored records: " + loaded + " of " + total + " (" + (total == 0 ? 0 : loaded * 100 / total) + "%)";
            case EVALUATING -> "evaluating what changed while the service was down";
            case READY -> "ready";
            case FAILED -> "start-up failed: " + failure;
        };
    }

    /** Readiness: healthy once profiles are loaded and memberships current. */
    public HealthCheck healthCheck() {
        return new HealthCheck() {
            @Override protected Result check() {
                return ready() ? Result.healthy(status()) : Result.unhealthy(status());
            }
        };
    }
}
