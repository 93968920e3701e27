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
}
