package io.cohort.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The shared per-instance limits: sliding-window calls, concurrency, daily quota, one registry key per instance. */
class ApiLimitsTest {

    @Test
    void oneInstancePerBaseUrlHoweverItIsWritten() {
        ApiLimits limits = new ApiLimits(Clock.systemUTC());
        ApiLimits.Spec spec = new ApiLimits.Spec(100, Duration.ofSeconds(20), 10, 50_000, ZoneId.of("America/Chicago"));
        var a = limits.forInstance("https://123-ABC-456.mktorest.com", spec);
        var b = limits.forInstance("https://123-abc-456.mktorest.com:443/rest/", spec);
        var c = limits.forInstance("https://999-XYZ-000.mktorest.com", spec);
        assertThat(b).isSameAs(a);
        assertThat(c).isNotSameAs(a);
        assertThat(limits.instances()).containsOnlyKeys("https://123-abc-456.mktorest.com", "https://999-xyz-000.mktorest.com");
    }

    @Test
    void neverMoreCallsInAnySlidingWindowNorMoreAtOnceThanAllowed() throws Exception {
        ApiLimits limits = new ApiLimits(Clock.systemUTC());
        // 24 calls per 1 s (2 per 100 ms period), 3 at once; 60 calls from 8 threads.
        var inst = limits.forInstance("https://x.example", new ApiLimits.Spec(24, Duration.ofSeconds(1), 3, 0, ZoneOffset.UTC));
        List<Long> starts = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger inFlight = new AtomicInteger();
        AtomicInteger maxInFlight = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        for (int i = 0; i < 60; i++) {
            pool.submit(() -> inst.call(() -> {
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
        assertThat(maxInFlight.get()).isLessThanOrEqualTo(3);
        List<Long> sorted = new ArrayList<>(starts);
        Collections.sort(sorted);
        int worst = 0;
        for (int i = 0; i < sorted.size(); i++) {
            int j = i;
            while (j < sorted.size() && sorted.get(j) - sorted.get(i) < 1_000_000_000L) j++;
            worst = Math.max(worst, j - i);
        }
        System.out.printf("ApiLimits: at most %d calls in any 1 s window (limit 24), %d at once (limit 3)%n", worst, maxInFlight.get());
        assertThat(worst).isLessThanOrEqualTo(24);
        assertThat(inst.callsToday()).isEqualTo(60);
    }

    @Test
    void theDailyQuotaCountsEveryUserAndBlocksUntilMidnightInTheVendorsZone() throws Exception {
        Clock clock = Clock.fixed(Instant.parse("2026-12-02T15:00:00Z"), ZoneOffset.UTC);
        ApiLimits limits = new ApiLimits(clock);
        var inst = limits.forInstance("https://m.example", new ApiLimits.Spec(100, Duration.ofSeconds(20), 10, 1_000, ZoneId.of("America/Chicago")));
        inst.call(() -> null);
        assertThat(inst.quotaLeft()).isEqualTo(999);
        inst.reportUsage(990); // other integrations used most of it
        inst.call(() -> null);
        assertThat(inst.usedToday()).isEqualTo(991);
        assertThat(inst.blockedUntil()).isNull();
        inst.exhausted();
        assertThat(inst.blockedUntil()).isEqualTo(Instant.parse("2026-12-03T06:00:00Z")); // midnight CST
    }
}
