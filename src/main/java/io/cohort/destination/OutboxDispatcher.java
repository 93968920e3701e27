package io.cohort.destination;

import com.codahale.metrics.CachedGauge;
import com.codahale.metrics.Counter;
import com.codahale.metrics.Meter;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Timer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers one activation's outbox to its destination on a thread of the stage's pool
 * ({@link #start(ExecutorService)}), one thread per activation.
 * <ol>
 *   <li>Read the first pending rows in seq order (at most {@code maxBatchSize}), stopping at
 *       the first row still in backoff: a failing batch is never overtaken.</li>
 *   <li>Removes of people never sent are acknowledged without calling the destination.</li>
 *   <li>The rest is delivered; success acknowledges each row conditionally on its seq,
 *       rejections are stored in last_error and count as delivered.</li>
 *   <li>Retriable failure: exponential backoff with jitter (or the destination's retry-after);
 *       Fatal: the activation is marked failed and tries again every fatalRetryInterval.</li>
 * </ol>
 * {@link #wakeUp()} ends the wait early when the audience stage wrote rows; otherwise the loop
 * polls every {@code pollInterval}. All state that must survive a restart is in the table.
 */
public final class OutboxDispatcher {
    private static final Logger LOG = LoggerFactory.getLogger(OutboxDispatcher.class);

    private final Activation activation;
    private final Destination destination;
    private final OutboxStore store;
    private final DispatcherConfig config;
    private final ObjectMapper mapper;
    private final Clock clock;
    private final Meter delivered;
    private final Counter rejected;
    private final Counter skipped;
    private final Meter failures;
    private final Timer latency;
    private final DispatchGate gate;

    private final Object signal = new Object();
    private boolean signalled; // guarded by signal
    private volatile boolean running;
    private Future<?> loop;

    /** In-memory gate (rows carry it too, for restarts) so no row is sent before a retry-after. */
    private volatile long notBefore;
    private volatile boolean failed;
    private volatile String lastError;
    private volatile Instant lastErrorAt;
    private volatile Instant lastSuccessAt;

    public OutboxDispatcher(Activation activation, Destination destination, OutboxStore store,
                            DispatcherConfig config, ObjectMapper mapper, MetricRegistry metrics, Clock clock) {
        this(activation, destination, store, config, mapper, metrics, clock, DispatchGate.ALWAYS);
    }

    /** @param gate asked before every round whether this process may deliver now (cluster mode: a lease) */
    public OutboxDispatcher(Activation activation, Destination destination, OutboxStore store,
                            DispatcherConfig config, ObjectMapper mapper, MetricRegistry metrics, Clock clock,
                            DispatchGate gate) {
        this.gate = gate;
        this.activation = activation;
        this.destination = destination;
        this.store = store;
        this.config = config;
        this.mapper = mapper;
        this.clock = clock;
        String base = MetricRegistry.name("cohort", "activation", activation.id());
        this.delivered = metrics.meter(base + ".delivered");
        this.rejected = metrics.counter(base + ".rejected");
        this.skipped = metrics.counter(base + ".skipped");
        this.failures = metrics.meter(base + ".failures");
        this.latency = metrics.timer(base + ".latency");
        metrics.remove(base + ".pending");
        metrics.register(base + ".pending", new CachedGauge<Long>(1, TimeUnit.SECONDS) {
            @Override protected Long loadValue() { return store.pendingCount(activation.id()); }
        });
    }

    public Activation activation() { return activation; }

    /** Runs the delivery loop on one thread of {@code pool} until {@link #stop()}. */
    public synchronized void start(ExecutorService pool) {
        if (running) return;
        running = true;
        loop = pool.submit(() -> {
            String name = Thread.currentThread().getName();
            Thread.currentThread().setName("outbox-" + activation.id());
            try {
                loop();
            } finally {
                gate.close(activation.id());
                Thread.currentThread().setName(name);
            }
        });
    }

    /** Ends the loop after the batch in flight; after {@code stopTimeout} the call is interrupted (the batch stays pending). */
    public void stop() throws InterruptedException {
        Future<?> f;
        synchronized (this) {
            running = false;
            f = loop;
            loop = null;
        }
        wakeUp();
        if (f == null) return;
        try {
            f.get(config.getStopTimeout().toMilliseconds(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException slow) {
            f.cancel(true);
        } catch (ExecutionException e) {
            LOG.warn("activation {}: dispatcher loop ended with an error", activation.id(), e.getCause());
        } catch (java.util.concurrent.CancellationException e) {
            // already cancelled
        }
    }

    /** New rows were written: look now instead of at the next poll. */
    public void wakeUp() {
        synchronized (signal) {
            signalled = true;
            signal.notifyAll();
        }
    }

    /** Resends everything: all rows pending again, the destination converges to the outbox. */
    public int replay() {
        int rows = store.replay(activation.id());
        notBefore = 0;
        wakeUp();
        return rows;
    }

    /** Ends a backoff or a failed state now (an operator fixed the cause). */
    public void retryNow() {
        store.retryNow(activation.id());
        notBefore = 0;
        wakeUp();
    }

    public ActivationStatus status() {
        Instant success = lastSuccessAt;
        if (success == null) {
            Long at = store.lastDeliveredAt(activation.id());
            success = at == null ? null : Instant.ofEpochMilli(at);
        }
        long gate = notBefore;
        return new ActivationStatus(activation.id(), activation.segmentId(), activation.destinationId(),
                store.pendingCount(activation.id()), success, lastError, lastErrorAt, failed,
                gate > clock.millis() ? Instant.ofEpochMilli(gate) : null);
    }

    public boolean failed() { return failed; }

    public String lastError() { return lastError; }

    private void loop() {
        long pollMs = config.getPollInterval().toMilliseconds();
        while (running) {
            long waitMs;
            try {
                waitMs = step();
            } catch (RuntimeException e) { // e.g. the database is down: keep the thread, try later
                io.cohort.store.TransientFailures.reason(e).ifPresentOrElse(
                        why -> LOG.warn("activation {}: dispatcher step failed: the database could not complete it now ({})", activation.id(), why),
                        () -> LOG.warn("activation {}: dispatcher step failed", activation.id(), e));
                noteError("internal: " + e);
                waitMs = pollMs;
            }
            if (waitMs > 0) await(Math.min(waitMs, pollMs));
        }
    }

    private void await(long ms) {
        synchronized (signal) {
            try {
                if (!signalled && running) signal.wait(ms);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                running = false;
            }
            signalled = false;
        }
    }

    /**
     * One round: delivers at most one batch. Returns how long to wait before the next round
     * (0: go on at once). Package-private so tests can drive it without a thread.
     */
    long step() {
        long now = clock.millis();
        if (now < notBefore && (gate == DispatchGate.ALWAYS || !retriedElsewhere(now))) return notBefore - now;
        if (!gate.open(activation.id())) return config.getPollInterval().toMilliseconds();
        List<OutboxRow> head = store.head(activation.id(), destination.maxBatchSize());
        if (head.isEmpty()) return config.getPollInterval().toMilliseconds();
        List<OutboxRow> due = new ArrayList<>();
        for (OutboxRow r : head) {
            if (r.nextAttemptAt() > now) break; // keep order: nothing overtakes a backed-off row
            due.add(r);
        }
        if (due.isEmpty()) return head.get(0).nextAttemptAt() - now;

        List<OutboxRow> unsent = due.stream().filter(OutboxRow::isUnsentRemove).toList();
        store.markSkipped(unsent, now);
        skipped.inc(unsent.size());
        List<OutboxRow> send = due.stream().filter(r -> !r.isUnsentRemove()).toList();
        if (send.isEmpty()) return 0;
        deliver(send, now);
        return Math.max(0, notBefore - clock.millis());
    }

    /**
     * Shared dispatch (a cluster): an operator's retry or replay on another process reset the
     * rows in the table, which is all that process can reach; the backoff ends here too.
     */
    private boolean retriedElsewhere(long now) {
        List<OutboxRow> head = store.head(activation.id(), 1);
        if (head.isEmpty() || head.get(0).nextAttemptAt() > now) return false;
        notBefore = 0;
        return true;
    }

    private void deliver(List<OutboxRow> send, long now) {
        Map<String, String> errors = new LinkedHashMap<>();
        List<AudienceChange> changes = new ArrayList<>();
        for (OutboxRow r : send) {
            try {
                changes.add(toChange(r));
            } catch (IllegalArgumentException e) { // a row we cannot read must not block the others
                errors.put(r.personId(), "rejected: invalid outbox row: " + e.getMessage());
            }
        }
        markEmailsStillWanted(changes);
        store.markAttemptedAdds(send.stream()
                .filter(r -> OutboxRow.ADD.equals(r.action()) && r.deliveredAction() == null).toList());
        try {
            DeliveryResult result = changes.isEmpty() ? DeliveryResult.ok() : destination.deliver(activation, changes);
            for (Rejection rej : result.rejections()) {
                errors.merge(rej.personId(), "rejected: " + rej.reason(), (a, b) -> a + "; " + b);
            }
            errors.keySet().retainAll(send.stream().map(OutboxRow::personId).toList());
            long done = clock.millis();
            store.markDelivered(send, errors, done);
            delivered.mark(send.size() - errors.size());
            rejected.inc(errors.size());
            for (OutboxRow r : send) latency.update(Math.max(0, done - r.changedAt()), TimeUnit.MILLISECONDS);
            if (failed) LOG.info("activation {}: delivering again", activation.id());
            failed = false;
            lastError = null;
            lastSuccessAt = Instant.ofEpochMilli(done);
        } catch (DeliveryException.Fatal e) {
            fail(send, now, config.getFatalRetryInterval().toMilliseconds(), "fatal: " + e.getMessage());
            failed = true; // after the error is recorded: whoever sees "failed" also sees why
            LOG.error("activation {}: fatal delivery failure, retrying every {}: {}", activation.id(),
                    config.getFatalRetryInterval(), e.getMessage());
        } catch (DeliveryException e) { // Retriable: the only other kind (sealed)
            java.time.Duration hint = e instanceof DeliveryException.Retriable r ? r.retryAfter() : null;
            int attempt = 1 + send.stream().mapToInt(OutboxRow::attempts).max().orElse(0);
            long delay = hint != null ? Math.max(0, hint.toMillis()) : backoff(attempt);
            fail(send, now, delay, "retriable (attempt " + attempt + "): " + e.getMessage());
            LOG.info("activation {}: attempt {} failed, retry in {} ms: {}", activation.id(), attempt, delay, e.getMessage());
        } catch (RuntimeException e) { // an adapter bug: treat as retriable rather than losing the thread
            int attempt = 1 + send.stream().mapToInt(OutboxRow::attempts).max().orElse(0);
            fail(send, now, backoff(attempt), "unexpected: " + e);
            LOG.error("activation {}: destination threw", activation.id(), e);
        }
    }

    private void fail(List<OutboxRow> rows, long now, long delay, String message) {
        notBefore = now + delay;
        store.markFailed(rows, message, notBefore);
        failures.mark();
        noteError(message);
    }

    private void noteError(String message) {
        lastError = message;
        lastErrorAt = clock.instant();
    }

    /** base·2^(attempt-1) capped at max, then jittered to [50%, 100%] so retries spread out. */
    long backoff(int attempt) {
        long base = config.getBackoffBase().toMilliseconds();
        long max = config.getBackoffMax().toMilliseconds();
        long exp = attempt >= 62 ? max : Math.min(max, base * (1L << Math.min(attempt - 1, 30)));
        long half = exp / 2;
        return half + ThreadLocalRandom.current().nextLong(exp - half + 1);
    }

    /**
     * Removes whose email another wanted person has (the exit of a merge, delivered after the
     * entry, or with it): destinations matching by email keep it. Read at sending time, so whichever
     * of the two is delivered last, the email stays while someone wants it.
     */
    private void markEmailsStillWanted(List<AudienceChange> changes) {
        Set<String> emails = new HashSet<>();
        for (AudienceChange c : changes) {
            if (c.action() == AudienceChange.Action.REMOVE && c.email() != null) emails.add(norm(c.email()));
        }
        if (emails.isEmpty()) return;
        Map<String, Set<String>> wanted = store.wantedEmails(activation.id(), emails);
        changes.replaceAll(c -> {
            if (c.action() != AudienceChange.Action.REMOVE || c.email() == null) return c;
            Set<String> people = wanted.getOrDefault(norm(c.email()), Set.of());
            return people.size() > (people.contains(c.personId()) ? 1 : 0) ? c.withEmailStillWanted() : c;
        });
    }

    private static String norm(String email) { return email.trim().toLowerCase(java.util.Locale.ROOT); }

    private AudienceChange toChange(OutboxRow r) {
        AudienceChange.Action action = switch (r.action()) {
            case OutboxRow.ADD -> AudienceChange.Action.ADD;
            case OutboxRow.REMOVE -> AudienceChange.Action.REMOVE;
            default -> throw new IllegalArgumentException("unknown action '" + r.action() + "'");
        };
        JsonNode payload;
        try {
            payload = mapper.readTree(r.payload());
        } catch (Exception e) {
            throw new IllegalArgumentException("payload is not JSON: " + e.getMessage());
        }
        if (payload == null || !payload.isObject()) throw new IllegalArgumentException("payload is not a JSON object");
        JsonNode email = payload.get("email");
        Map<String, List<String>> identities = new LinkedHashMap<>();
        JsonNode ids = payload.path("identities");
        for (Map.Entry<String, JsonNode> e : ids.properties()) {
            List<String> values = new ArrayList<>();
            if (e.getValue().isArray()) e.getValue().forEach(v -> values.add(v.asText()));
            else if (e.getValue().isValueNode()) values.add(e.getValue().asText());
            identities.put(e.getKey(), List.copyOf(values));
        }
        return new AudienceChange(r.seq(), r.personId(), action,
                email == null || email.isNull() || email.asText().isBlank() ? null : email.asText(),
                Map.copyOf(identities), Instant.ofEpochMilli(r.changedAt()));
    }
}
