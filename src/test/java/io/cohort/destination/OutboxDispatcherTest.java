package io.cohort.destination;

import static io.cohort.destination.OutboxFixture.ids;
import static org.assertj.core.api.Assertions.assertThat;

import com.codahale.metrics.MetricRegistry;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dropwizard.util.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The dispatcher's contract, driven step by step with a hand-moved clock. */
class OutboxDispatcherTest {
    static final String A = "act-1";
    final OutboxFixture db = new OutboxFixture();
    final TestClock clock = new TestClock(Instant.parse("2026-01-01T00:00:00Z"));
    final MetricRegistry metrics = new MetricRegistry();
    final DispatcherConfig config = new DispatcherConfig();

    OutboxDispatcher dispatcher(Destination d) {
        return new OutboxDispatcher(new Activation(A, "seg", "dest", Map.of()), d, new OutboxStore(db.jdbi), config,
                new ObjectMapper(), metrics, clock);
    }

    long now() { return clock.millis(); }

    @Test
    void deliversPendingRowsInSeqOrderInBatchesAndAcknowledgesThem() {
        ScriptedDestination dest = new ScriptedDestination(2);
        OutboxDispatcher d = dispatcher(dest);
        for (int i = 1; i <= 5; i++) db.add(A, "p" + i, "p" + i + "@x.com", ids("crm-1", "c" + i));
        db.add("other", "q1", "q1@x.com", Map.of());

        assertThat(d.step()).isZero();
        assertThat(d.step()).isZero();
        assertThat(d.step()).isZero();

        assertThat(dest.batches).hasSize(3);
        assertThat(dest.seqs(0)).containsExactly(1L, 2L);
        assertThat(dest.seqs(1)).containsExactly(3L, 4L);
        assertThat(dest.seqs(2)).containsExactly(5L);
        AudienceChange first = dest.batches.get(0).get(0);
        assertThat(first.email()).isEqualTo("p1@x.com");
        assertThat(first.identities()).containsEntry("crm-1", List.of("c1"));
        OutboxRow r = db.row(A, "p5");
        assertThat(r.deliveredSeq()).isEqualTo(5);
        assertThat(r.deliveredAction()).isEqualTo("add");
        assertThat(r.lastError()).isNull();
        assertThat(db.pending(A)).isZero();
        assertThat(db.pending("other")).isEqualTo(1);
        assertThat(metrics.meter("cohort.activation.act-1.delivered").getCount()).isEqualTo(5);
        assertThat(metrics.timer("cohort.activation.act-1.latency").getCount()).isEqualTo(5);
        // nothing left: wait for the poll interval
        assertThat(d.step()).isEqualTo(config.getPollInterval().toMilliseconds());
    }

    @Test
    void enterThenExitBeforeDeliveryIsNeverSent() {
        ScriptedDestination dest = new ScriptedDestination(10);
        OutboxDispatcher d = dispatcher(dest);
        db.add(A, "p1", "p1@x.com", Map.of());
        db.remove(A, "p1", "p1@x.com", Map.of());
        db.add(A, "p2", "p2@x.com", Map.of());

        d.step();

        assertThat(dest.batches).hasSize(1);
        assertThat(dest.batches.get(0)).extracting(AudienceChange::personId).containsExactly("p2");
        OutboxRow p1 = db.row(A, "p1");
        assertThat(p1.deliveredSeq()).isEqualTo(p1.seq());
        assertThat(p1.deliveredAction()).isNull();
        assertThat(metrics.counter("cohort.activation.act-1.skipped").getCount()).isEqualTo(1);
    }

    @Test
    void exitAfterDeliveredEntryIsSent() {
        ScriptedDestination dest = new ScriptedDestination(10);
        OutboxDispatcher d = dispatcher(dest);
        db.add(A, "p1", "p1@x.com", Map.of());
        d.step();
        db.remove(A, "p1", "p1@x.com", Map.of());
        d.step();

        assertThat(dest.batches).hasSize(2);
        assertThat(dest.batches.get(1).get(0).action()).isEqualTo(AudienceChange.Action.REMOVE);
        assertThat(dest.members).isEmpty();
        assertThat(db.row(A, "p1").deliveredAction()).isEqualTo("remove");
    }

