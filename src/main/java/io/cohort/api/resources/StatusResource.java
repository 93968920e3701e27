package io.cohort.api.resources;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.Meter;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Timer;
import io.cohort.auth.Role;
import io.cohort.engine.Sweep;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * GET /v1/status: the service's vital signs on the API port — ingest rate and evaluation lag —
 * read from the same metrics the admin port publishes (cohort.ingest.*, cohort.engine.*,
 * cohort.activation.*.pending), so a browser with a token never needs the admin port.
 */
@Path("/v1/status")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed({Role.READER, Role.ANALYST, Role.OPERATOR})
public class StatusResource {
    private final MetricRegistry metrics;
    private final Clock clock;
    private final Supplier<Optional<Sweep>> sweep;

    /**
     * @param records      records accepted since the service started
     * @param perSecond1m  records per second, moving average of the last minute (5 and 15 likewise)
     * @param batchP99Millis 99th percentile of the time to validate, store and submit a batch
     */
    public record Ingest(long records, double perSecond1m, double perSecond5m, double perSecond15m, long batches,
                         double batchP99Millis) {}

    /**
     * @param lagMillis how long the oldest accepted batch not yet evaluated has waited (0 when idle)
     * @param sweep     everyone being evaluated again for some segments (a rule edit, say), or null
     */
    public record Evaluation(long lagMillis, long lastRoundMillis, long memberships, long evaluations, Sweep sweep) {}

    /** @param pending rows waiting for delivery over all activations */
    public record Delivery(long pending) {}

    public record Status(Instant at, Ingest ingest, Evaluation evaluation, Delivery delivery) {}

    /** @param sweep the sweep over everyone in progress on this node, if any */
    public StatusResource(MetricRegistry metrics, Clock clock, Supplier<Optional<Sweep>> sweep) {
        this.metrics = metrics;
        this.clock = clock;
        this.sweep = sweep;
    }

    @GET
    public Status status() {
        Meter records = metrics.getMeters().get("cohort.ingest.records");
        Timer batches = metrics.getTimers().get("cohort.ingest.batches");
        Ingest ingest = new Ingest(records == null ? 0 : records.getCount(),
                records == null ? 0 : records.getOneMinuteRate(), records == null ? 0 : records.getFiveMinuteRate(),
                records == null ? 0 : records.getFifteenMinuteRate(), batches == null ? 0 : batches.getCount(),
                batches == null ? 0 : batches.getSnapshot().get99thPercentile() / TimeUnit.MILLISECONDS.toNanos(1));
        Evaluation evaluation = new Evaluation(gauge("cohort.engine.lagMillis"), gauge("cohort.engine.lastRoundMillis"),
                gauge("cohort.engine.memberships"), gauge("cohort.engine.evaluations"), sweep.get().orElse(null));
        long pending = metrics.getGauges((name, m) -> name.startsWith("cohort.activation.") && name.endsWith(".pending"))
                .values().stream().mapToLong(StatusResource::number).sum();
        return new Status(clock.instant(), ingest, evaluation, new Delivery(pending));
    }

    private long gauge(String name) {
        Gauge<?> g = metrics.getGauges().get(name);
        return g == null ? 0 : number(g);
    }

    private static long number(Gauge<?> g) {
        return g.getValue() instanceof Number n ? n.longValue() : 0;
    }
}
