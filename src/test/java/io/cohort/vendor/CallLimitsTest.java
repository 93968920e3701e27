package io.cohort.vendor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.codahale.metrics.MetricRegistry;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The per-instance budgets: one per key, paced under the sliding window, bounded concurrency. */
class CallLimitsTest {
    final MetricRegistry metrics = new MetricRegistry();
    final CallLimits limits = new CallLimits(metrics);

    @Test
    void oneBudgetPerMarketoInstanceWhateverTheUrlSpelling() {
        CallLimits.Budget a = MarketoLimits.budget(limits, "https://123-ABC-456.mktorest.com", MarketoLimits.DEFAULT);
        CallLimits.Budget b = MarketoLimits.budget(limits, "https://123-abc-456.mktorest.com/rest/", MarketoLimits.DEFAULT);
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
    void pacingKeepsEverySlidingWindowAtTheLimit() {
        // 100 per 20 s: bursts of 10 every 20/9 s: any 20 s window meets at most 10 periods.
        var c = CallLimits.pacing(MarketoLimits.DEFAULT);
        assertThat(c.getLimitForPeriod()).isEqualTo(10);
        assertThat(c.getLimitRefreshPeriod()).isEqualTo(Duration.ofSeconds(20).dividedBy(9));
        var small = CallLimits.pacing(new CallLimits.Limits(3, Duration.ofMillis(500), 1, Duration.ofSeconds(1)));
        assertThat(small.getLimitForPeriod()).isEqualTo(1);
        assertThat(small.getLimitRefreshPeriod()).isEqualTo(Duration.ofMillis(250));
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
