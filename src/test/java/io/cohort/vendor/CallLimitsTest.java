package io.cohort.vendor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.codahale.metrics.MetricRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The per-instance budgets: one per key, paced under the sliding window, bounded concurrency, the daily quota. */
class CallLimitsTest {
    final MetricRegistry metrics = new MetricRegistry();
    final CallLimits limits = new CallLimits(metrics, Clock.systemUTC());

    @Test
    void oneBudgetPerMarketoInstanceWhateverTheUrlSpelling() {
        CallLimits.Budget a = MarketoLimits.budget(limits, "https://123-ABC-456.mktorest.com", MarketoLimits.DEFAULT);
        CallLimits.Budget b = MarketoLimits.budget(limits, "https://123-abc-456.mktorest.com:443/rest/", MarketoLimits.DEFAULT);
        CallLimits.Budget other = MarketoLimits.budget(limits, "https://999-XYZ-000.mktorest.com", MarketoLimits.DEFAULT);
        assertThat(a).isSameAs(b).isNotSameAs(other);
        assertThat(MarketoLimits.key("https://123-ABC-456.mktorest.com")).isEqualTo("marketo:123-abc-456.mktorest.com");
        assertThat(metrics.getGauges()).containsKey("cohort.limits.marketo_123-abc-456_mktorest_com.ratePermits");
        assertThatThrownBy(() -> MarketoLimits.key("123-abc-456.mktorest.com")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theFirstUserSetsTheLimitsAndALaterOneShares() {
        CallLimits.Limits strict = new CallLimits.Limits(10, Duration.ofSeconds(20), 2, Duration.ofSeconds(1));
        CallLimits.Budget first = limits.budget("marketo:x", strict);
        CallLimits.Budget second = limits.budget("marketo:x", MarketoLimits.DEFAULT);
        assertThat(second).isSameAs(first);
        assertThat(second.limits()).isEqualTo(strict);
    }

    @Test
    void pacingKeepsEverySlidingWindowUnderTheLimitWithABurstToSpare() {
        // 100 per 20 s: bursts of 10 every 2.5 s: any 20 s window meets at most 9 periods (90 calls).
        var c = CallLimits.pacing(MarketoLimits.DEFAULT);
        assertThat(c.getLimitForPeriod()).isEqualTo(10);
        assertThat(c.getLimitRefreshPeriod()).isEqualTo(Duration.ofMillis(2500));
        var small = CallLimits.pacing(new CallLimits.Limits(3, Duration.ofMillis(500), 1, Duration.ofSeconds(1)));
        assertThat(small.getLimitForPeriod()).isEqualTo(1);
        assertThat(small.getLimitRefreshPeriod()).isEqualTo(Duration.ofMillis(500));
        var one = CallLimits.pacing(new CallLimits.Limits(1, Duration.ofSeconds(1), 1, Duration.ofSeconds(1)));
        assertThat(one.getLimitRefreshPeriod()).isEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void neverMoreCallsInAnySlidingWindowNorMoreAtOnceThanAllowed() throws Exception {
        // 30 calls per 1 s (3 per 125 ms), 3 at once; 60 calls from 8 threads.
        CallLimits.Budget budget = limits.budget("vendor:w", new CallLimits.Limits(30, Duration.ofSeconds(1), 3, Duration.ofSeconds(30)));
        List<Long> starts = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger inFlight = new AtomicInteger();
        AtomicInteger maxInFlight = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        for (int i = 0; i < 60; i++) {
            pool.submit(() -> budget.call(() -> {
                starts.add(System.nanoTime());
                maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
                Thread.sleep(30);
                inFlight.decrementAndGet();
                return null;
            }));
        }
        pool.shutdown();
        assertThat(pool.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
        assertThat(starts).hasSize(60);
        List<Long> sorted = new ArrayList<>(starts);
        Collections.sort(sorted);
        int worst = 0;
        for (int i = 0; i < sorted.size(); i++) {
            int j = i;
            while (j < sorted.size() && sorted.get(j) - sorted.get(i) < 1_000_000_000L) j++;
            worst = Math.max(worst, j - i);
        }
        System.out.printf("CallLimits: at most %d calls in any 1 s window (limit 30), %d at once (limit 3)%n", worst, maxInFlight.get());
        assertThat(worst).isLessThanOrEqualTo(30);
        assertThat(maxInFlight.get()).isLessThanOrEqualTo(3);
        assertThat(budget.callsToday()).isEqualTo(60);
    }

    @Test
    void theDailyQuotaCountsEveryUserAndBlocksUntilMidnightInTheVendorsZone() throws Exception {
        Clock clock = Clock.fixed(Instant.parse("2026-12-02T15:00:00Z"), ZoneOffset.UTC);
        CallLimits registry = new CallLimits(metrics, clock);
        CallLimits.Limits quota = MarketoLimits.of(100, Duration.ofSeconds(20), 10, 1_000);
        CallLimits.Budget source = MarketoLimits.budget(registry, "https://m.example", quota);
        CallLimits.Budget destination = MarketoLimits.budget(registry, "https://M.example/rest", quota);
        source.call(() -> null);
        destination.call(() -> null);
        assertThat(source.quotaLeft()).isEqualTo(998);
        source.reportUsage(990); // other integrations used most of it
        destination.call(() -> null);
        assertThat(source.usedToday()).isEqualTo(991);
        assertThat(source.blockedUntil()).isNull();
        destination.exhausted(); // Marketo said 607 to the destination: the source waits too
        assertThat(source.blockedUntil()).isEqualTo(Instant.parse("2026-12-03T06:00:00Z")); // midnight CST
        assertThat(metrics.getGauges().get("cohort.limits.marketo_m_example.callsToday").getValue()).isEqualTo(3L);
    }

    @Test
    void noMoreConcurrentCallsThanAllowedAndAFullBudgetIsRefusedAfterTheWait() throws Exception {
        CallLimits.Budget budget = limits.budget("vendor:y",
                new CallLimits.Limits(1000, Duration.ofSeconds(1), 2, Duration.ofMillis(200)));
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger inFlight = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<?> f1 = pool.submit(() -> budget.call(() -> hold(inFlight, most, release)));
            Future<?> f2 = pool.submit(() -> budget.call(() -> hold(inFlight, most, release)));
            while (inFlight.get() < 2) Thread.sleep(5);
            assertThatThrownBy(() -> budget.call(() -> "third")).isInstanceOf(CallLimits.OverBudgetException.class)
                    .hasMessageContaining("more than 2 concurrent calls");
            release.countDown();
            f1.get(5, TimeUnit.SECONDS);
            f2.get(5, TimeUnit.SECONDS);
            assertThat(budget.call(() -> "after")).isEqualTo("after");
            assertThat(most.get()).isEqualTo(2);
            assertThat(metrics.counter("cohort.limits.vendor_y.refused").getCount()).isEqualTo(1);
        } finally {
            pool.shutdownNow();
        }
    }

    private static String hold(AtomicInteger inFlight, AtomicInteger most, CountDownLatch release) throws InterruptedException {
        most.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
        release.await(5, TimeUnit.SECONDS);
        inFlight.decrementAndGet();
        return "done";
    }
}