    @Test
    void exitWrittenWhileItsEntryIsInFlightIsStillSent() {
        // The add reaches the destination while the audience stage already wrote the remove:
        // the conditional acknowledgement keeps the row pending, and the remove must follow.
        ScriptedDestination dest = new ScriptedDestination(10);
        dest.then(batch -> {
            db.remove(A, "p1", "p1@x.com", Map.of());
            return DeliveryResult.ok();
        });
        OutboxDispatcher d = dispatcher(dest);
        db.add(A, "p1", "p1@x.com", Map.of());

        d.step();
        OutboxRow mid = db.row(A, "p1");
        assertThat(mid.seq()).isGreaterThan(mid.deliveredSeq());
        assertThat(mid.deliveredAction()).isEqualTo("add");
        d.step();

        assertThat(dest.batches).hasSize(2);
        assertThat(dest.batches.get(1).get(0).action()).isEqualTo(AudienceChange.Action.REMOVE);
        assertThat(dest.members).isEmpty();
        assertThat(db.pending(A)).isZero();
    }

    @Test
    void exitAfterAFailedEntryAttemptIsStillSent() {
        // A timed-out add may have reached the vendor: the remove must not be skipped.
        ScriptedDestination dest = new ScriptedDestination(10);
        dest.then(batch -> { throw new DeliveryException.Retriable("read timed out"); });
        OutboxDispatcher d = dispatcher(dest);
        db.add(A, "p1", "p1@x.com", Map.of());
        d.step();
        db.remove(A, "p1", "p1@x.com", Map.of());
        clock.advance(java.time.Duration.ofMinutes(1));
        d.step();

        assertThat(dest.batches).hasSize(2);
        assertThat(dest.batches.get(1).get(0).action()).isEqualTo(AudienceChange.Action.REMOVE);
    }

    @Test
    void retriableFailureBacksOffExponentiallyAndNothingOvertakesTheFailedBatch() {
        config.setBackoffBase(Duration.seconds(10));
        ScriptedDestination dest = new ScriptedDestination(2);
        dest.then(b -> { throw new DeliveryException.Retriable("503 from vendor"); })
            .then(b -> { throw new DeliveryException.Retriable("503 again"); });
        OutboxDispatcher d = dispatcher(dest);
        db.add(A, "p1", null, Map.of());
        db.add(A, "p2", null, Map.of());

        long t0 = now();
        long wait = d.step();
        OutboxRow p1 = db.row(A, "p1");
        assertThat(p1.attempts()).isEqualTo(1);
        assertThat(p1.lastError()).contains("503 from vendor");
        assertThat(p1.nextAttemptAt()).isBetween(t0 + 5_000, t0 + 10_000);
        assertThat(wait).isEqualTo(p1.nextAttemptAt() - t0);
        assertThat(d.status().lastError()).contains("503 from vendor");

        db.add(A, "p3", null, Map.of()); // arrives during the backoff
        clock.advance(java.time.Duration.ofSeconds(4));
        assertThat(d.step()).isPositive();
        assertThat(dest.batches).hasSize(1); // p3 was not sent ahead of p1, p2

        clock.advance(java.time.Duration.ofSeconds(6));
        long t1 = now();
        d.step();
        assertThat(dest.seqs(1)).containsExactly(1L, 2L);
        assertThat(db.row(A, "p1").attempts()).isEqualTo(2);
        assertThat(db.row(A, "p1").nextAttemptAt()).isBetween(t1 + 10_000, t1 + 20_000);

        clock.advance(java.time.Duration.ofSeconds(20));
        d.step();
        d.step();
        assertThat(dest.seqs(2)).containsExactly(1L, 2L);
        assertThat(dest.seqs(3)).containsExactly(3L);
        OutboxRow done = db.row(A, "p1");
        assertThat(done.attempts()).isZero();
        assertThat(done.lastError()).isNull();
        assertThat(done.nextAttemptAt()).isZero();
        assertThat(db.pending(A)).isZero();
        assertThat(d.status().lastError()).isNull();
    }

    @Test
    void retryAfterHintIsHonoured() {
        ScriptedDestination dest = new ScriptedDestination(10);
        dest.then(b -> { throw new DeliveryException.Retriable("429", java.time.Duration.ofSeconds(42), null); });
        OutboxDispatcher d = dispatcher(dest);
        db.add(A, "p1", null, Map.of());
        long t0 = now();
        d.step();
        assertThat(db.row(A, "p1").nextAttemptAt()).isEqualTo(t0 + 42_000);
        clock.advance(java.time.Duration.ofSeconds(41));
        d.step();
        assertThat(dest.batches).hasSize(1);
        clock.advance(java.time.Duration.ofSeconds(1));
        d.step();
        assertThat(dest.batches).hasSize(2);
    }

