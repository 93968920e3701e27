package io.cohort.destination;

import com.codahale.metrics.health.HealthCheck;
import io.dropwizard.lifecycle.Managed;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.ExecutorService;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The destination stage as one object: builds every configured destination, validates the
 * activations against them (the constructor throws {@link IllegalStateException} naming the
 * activation), runs one {@link OutboxDispatcher} per activation, and reports status, health and
 * metrics. Register it with {@code environment.lifecycle().manage(...)}.
 */
public final class Destinations implements Managed {
    private static final Logger LOG = LoggerFactory.getLogger(Destinations.class);

    private final Map<String, Destination> destinations = new LinkedHashMap<>();
    private final Map<String, OutboxDispatcher> dispatchers = new LinkedHashMap<>();
    private final Map<String, Health> health = new LinkedHashMap<>();
    private final DestinationContext context;
    private final ExecutorService checks;
    private final ExecutorService dispatch;

    private record Health(ConnectionCheck check, Instant at) {}

    /**
     * @param factories   config key {@code destinations}: destination id → its factory
     * @param activations config key {@code activations}
     * @param config      config key {@code dispatcher}
     * @param jdbi        the database holding the {@code outbox} table
     */
    public Destinations(Map<String, DestinationFactory> factories, List<ActivationConfig> activations,
                        DispatcherConfig config, Jdbi jdbi, DestinationContext context) {
        this(factories, activations, config, jdbi, context, DispatchGate.ALWAYS);
    }

    /** @param gate whether this process may dispatch an activation now (cluster mode: it holds the lease) */
    public Destinations(Map<String, DestinationFactory> factories, List<ActivationConfig> activations,
                        DispatcherConfig config, Jdbi jdbi, DestinationContext context, DispatchGate gate) {
        this.context = context;
        try {
            factories.forEach((id, factory) -> destinations.put(id, factory.build(id, context)));
            List<String> errors = validate(activations);
            if (!errors.isEmpty()) throw new IllegalStateException("invalid activations: " + String.join("; ", errors));
        } catch (RuntimeException e) {
            destinations.values().forEach(Destination::close);
            throw e;
        }
        // Pools from the context (Dropwizard's lifecycle in the service): made now, so the
        // lifecycle stops them after this stage, which is registered later.
        checks = context.pools().fixed("destination-checks", 1);
        dispatch = context.pools().fixed("outbox", Math.max(1, activations.size()));
        OutboxStore store = new OutboxStore(jdbi);
        for (ActivationConfig a : activations) {
            Activation activation = a.toActivation();
            dispatchers.put(a.getId(), new OutboxDispatcher(activation, destinations.get(a.getDestination()), store,
                    config, context.mapper(), context.metrics(), context.clock(), gate));
        }
    }

    private List<String> validate(List<ActivationConfig> activations) {
        List<String> errors = new ArrayList<>();
        Map<String, Boolean> seen = new LinkedHashMap<>();
        for (ActivationConfig a : activations) {
            String name = "activation '" + a.getId() + "'";
            if (seen.put(a.getId(), true) != null) errors.add(name + ": duplicate id");
            Destination d = destinations.get(a.getDestination());
            if (d == null) {
                errors.add(name + ": unknown destination '" + a.getDestination() + "' (configured: "
                        + String.join(", ", destinations.keySet()) + ")");
                continue;
            }
            for (String e : d.validateActivation(a.getParams())) {
                errors.add(name + " (destination '" + a.getDestination() + "'): " + e);
            }
        }
        return errors;
    }

    @Override
    public synchronized void start() {
        // Off the start-up path: an unreachable vendor must not delay or fail the service.
        destinations.keySet().forEach(id -> checks.submit(() -> check(id)));
        dispatchers.values().forEach(d -> d.start(dispatch));
    }

    @Override
    public synchronized void stop() throws InterruptedException {
        for (OutboxDispatcher d : dispatchers.values()) d.stop();
        for (Destination d : destinations.values()) {
            try {
                d.close();
            } catch (RuntimeException e) {
                LOG.warn("closing a destination failed", e);
            }
        }
    }

    public List<Activation> activations() {
        return dispatchers.values().stream().map(OutboxDispatcher::activation).toList();
    }

    /** The audience stage wrote rows for this activation: deliver them now. */
    public void wakeUp(String activationId) { dispatcher(activationId).wakeUp(); }

    /** The audience stage wrote rows (activations unknown to the caller): all dispatchers look. */
    public void wakeUp() { dispatchers.values().forEach(OutboxDispatcher::wakeUp); }

    /** Marks every row of the activation pending again; returns the number of rows resent. */
    public int replay(String activationId) { return dispatcher(activationId).replay(); }

    /** Retries a backed-off or failed activation now. */
    public void retryNow(String activationId) { dispatcher(activationId).retryNow(); }

    /** Runs the destination's connection check and remembers it for {@link #status()}. */
    public ConnectionCheck check(String destinationId) {
        Destination d = destinations.get(destinationId);
        if (d == null) throw new NoSuchElementException("unknown destination '" + destinationId + "'");
        ConnectionCheck c;
        try {
            c = d.check();
        } catch (RuntimeException e) {
            c = ConnectionCheck.failed(e.toString());
        }
        synchronized (health) {
            health.put(destinationId, new Health(c, context.clock().instant()));
        }
        return c;
    }

    public List<DestinationStatus> status() {
        List<DestinationStatus> out = new ArrayList<>();
        for (String id : destinations.keySet()) {
            Health h;
            synchronized (health) {
                h = health.get(id);
            }
            List<ActivationStatus> acts = dispatchers.values().stream()
                    .filter(d -> d.activation().destinationId().equals(id)).map(OutboxDispatcher::status).toList();
            out.add(new DestinationStatus(id, h == null ? null : h.check(), h == null ? null : h.at(), acts));
        }
        return out;
    }

    /** One health check per destination ({@code destination-<id>}): connection check and failed activations. */
    public Map<String, HealthCheck> healthChecks() {
        Map<String, HealthCheck> out = new LinkedHashMap<>();
        for (String id : destinations.keySet()) {
            out.put("destination-" + id, new HealthCheck() {
                @Override protected Result check() {
                    ConnectionCheck c = Destinations.this.check(id);
                    if (!c.ok()) return Result.unhealthy(c.message());
                    List<String> failed = dispatchers.values().stream()
                            .filter(d -> d.activation().destinationId().equals(id) && d.failed())
                            .map(d -> d.activation().id() + ": " + d.lastError()).toList();
                    return failed.isEmpty() ? Result.healthy(c.message())
                            : Result.unhealthy("failed activations: " + String.join("; ", failed));
                }
            });
        }
        return out;
    }

    private OutboxDispatcher dispatcher(String activationId) {
        OutboxDispatcher d = dispatchers.get(activationId);
        if (d == null) throw new NoSuchElementException("unknown activation '" + activationId + "'");
        return d;
    }
}
