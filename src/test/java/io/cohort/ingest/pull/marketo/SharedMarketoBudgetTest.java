package io.cohort.ingest.pull.marketo;

import static io.cohort.destination.Changes.activation;
import static io.cohort.destination.Changes.add;
import static org.assertj.core.api.Assertions.assertThat;

import com.codahale.metrics.MetricRegistry;
import io.cohort.destination.Activation;
import io.cohort.destination.Changes;
import io.cohort.destination.DeliveryException;
import io.cohort.destination.Destination;
import io.cohort.destination.DestinationContext;
import io.cohort.destination.ThreadPools;
import io.cohort.destination.fake.FakeMarketo;
import io.cohort.destination.marketo.MarketoDestinationFactory;
import io.cohort.ingest.pull.PullException;
import io.cohort.vendor.CallLimits;
import io.cohort.vendor.HttpClientSettings;
import io.cohort.vendor.MarketoLimits;
import io.cohort.vendor.VendorHttp;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The Marketo source connector and the Marketo destination of one instance, both busy at once,
 * against a fake Marketo that enforces the documented limits per instance (606 above the calls
 * per window, 615 above the concurrent calls). Sharing the service's budget, they never trip
 * them; each with a budget of its own (the control), they do: the limits are the instance's,
 * not each user's.
 */
class SharedMarketoBudgetTest {
    static final Duration RUN = Duration.ofSeconds(3);
    final MetricRegistry metrics = new MetricRegistry();
    FakeMarketo marketo;
    VendorHttp http;

    @BeforeEach void start() {
        marketo = new FakeMarketo().list(42).lead(1001, "p2@townsend.com").start();
        new io.cohort.ingest.pull.fake.FakeMarketoSource(marketo); // the source endpoints on the same instance
        HttpClientSettings s = new HttpClientSettings();
        s.setMaxConnectionsPerRoute(64);
        http = VendorHttp.build(s, metrics);
    }

    @AfterEach void stop() throws Exception {
        http.close();
        marketo.stop();
    }

    /** What one run did. */
    record Run(int sourceCalls, int destinationCalls, int sent606, int sent615) {}

    @Test
    void sourceAndDestinationTogetherStayWithinTheCallsPerWindow() throws Exception {
        marketo.rateLimit(20, Duration.ofSeconds(1));
        Run shared = run(true, 20, 10, 4);
        System.out.printf("shared budget, 20 calls/s: source %d + destination %d calls in %s, %d × 606%n",
                shared.sourceCalls(), shared.destinationCalls(), RUN, shared.sent606());
        assertThat(shared.sent606()).as("606 answers with one shared budget").isZero();
        assertThat(shared.sourceCalls()).isGreaterThan(5);
        assertThat(shared.destinationCalls()).isGreaterThan(5);
        // Both were held back: together they got no more than the instance allows.
        assertThat(shared.sourceCalls() + shared.destinationCalls()).isLessThanOrEqualTo(20 * (int) (RUN.toSeconds() + 1));

        Run apart = run(false, 20, 10, 4);
        System.out.printf("a budget each, 20 calls/s: source %d + destination %d calls, %d × 606%n",
                apart.sourceCalls(), apart.destinationCalls(), apart.sent606());
        assertThat(apart.sent606()).as("the control: two budgets overrun the instance").isPositive();
    }

    @Test
    void sourceAndDestinationTogetherStayWithinTheConcurrentCalls() throws Exception {
        marketo.concurrencyLimit(10).latency(Duration.ofMillis(150));
        Run shared = run(true, 10_000, 10, 8);
        System.out.printf("shared budget, 10 concurrent: source %d + destination %d calls, %d × 615%n",
                shared.sourceCalls(), shared.destinationCalls(), shared.sent615());
        assertThat(shared.sent615()).as("615 answers with one shared budget").isZero();
        assertThat(shared.sourceCalls()).isGreaterThan(10);
        assertThat(shared.destinationCalls()).isGreaterThan(10);

        Run apart = run(false, 10_000, 10, 8);
        System.out.printf("a budget each, 10 concurrent: %d × 615%n", apart.sent615());
        assertThat(apart.sent615()).as("the control: two budgets overrun the instance").isPositive();
    }

