package io.cohort.audience;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.engine.EngineState;
import io.cohort.engine.MembershipDelta;
import io.cohort.engine.PersonSnapshot;
import io.cohort.engine.Round;
import io.cohort.store.MigratedTemplates;
import io.dropwizard.jackson.Jackson;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.h2.jdbcx.JdbcDataSource;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.SqlLogger;
import org.jdbi.v3.core.statement.StatementContext;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What the audience stage writes for a round, on a migrated H2 database: a round that changes no
 * membership, moves no watermark and flips nobody's consent (most rounds of a stream of events)
 * costs no statement and no commit; every other round is stored as before.
 */
class AudienceLedgerWritesTest {
    static final Instant AT = Instant.parse("2026-11-25T00:00:00Z");
    static final EngineState STATE = new EngineState("v1", Map.of("seg", "sig"), 7, -1, -1);

    Jdbi jdbi;
    final AtomicInteger statements = new AtomicInteger();
    final AtomicInteger connections = new AtomicInteger();
    AudienceLedger ledger;

    @BeforeEach void database() throws Exception {
        JdbcDataSource ds = MigratedTemplates.h2Memory("ledger");
        // Counts the connections the ledger takes: a handle, and so a transaction and its commit, each.
        javax.sql.DataSource counting = (javax.sql.DataSource) java.lang.reflect.Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {javax.sql.DataSource.class}, (proxy, method, args) -> {
                    if (method.getName().equals("getConnection")) connections.incrementAndGet();
                    try {
                        return method.invoke(ds, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        jdbi = Jdbi.create(counting);
        jdbi.setSqlLogger(new SqlLogger() {
            @Override public void logAfterExecution(StatementContext context) { statements.incrementAndGet(); }
        });
        ledger = new AudienceLedger(jdbi, Jackson.newObjectMapper(), List.of(new ActivationBinding("seg-to-files", "seg", "files")),
                () -> {});
    }

    @Test
    void aRoundWithNothingToStoreWritesNothing() {
        PersonSnapshot ann = new PersonSnapshot("p-ann", "ann@x.com", false, Map.of());
        ledger.apply(new Round(1, AT, List.of(new MembershipDelta("seg", "p-ann", true)), Map.of("p-ann", ann), "ingest", STATE));
        assertThat(count("SELECT COUNT(*) FROM membership WHERE status = 'realized'")).isEqualTo(1);
        assertThat(count("SELECT evaluated_up_to FROM engine_state")).isEqualTo(7);

        statements.set(0);
        connections.set(0);
        ledger.apply(new Round(2, AT, List.of(), Map.of("p-ann", ann), "ingest", null));
        assertThat(statements.get()).as("statements for a member handed over unchanged, no watermark").isZero();
        assertThat(connections.get()).as("transactions for it").isZero();

        ledger.apply(new Round(3, AT, List.of(), Map.of("p-ann", ann), "ingest", new EngineState("v1", Map.of("seg", "sig"), 9, -1, -1)));
        assertThat(statements.get()).as("a watermark alone is written").isPositive();
        assertThat(count("SELECT evaluated_up_to FROM engine_state")).isEqualTo(9);

        assertThat(action()).isEqualTo("add");
        statements.set(0);
        ledger.apply(new Round(4, AT, List.of(), Map.of("p-ann", new PersonSnapshot("p-ann", "ann@x.com", true, Map.of())), "ingest", null));
        assertThat(statements.get()).as("a consent change is written without a delta or watermark").isPositive();
        assertThat(action()).as("the opted-out member's export withdrawn").isEqualTo("remove");
    }

    /**
     * A round's transitions go in JDBC batches (a handful of statements, not two per change), and
     * leave the membership table and change feed exactly as writing them row by row does: new
     * members, members entering again, exits, an email kept when the round has none; a person
     * changing twice in one write falls back to row by row, in order.
     */
    @Test
    void batchedTransitionsLeaveWhatRowByRowWritesLeave() {
        JdbcDataSource other = MigratedTemplates.h2Memory("rows");
        Jdbi rowByRow = Jdbi.create(other);
        java.util.Random random = new java.util.Random(3);
        java.util.Set<String> members = new java.util.HashSet<>();
        long seq = 0;
        for (int round = 0; round < 12; round++) {
            List<MembershipRows.Row> rows = new java.util.ArrayList<>();
            for (String person : java.util.stream.IntStream.range(0, 300).filter(i -> random.nextInt(3) == 0)
                    .mapToObj(i -> "p-" + i).toList()) {
                boolean enter = !members.contains("other|" + person);
                if (enter) members.add("other|" + person);
                else members.remove("other|" + person);
                String email = random.nextInt(4) == 0 ? null : person + "@x.com";
                rows.add(new MembershipRows.Row(new MembershipDelta("other", person, enter), ++seq, email));
            }
            long at = AT.toEpochMilli() + round;
            statements.set(0);
            jdbi.useTransaction(h -> MembershipRows.recordAll(h, rows, at, "ingest"));
            assertThat(statements.get()).as("statements for " + rows.size() + " changes").isLessThanOrEqualTo(4);
            rowByRow.useTransaction(h -> rows.forEach(r -> MembershipRows.record(h, r.delta(), r.seq(), at, "ingest", r.email())));
        }
        // Twice in one write: entered, then exited.
        long s = seq;
        List<MembershipRows.Row> twice = List.of(new MembershipRows.Row(new MembershipDelta("other", "p-new", true), s + 1, "n@x.com"),
                new MembershipRows.Row(new MembershipDelta("other", "p-new", false), s + 2, null));
        jdbi.useTransaction(h -> MembershipRows.recordAll(h, twice, AT.toEpochMilli(), "rules"));
        rowByRow.useTransaction(h -> twice.forEach(r -> MembershipRows.record(h, r.delta(), r.seq(), AT.toEpochMilli(), "rules", r.email())));

        String rowsSql = "SELECT segment_id || '|' || person_id || '|' || status || '|' || COALESCE(email, '-') || '|' "
                + "|| COALESCE(CAST(qualified_at AS VARCHAR), '-') || '|' || COALESCE(CAST(exited_at AS VARCHAR), '-') || '|' || change_seq "
                + "FROM membership ORDER BY segment_id, person_id";
        String feedSql = "SELECT seq || '|' || segment_id || '|' || person_id || '|' || change || '|' || at || '|' || cause "
                + "FROM membership_change ORDER BY seq";
        List<String> batched = jdbi.withHandle(h -> h.createQuery(rowsSql).mapTo(String.class).list());
        List<String> single = rowByRow.withHandle(h -> h.createQuery(rowsSql).mapTo(String.class).list());
        assertThat(batched).hasSizeGreaterThan(100);
        assertThat(batched).isEqualTo(single);
        List<String> feed = jdbi.withHandle(h -> h.createQuery(feedSql).mapTo(String.class).list());
        assertThat(feed).hasSize((int) seq + 2);
        assertThat(feed).isEqualTo(rowByRow.withHandle(h -> h.createQuery(feedSql).mapTo(String.class).list()));
    }

    /**
     * A member who leaves the segment in the round their consent comes back must not be exported:
     * the consent change re-adds a person to the activations of the segments they are in after the
     * round, not before it (it re-added them to the one they had just left).
     */
    @Test
    void aConsentBackInTheRoundOfAnExitExportsNothing() {
        PersonSnapshot optedOut = new PersonSnapshot("p-ann", "ann@x.com", true, Map.of());
        PersonSnapshot optedIn = new PersonSnapshot("p-ann", "ann@x.com", false, Map.of());
        ledger.apply(new Round(1, AT, List.of(new MembershipDelta("seg", "p-ann", true)), Map.of("p-ann", optedIn), "ingest", STATE));
        assertThat(action()).isEqualTo("add");
        ledger.apply(new Round(2, AT, List.of(), Map.of("p-ann", optedOut), "ingest", null));
        assertThat(action()).as("withdrawn when she opted out").isEqualTo("remove");
        ledger.apply(new Round(3, AT, List.of(new MembershipDelta("seg", "p-ann", false)), Map.of("p-ann", optedIn), "ingest", null));
        assertThat(action()).as("she left the segment as her consent came back").isEqualTo("remove");
        assertThat(ledger.size("seg")).isZero();
        // And in the round she enters again with consent, she is exported once more.
        ledger.apply(new Round(4, AT, List.of(new MembershipDelta("seg", "p-ann", true)), Map.of("p-ann", optedIn), "ingest", null));
        assertThat(action()).isEqualTo("add");
        assertThat(ledger.size("seg")).isEqualTo(1);
    }

    private String action() {
        return jdbi.withHandle(h -> h.createQuery("SELECT action FROM outbox WHERE person_id = 'p-ann'").mapTo(String.class).one());
    }

    private long count(String sql) {
        return jdbi.withHandle(h -> h.createQuery(sql).mapTo(Long.class).one());
    }

    @Test
    void storedMembershipsAreReadOncePerRowGroupedByPerson() {
        // Person ids of the usual form and one of another (told apart by their strings instead).
        List<String> people = List.of("p-00000000000000a1", "p-00000000000000b2", "p-ffffffffffffffff", "legacy-7");
        java.util.Set<io.cohort.model.Qualified> expected = new java.util.HashSet<>();
        jdbi.useHandle(h -> {
            long seq = 0;
            for (String segment : List.of("s1", "s2", "s3")) {
                for (String p : people) {
                    if (segment.equals("s3") && p.startsWith("p-0")) continue;
                    h.execute("INSERT INTO membership (segment_id, person_id, status, change_seq) VALUES (?, ?, 'realized', ?)",
                            segment, p, ++seq);
                    expected.add(new io.cohort.model.Qualified(segment, p));
                }
            }
            h.execute("INSERT INTO membership (segment_id, person_id, status, change_seq) VALUES ('s3', 'p-00000000000000a1', 'exited', 99)");
        });
        List<io.cohort.model.Qualified> read = ledger.realized();
        assertThat(read).hasSize(expected.size()).containsExactlyInAnyOrderElementsOf(expected);
        // Each person's rows one after another, and one string per person.
        List<String> order = new java.util.ArrayList<>();
        for (var q : read) if (order.isEmpty() || !order.get(order.size() - 1).equals(q.personId())) order.add(q.personId());
        assertThat(order).hasSize(people.size()).doesNotHaveDuplicates();
        for (var q : read) for (var o : read) if (q.personId().equals(o.personId())) assertThat(q.personId()).isSameAs(o.personId());
        assertThat(ledger.size("s1")).isEqualTo(4);
        assertThat(ledger.size("s3")).isEqualTo(2);
    }
}
