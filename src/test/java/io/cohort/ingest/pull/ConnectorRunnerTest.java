package io.cohort.ingest.pull;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The runner's scheduling with scripted streams: no HTTP, no database. */
class ConnectorRunnerTest {

    /** A stream that runs a script: each step returns what the function says for that call number. */
    static final class Scripted implements SyncStream {
        interface Script { Step step(int call) throws PullException, InterruptedException; }

        final String name;
        final Kind kind;
        final Script script;
        final AtomicInteger calls = new AtomicInteger();
        final StreamStatus status;

        Scripted(String name, Kind kind, Script script) {
            this.name = name;
            this.kind = kind;
            this.script = script;
            this.status = new StreamStatus(name, kind);
        }

        @Override public String name() { return name; }
        @Override public Kind kind() { return kind; }
        @Override public Step step() throws PullException, InterruptedException { return script.step(calls.incrementAndGet()); }
        @Override public StreamStatus status() { return status; }
    }

    static PullSettings settings(Duration poll) {
        PullSettings s = new PullSettings() {
            @Override public Connector build(String sourceId, PullContext context) { throw new UnsupportedOperationException(); }
        };
        s.setPollInterval(io.dropwizard.util.Duration.milliseconds(poll.toMillis()));
        s.setMaxBackoff(io.dropwizard.util.Duration.milliseconds(200));
        return s;
    }

    static ConnectorRunner runner(List<SyncStream> streams, PullSettings settings) {
        Connector c = new Connector() {
            @Override public String sourceId() { return "s"; }
            @Override public String type() { return "test"; }
            @Override public List<SyncStream> streams() { return streams; }
        };
        return new ConnectorRunner(c, settings, Clock.systemUTC());
    }

    static void await(String what, java.util.function.BooleanSupplier c) throws InterruptedException {
        PullConfigs.await(what, Duration.ofSeconds(20), c);
    }

    @Test
    void aFailingStreamBacksOffWithoutHoldingUpTheOthersAndALongBackfillRunsBeside() throws Exception {
        Scripted failing = new Scripted("failing", SyncStream.Kind.INCREMENTAL, n -> {
            throw new PullException.Transient("vendor down");
        });
        Scripted healthy = new Scripted("healthy", SyncStream.Kind.INCREMENTAL, n -> SyncStream.Step.CAUGHT_UP);
        Scripted backfill = new Scripted("history", SyncStream.Kind.BACKFILL, n -> {
            Thread.sleep(5);
            return n < 2_000 ? SyncStream.Step.MORE : SyncStream.Step.DONE; // ~10 s of history
        });
        ConnectorRunner r = runner(List.of(failing, healthy, backfill), settings(Duration.ofMillis(50)));
        r.start();
        try {
            await("the healthy stream polled many times", () -> healthy.calls.get() >= 10);
            assertThat(backfill.status.view().state()).as("the backfill is still running").isEqualTo("running");
            assertThat(failing.calls.get()).as("backed off, not hammered").isLessThan(healthy.calls.get());
            var s = r.status();
            assertThat(s.state()).isEqualTo("failing");
            assertThat(s.lastError().message()).isEqualTo("vendor down");
            assertThat(s.streams().get(0).failingSince()).isNotNull();
            assertThat(s.streams().get(1).lastError()).isNull();
        } finally {
            long t = System.nanoTime();
            r.stop();
            assertThat(Duration.ofNanos(System.nanoTime() - t)).as("stops promptly").isLessThan(Duration.ofSeconds(5));
        }
    }

    @Test
    void aSpentQuotaWaitsForTheResetAndSyncNowWakesCaughtUpStreams() throws Exception {
        Instant reset = Instant.now().plusSeconds(3600);
        Scripted quota = new Scripted("quota", SyncStream.Kind.INCREMENTAL, n -> {
            throw new PullException.QuotaExhausted("607", reset);
        });
        Scripted idle = new Scripted("idle", SyncStream.Kind.INCREMENTAL, n -> SyncStream.Step.CAUGHT_UP);
        ConnectorRunner r = runner(List.of(quota, idle), settings(Duration.ofHours(1)));
        r.start();
        try {
            await("both ran once", () -> quota.calls.get() == 1 && idle.calls.get() == 1);
            assertThat(quota.status.view().state()).isEqualTo("quota exhausted");
            assertThat(quota.status.view().nextRunAt()).isEqualTo(reset);
            r.syncNow();
            await("woken", () -> idle.calls.get() == 2);
            Thread.sleep(200);
            assertThat(quota.calls.get()).as("syncNow does not spend a quota that is gone... it asks once more").isLessThanOrEqualTo(2);
        } finally {
            r.stop();
        }
    }

    @Test
    void streamsTakeTurnsSoABacklogDoesNotStarveTheOthers() throws Exception {
        Scripted backlog = new Scripted("backlog", SyncStream.Kind.INCREMENTAL, n -> SyncStream.Step.MORE); // never ends
        Scripted other = new Scripted("other", SyncStream.Kind.INCREMENTAL, n -> SyncStream.Step.CAUGHT_UP);
        ConnectorRunner r = runner(List.of(backlog, other), settings(Duration.ofMillis(10)));
        r.start();
        try {
            await("the other stream ran repeatedly", () -> other.calls.get() >= 3);
        } finally {
            r.stop();
        }
    }

    @Test
    void aStopLetsTheStepInProgressFinishUninterruptedOnItsOwnNamedThread() throws Exception {
        java.util.concurrent.CountDownLatch inStep = new java.util.concurrent.CountDownLatch(1);
        AtomicInteger finishedUninterrupted = new AtomicInteger();
        List<String> threadNames = new java.util.concurrent.CopyOnWriteArrayList<>();
        Scripted committing = new Scripted("committing", SyncStream.Kind.INCREMENTAL, n -> {
            threadNames.add(Thread.currentThread().getName());
            inStep.countDown();
            long end = System.nanoTime() + 800_000_000L; // a commit in progress: not to be interrupted
            while (System.nanoTime() < end) Thread.onSpinWait();
            if (!Thread.currentThread().isInterrupted()) finishedUninterrupted.incrementAndGet();
            return SyncStream.Step.MORE;
        });
        List<String> made = new java.util.concurrent.CopyOnWriteArrayList<>();
        PullThreads named = name -> {
            made.add(name);
            return PullThreads.plain().single(name);
        };
        Connector c = new Connector() {
            @Override public String sourceId() { return "s"; }
            @Override public String type() { return "test"; }
            @Override public List<SyncStream> streams() { return List.of(committing); }
        };
        ConnectorRunner r = new ConnectorRunner(c, settings(Duration.ofMillis(10)), Clock.systemUTC(), named);
        assertThat(made).as("pools made while wiring, one per lane with streams").containsExactly("cohort-sync-s");
        r.start();
        assertThat(inStep.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        r.stop();
        assertThat(finishedUninterrupted.get()).as("the step ran to its end").isEqualTo(1);
        assertThat(committing.calls.get()).as("no step after the stop").isEqualTo(1);
        assertThat(threadNames).containsExactly("cohort-sync-s");
    }
}