    /**
     * {@code threads} source threads reading the day's usage and as many destination threads adding
     * a lead to a list, for {@link #RUN}; both configured with Marketo's documented limits.
     */
    private Run run(boolean shared, int callsPerSecond, int concurrent, int threads) throws Exception {
        marketo.clearRequests();
        int before606 = marketo.errorsSent(606);
        int before615 = marketo.errorsSent(615);
        CallLimits sourceLimits = new CallLimits(metrics, Clock.systemUTC());
        CallLimits destinationLimits = shared ? sourceLimits : new CallLimits(new MetricRegistry(), Clock.systemUTC());

        MarketoPull pull = new MarketoPull();
        pull.setBaseUrl(marketo.url());
        pull.setClientId(FakeMarketo.CLIENT_ID);
        pull.setClientSecret(FakeMarketo.CLIENT_SECRET);
        pull.setMaxCallsPerWindow(callsPerSecond);
        pull.setRateWindow(io.dropwizard.util.Duration.seconds(1));
        pull.setMaxConcurrentCalls(concurrent);
        pull.setRetryAttempts(1);
        MarketoApi source = new MarketoApi("marketo-1", pull, http, Changes.MAPPER, Clock.systemUTC(),
                MarketoLimits.budget(sourceLimits, pull.getBaseUrl(), pull.limits()));

        MarketoDestinationFactory f = new MarketoDestinationFactory();
        f.setBaseUrl(marketo.url() + "/rest/"); // another spelling of the same instance
        f.setClientId(FakeMarketo.CLIENT_ID);
        f.setClientSecret(FakeMarketo.CLIENT_SECRET);
        f.setSource("marketo-1");
        f.setMaxCallsPerWindow(callsPerSecond);
        f.setRateWindow(io.dropwizard.util.Duration.seconds(1));
        f.setMaxConcurrentCalls(concurrent);
        Destination destination = f.build("mkto", new DestinationContext(Changes.MAPPER, http, metrics, Clock.systemUTC(),
                destinationLimits, ThreadPools.unmanaged()));
        Activation act = activation("mkto-hv", "mkto", Map.of("listId", "42"));

        AtomicInteger sourceCalls = new AtomicInteger();
        AtomicInteger destinationCalls = new AtomicInteger();
        java.util.concurrent.atomic.AtomicReference<String> lastError = new java.util.concurrent.atomic.AtomicReference<>();
        long end = System.nanoTime() + RUN.toNanos();
        ExecutorService pool = Executors.newFixedThreadPool(2 * threads);
        List<Future<?>> all = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            all.add(pool.submit(() -> {
                while (System.nanoTime() < end) {
                    try {
                        source.get("/rest/v1/stats/usage.json");
                        sourceCalls.incrementAndGet();
                    } catch (PullException e) { // over budget (waited a window) or refused: counted by the fake, go on
                        lastError.set(e.toString());
                    }
                }
                return null;
            }));
            all.add(pool.submit(() -> {
                long seq = 0;
                while (System.nanoTime() < end) {
                    try {
                        destination.deliver(act, List.of(add(++seq, "p2", null, Map.of("marketo-1", List.of("1001")))));
                        destinationCalls.incrementAndGet();
                    } catch (DeliveryException e) { // over budget or refused: counted by the fake, go on
                        lastError.set(e.toString());
                    }
                }
                return null;
            }));
        }
        for (Future<?> f1 : all) f1.get(60, TimeUnit.SECONDS);
        pool.shutdown();
        if (lastError.get() != null) System.out.println("last refusal: " + lastError.get());
        return new Run(sourceCalls.get(), destinationCalls.get(), marketo.errorsSent(606) - before606,
                marketo.errorsSent(615) - before615);
    }
}
