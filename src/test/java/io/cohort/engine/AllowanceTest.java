package io.cohort.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.engine.sandbox.Deadline;
import io.cohort.model.Now;
import java.time.Instant;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The runs of one request share one {@link Allowance}: a later run gets what the earlier ones left
 * of the time and of the memory, and none once they spent it. Before, an explanation's three runs
 * each had the whole engine.previewTimeout.
 */
class AllowanceTest {
    static final Now NOW = new Now(Instant.parse("2026-11-25T00:00:00Z"));

    @Test
    void aRunAfterOneThatSpentTheTimeIsNotStartedAndSaysSo() {
        // Colleagues joins every colleague with every two others: it runs until the deadline stops it.
        RuleBook book = OneShotTest.colleaguesAndEveryone(OneShotTest.multiplying("plain"));
        Budget budget = OneShotTest.timeOnly(300_000_000L);
        Allowance allowance = new Allowance(budget);
        OneShot.Result first = OneShot.run(book.kieBase(), book, OneShotTest.oneAccount(150), NOW, false, allowance);
        assertThat(first.failure()).as("%s", first).isNotNull();
        assertThat(first.failure().kind()).isEqualTo(OneShot.Failure.Kind.TIME);
        assertThat(first.failure().message()).contains("300 ms");
        assertThat(allowance.next().nanos()).as("nothing left").isLessThanOrEqualTo(0);

        OneShot.Result second = OneShot.run(book.kieBaseOf(Set.of("Everyone")), book, OneShotTest.oneAccount(1), NOW, false, allowance);
        assertThat(second.fired()).as("not started").isZero();
        assertThat(second.failure()).isNotNull();
        assertThat(second.failure().kind()).isEqualTo(OneShot.Failure.Kind.TIME);
        assertThat(second.failure().message()).contains("300 ms in all", "spent the time");
        // The same run with a budget of its own finishes: it is the sharing that stopped it.
        assertThat(OneShot.run(book.kieBaseOf(Set.of("Everyone")), book, OneShotTest.oneAccount(1), NOW, false, budget).ok()).isTrue();
    }

    @Test
    void aLaterRunGetsTheTimeAndMemoryTheEarlierOnesLeft() {
        RuleBook book = OneShotTest.colleaguesAndEveryone("AccountPerson(accountId == $a, personId == \"nobody\")");
        Budget budget = new Budget(10_000_000, 1_000_000, 60_000_000_000L);
        Allowance allowance = new Allowance(budget);
        long bytes = Deadline.allocatedBytes();
        long start = System.nanoTime();
        OneShot.Result first = OneShot.run(book.kieBase(), book, OneShotTest.oneAccount(2_000), NOW, false, allowance);
        long took = System.nanoTime() - start;
        long allocated = Deadline.allocatedBytes() - bytes;
        assertThat(first.ok()).as("%s", first.failure()).isTrue();
        Allowance.Grant left = allowance.next();
        assertThat(left.nanos()).as("the time the first run took is gone").isLessThanOrEqualTo(budget.maxNanos() - took);
        if (Deadline.measuresMemory()) {
            long charged = budget.maxBytes() - left.bytes();
            // What the run allocated counts (the session's 4,000 facts and more), and no more than the thread allocated around it.
            assertThat(charged).isPositive().isLessThanOrEqualTo(allocated);
        }
        // A fresh budget would have handed the second run the whole of it again.
        assertThat(new Allowance(budget).next().bytes()).isEqualTo(budget.maxBytes());
    }
}
