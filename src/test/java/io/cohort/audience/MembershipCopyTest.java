package io.cohort.audience;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.engine.MembershipDelta;
import io.cohort.engine.PersonSnapshot;
import io.cohort.engine.Round;
import io.cohort.identity.UnifiedIds;
import io.cohort.model.Qualified;
import io.cohort.store.MigratedTemplates;
import io.dropwizard.jackson.Jackson;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import org.h2.jdbcx.JdbcDataSource;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The memberships' copy a clean stop writes: read back whole or not at all, used only when it is of the database. */
class MembershipCopyTest {
    static final Instant AT = Instant.parse("2026-11-25T00:00:00Z");
    @TempDir Path dir;

    static Consumer<BiConsumer<String, String[]>> visiting(Map<String, String[]> members) {
        return each -> members.forEach(each);
    }

    @Test
    void readsBackWhatWasWrittenAndNothingOfADamagedFile() throws Exception {
        Map<String, String[]> members = new LinkedHashMap<>();
        members.put(UnifiedIds.personByEmail("ann@x.com"), new String[] {"a-seg", "b-seg"});
        members.put("legacy id é", new String[] {"b-seg"});
        members.put(UnifiedIds.personByEmail("bob@x.com"), new String[] {"c-seg"});
        Path file = MembershipCopy.beside(dir.resolve("graph.snapshot"));
        MembershipCopy.write(file, 42, visiting(members));

        MembershipCopy.Contents c = MembershipCopy.read(file).orElseThrow();
        assertThat(c.stamp()).isEqualTo(new MembershipCopy.Stamp(42, 4));
        assertThat(c.realized()).containsExactly(new Qualified("a-seg", members.keySet().iterator().next()),
                new Qualified("b-seg", members.keySet().iterator().next()), new Qualified("b-seg", "legacy id é"),
                new Qualified("c-seg", UnifiedIds.personByEmail("bob@x.com")));

        byte[] whole = Files.readAllBytes(file);
        for (int cut : new int[] {0, 7, 30, whole.length / 2, whole.length - 1}) {
            Files.write(file, java.util.Arrays.copyOf(whole, cut));
            assertThat(MembershipCopy.read(file)).as("cut at %d of %d bytes", cut, whole.length).isEmpty();
        }
        for (int i = 8; i < whole.length; i += 5) {
            byte[] flipped = whole.clone();
            flipped[i] ^= 0x10;
            Files.write(file, flipped);
            assertThat(MembershipCopy.read(file)).as("byte %d changed", i).isEmpty();
        }
        Files.write(file, java.util.Arrays.copyOf(whole, whole.length + 1));
        assertThat(MembershipCopy.read(file)).as("a byte more").isEmpty();
        assertThat(MembershipCopy.read(dir.resolve("none"))).isEmpty();
    }

    /** The ledger takes a copy only of what the database holds: a change by the ledger, or a row deleted by hand, refuses it. */
    @Test
    void aCopyIsUsedOnlyWhenItIsOfTheDatabase() throws Exception {
        JdbcDataSource ds = MigratedTemplates.h2Memory("copy");
        Jdbi jdbi = Jdbi.create(ds);
        AudienceLedger ledger = new AudienceLedger(jdbi, Jackson.newObjectMapper(), List.of(), () -> {});
        String ann = UnifiedIds.personByEmail("ann@x.com");
        String bob = UnifiedIds.personByEmail("bob@x.com");
        ledger.apply(new Round(1, AT, List.of(new MembershipDelta("seg", ann, true), new MembershipDelta("seg", bob, true),
                new MembershipDelta("other", bob, true)), Map.of(), "ingest", null));
        Path file = dir.resolve("m");
        Map<String, String[]> members = Map.of(ann, new String[] {"seg"}, bob, new String[] {"other", "seg"});
        MembershipCopy.write(file, ledger.lastNumber(), visiting(members));

        // A start: a new ledger on the same database.
        AudienceLedger next = new AudienceLedger(jdbi, Jackson.newObjectMapper(), List.of(), () -> {});
        List<Qualified> copied = next.realizedFrom(MembershipCopy.read(file).orElseThrow()).orElseThrow();
        assertThat(new HashSet<>(copied)).isEqualTo(new HashSet<>(next.realized()));
        assertThat(next.size("seg")).isEqualTo(2);

        next.apply(new Round(2, AT, List.of(new MembershipDelta("seg", ann, false)), Map.of(), "ingest", null));
        AudienceLedger afterAChange = new AudienceLedger(jdbi, Jackson.newObjectMapper(), List.of(), () -> {});
        assertThat(afterAChange.realizedFrom(MembershipCopy.read(file).orElseThrow())).as("numbers moved on").isEmpty();

        // The copy of that state, then a row deleted by hand while the service is down.
        MembershipCopy.write(file, afterAChange.lastNumber(),
                visiting(Map.of(bob, new String[] {"other", "seg"})));
        assertThat(new AudienceLedger(jdbi, Jackson.newObjectMapper(), List.of(), () -> {})
                .realizedFrom(MembershipCopy.read(file).orElseThrow())).isPresent();
        jdbi.useHandle(h -> h.execute("DELETE FROM membership WHERE segment_id = 'other'"));
        assertThat(new AudienceLedger(jdbi, Jackson.newObjectMapper(), List.of(), () -> {})
                .realizedFrom(MembershipCopy.read(file).orElseThrow())).as("a row deleted by hand").isEmpty();
    }
}
