package io.cohort.store;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Which database URLs get H2's write delay turned off (CrashRecoveryIT shows why). */
class DurabilityTest {
    @Test
    void h2FileUrlsWriteThroughUnlessTheySayOtherwise() {
        assertThat(Durability.durableUrl("jdbc:h2:file:/d/cohort;MODE=PostgreSQL"))
                .isEqualTo("jdbc:h2:file:/d/cohort;MODE=PostgreSQL;WRITE_DELAY=0;DB_CLOSE_ON_EXIT=FALSE");
        assertThat(Durability.durableUrl("jdbc:h2:./data/cohort")).isEqualTo("jdbc:h2:./data/cohort;WRITE_DELAY=0;DB_CLOSE_ON_EXIT=FALSE");
        assertThat(Durability.durableUrl("jdbc:h2:mem:x")).isEqualTo("jdbc:h2:mem:x");
        assertThat(Durability.durableUrl("jdbc:postgresql://h/db")).isEqualTo("jdbc:postgresql://h/db");
        String explicit = "jdbc:h2:file:/d/cohort;write_delay=500;db_close_on_exit=true";
        assertThat(Durability.durableUrl(explicit)).isEqualTo(explicit);
        assertThat(Durability.delaysWrites(explicit)).isTrue();
        assertThat(Durability.delaysWrites(Durability.durableUrl("jdbc:h2:file:/d/cohort"))).isFalse();
    }

    @Test
    void theEmbeddedDatabaseIsRefusedUnderZgc() {
        var zgc17 = java.util.List.of("ZGC Cycles", "ZGC Pauses");
        var zgc25 = java.util.List.of("ZGC Minor Cycles", "ZGC Minor Pauses", "ZGC Major Cycles", "ZGC Major Pauses");
        var g1 = java.util.List.of("G1 Young Generation", "G1 Concurrent GC", "G1 Old Generation");
        assertThat(Durability.unsafeCollector("jdbc:h2:file:/d/cohort;MODE=PostgreSQL;WRITE_DELAY=0", zgc17)).get().asString()
                .contains("jdbc:h2:file:/d/cohort)").contains("ZGC").contains("PostgreSQL").doesNotContain("WRITE_DELAY");
        assertThat(Durability.unsafeCollector("jdbc:h2:mem:x", zgc25)).isPresent();
        assertThat(Durability.unsafeCollector("jdbc:h2:file:/d/cohort", g1)).isEmpty();
        assertThat(Durability.unsafeCollector("jdbc:postgresql://h/db", zgc25)).isEmpty();
    }
}