    @Test
    void aRetryOnAnotherProcessEndsTheBackoffOfTheOneDispatchingUnderALease() {
        ScriptedDestination dest = new ScriptedDestination(10);
        dest.then(b -> { throw new DeliveryException.Retriable("429", java.time.Duration.ofSeconds(42), null); });
        DispatchGate held = id -> true; // this process holds the activation's lease (cluster mode)
        OutboxDispatcher holder = new OutboxDispatcher(new Activation(A, "seg", "dest", Map.of()), dest, new OutboxStore(db.jdbi), config,
                new ObjectMapper(), metrics, clock, held);
        OutboxDispatcher elsewhere = new OutboxDispatcher(new Activation(A, "seg", "dest", Map.of()), new ScriptedDestination(10),
                new OutboxStore(db.jdbi), config, new ObjectMapper(), new MetricRegistry(), clock, id -> false);
        db.add(A, "p1", null, Map.of());
        holder.step();
        assertThat(dest.batches).hasSize(1);
        clock.advance(java.time.Duration.ofSeconds(1));
        assertThat(holder.step()).as("in backoff").isPositive();
        assertThat(dest.batches).hasSize(1);

        elsewhere.retryNow(); // the operator's call reached a process without the lease
        holder.step();
        assertThat(dest.batches).as("delivered at once, not after the 42 s").hasSize(2);
    }

    @Test
    void fatalFailureMarksTheActivationFailedKeepsRowsAndRetriesOnTheLongInterval() {
        config.setFatalRetryInterval(Duration.minutes(10));
        ScriptedDestination dest = new ScriptedDestination(10);
        dest.then(b -> { throw new DeliveryException.Fatal("401 bad credentials"); });
        OutboxDispatcher d = dispatcher(dest);
        db.add(A, "p1", null, Map.of());
        long t0 = now();
        d.step();

        ActivationStatus s = d.status();
        assertThat(s.failed()).isTrue();
        assertThat(s.lastError()).contains("401 bad credentials");
        assertThat(s.pending()).isEqualTo(1);
        assertThat(s.nextAttemptAt()).isEqualTo(Instant.ofEpochMilli(t0 + 600_000));
        assertThat(db.row(A, "p1").lastError()).startsWith("fatal:");

        clock.advance(java.time.Duration.ofMinutes(9));
        d.step();
        assertThat(dest.batches).hasSize(1);
        clock.advance(java.time.Duration.ofMinutes(1));
        d.step();
        assertThat(dest.batches).hasSize(2);
        assertThat(d.status().failed()).isFalse();
        assertThat(d.status().pending()).isZero();
    }

    @Test
    void rejectedMembersAreRecordedCountedAndDoNotBlock() {
        ScriptedDestination dest = new ScriptedDestination(10);
        dest.then(b -> new DeliveryResult(List.of(new Rejection("p2", "1004 Lead not found"))));
        OutboxDispatcher d = dispatcher(dest);
        db.add(A, "p1", null, Map.of());
        db.add(A, "p2", null, Map.of());
        db.writeRaw(A, "p3", "add", "not json");

        d.step();

        assertThat(dest.batches.get(0)).extracting(AudienceChange::personId).containsExactly("p1", "p2");
        assertThat(db.row(A, "p2").lastError()).isEqualTo("rejected: 1004 Lead not found");
        assertThat(db.row(A, "p3").lastError()).startsWith("rejected: invalid outbox row");
        assertThat(db.row(A, "p1").lastError()).isNull();
        assertThat(db.pending(A)).isZero();
        assertThat(metrics.counter("cohort.activation.act-1.rejected").getCount()).isEqualTo(2);
        assertThat(metrics.meter("cohort.activation.act-1.delivered").getCount()).isEqualTo(1);
    }

    @Test
    void replayResendsEveryRowButStillSkipsRemovesNeverSent() {
        ScriptedDestination dest = new ScriptedDestination(10);
        OutboxDispatcher d = dispatcher(dest);
        db.add(A, "p1", null, Map.of());
        db.remove(A, "p2", null, Map.of());
        db.add(A, "p3", null, Map.of());
        d.step();
        db.remove(A, "p3", null, Map.of());
        d.step();
        assertThat(dest.batches).hasSize(2);

        assertThat(d.replay()).isEqualTo(3);
        assertThat(db.pending(A)).isEqualTo(3);
        d.step();

        assertThat(dest.batches).hasSize(3);
        assertThat(dest.batches.get(2)).extracting(c -> c.personId() + ":" + c.action())
                .containsExactly("p1:ADD", "p3:REMOVE");
        assertThat(db.pending(A)).isZero();
    }

    @Test
    void pendingGaugeCountsRows() {
        OutboxDispatcher d = dispatcher(new ScriptedDestination(10));
        db.add(A, "p1", null, Map.of());
        assertThat(metrics.getGauges().get("cohort.activation.act-1.pending").getValue()).isEqualTo(1L);
        assertThat(d.status().pending()).isEqualTo(1);
    }
}
