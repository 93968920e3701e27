package io.cohort.destination;

import static org.assertj.core.api.Assertions.assertThat;

import com.codahale.metrics.MetricRegistry;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dropwizard.util.Duration;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The dispatcher on its own thread: wake-up, poll fallback, restart. */
class OutboxDispatcherThreadTest {
    static final java.time.Duration DEADLINE = java.time.Duration.ofSeconds(10);
    static final java.util.concurrent.ExecutorService POOL = ThreadPools.unmanaged().fixed("outbox-test", 2);
    final OutboxFixture db = new OutboxFixture();
    final DispatcherConfig config = new DispatcherConfig();
    final Activation activation = new Activation("a1", "seg", "dest", Map.of());

    OutboxDispatcher dispatcher(Destination d) {
        return new OutboxDispatcher(activation, d, new OutboxStore(db.jdbi), config, new ObjectMapper(),
                new MetricRegistry(), Clock.systemUTC());
    }

    @Test
    void wakeUpDeliversWithoutWaitingForThePoll() throws Exception {
        config.setPollInterval(Duration.hours(1));
        ScriptedDestination dest = new ScriptedDestination(10);
        OutboxDispatcher d = dispatcher(dest);
        d.start(POOL);
        try {
            Thread.sleep(100); // let it find the empty outbox and settle into its hour-long wait
            db.add("a1", "p1", null, Map.of());
            d.wakeUp();
            OutboxFixture.await("p1 delivered after wakeUp", DEADLINE, () -> db.pending("a1") == 0);
            assertThat(dest.members).containsExactly("p1");
        } finally {
            d.stop();
        }
    }

    @Test
    void pollsWhenNobodyWakesItAndResumesPendingRowsAfterARestart() throws Exception {
        config.setPollInterval(Duration.milliseconds(50));
        ScriptedDestination first = new ScriptedDestination(10);
        OutboxDispatcher d1 = dispatcher(first);
        d1.start(POOL);
        db.add("a1", "p1", null, Map.of());
        OutboxFixture.await("p1 delivered by polling", DEADLINE, () -> db.pending("a1") == 0);
        d1.stop();

        db.add("a1", "p2", null, Map.of()); // written while the service is down
        db.remove("a1", "p1", null, Map.of());
        assertThat(db.pending("a1")).isEqualTo(2);

        ScriptedDestination second = new ScriptedDestination(10);
        OutboxDispatcher d2 = dispatcher(second);
        d2.start(POOL);
        try {
            OutboxFixture.await("pending rows resumed", DEADLINE, () -> db.pending("a1") == 0);
            assertThat(second.batches).hasSize(1);
            assertThat(second.batches.get(0)).extracting(c -> c.personId() + ":" + c.action())
                    .containsExactly("p2:ADD", "p1:REMOVE");
        } finally {
            d2.stop();
        }
    }
}
