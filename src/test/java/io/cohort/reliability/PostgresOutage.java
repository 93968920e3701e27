package io.cohort.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.it.CohortApp;
import io.cohort.model.Qualified;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.jdbi.v3.core.Jdbi;

/** What the PostgreSQL outage tests share: a server that can stop and come back, and a client that retries as told. */
public final class PostgresOutage {
    private PostgresOutage() {}

    /** The server on {@code data} (created on first use) at {@code port}; its data outlive a stop (no clean-up at close). */
    public static EmbeddedPostgres server(Path data, int port) throws Exception {
        return EmbeddedPostgres.builder().setDataDirectory(data).setCleanDataDirectory(false).setPort(port).start();
    }

    /** A POST of records that must be acknowledged; returns its batch number. Any test's, not only outages'. */
    public static long post(CohortProcess to, RandomRecords.Batch b) {
        CohortApp.Response r = to.post("/v1/sources/" + b.source() + "/records", b.body());
        assertThat(r.status()).as("POST to %s: %s", to.dir.getFileName(), r.body()).isEqualTo(200);
        return r.json().get("batch").asLong();
    }

    /** As a client does after a 503: again after a moment, until acknowledged; anything but 503 meanwhile fails. */
    public static long postRetrying(CohortProcess to, RandomRecords.Batch b, Duration patience) throws InterruptedException {
        long until = System.nanoTime() + patience.toNanos();
        CohortApp.Response r;
        do {
            r = to.post("/v1/sources/" + b.source() + "/records", b.body());
            if (r.status() == 200) return r.json().get("batch").asLong();
            assertThat(r.status()).as("while the database comes back: %s", r.body()).isEqualTo(503);
            Thread.sleep(500);
        } while (System.nanoTime() < until);
        throw new AssertionError("not acknowledged within " + patience + ": " + r);
    }

    /**
     * Waits until the stored memberships equal a fresh evaluation of the stored records (or
     * {@code patience} passed, then fails showing the difference), and checks that every process
     * serves them for {@code segments}; returns that evaluation.
     */
    public static Set<Qualified> awaitFresh(String url, Path rules, Clock clock, List<CohortProcess> serving, List<String> segments,
                                            Duration patience) throws Exception {
        Set<Qualified> fresh = FreshEvaluation.ofDatabase(url, rules, clock, "postgres", "postgres");
        assertThat(fresh).as("the random data qualifies people").isNotEmpty();
        Jdbi jdbi = Jdbi.create(url, "postgres", "postgres");
        long until = System.nanoTime() + patience.toNanos();
        Set<Qualified> realized;
        do {
            realized = new HashSet<>(jdbi.withHandle(h -> h.createQuery("SELECT segment_id, person_id FROM membership WHERE status = 'realized'")
                    .map((rs, ctx) -> new Qualified(rs.getString(1), rs.getString(2))).list()));
            if (realized.equals(fresh)) break;
            Thread.sleep(200);
        } while (System.nanoTime() < until);
        assertThat(realized).as("memberships = a fresh evaluation of the store").isEqualTo(fresh);
        for (CohortProcess p : serving) {
            for (String segment : segments) {
                Set<String> expected = new TreeSet<>();
                fresh.stream().filter(q -> q.segmentId().equals(segment)).forEach(q -> expected.add(q.personId()));
                assertThat(p.members(segment)).as("members of %s on %s", segment, p.dir.getFileName()).isEqualTo(expected);
            }
        }
        return fresh;
    }
}
