package io.cohort.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.codahale.metrics.health.HealthCheck.Result;
import io.cohort.store.Durability;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Which database file the disk check watches, and what it says at which free space. */
class DatabaseDiskCheckTest {
    private static final long GIB = 1L << 30;
    private static final Path FILE = Path.of("data/cohort.mv.db");

    @Test
    void watchesTheFileOfAnEmbeddedH2DatabaseOnly() {
        assertThat(Durability.h2File("jdbc:h2:file:./data/cohort;MODE=PostgreSQL")).contains(Path.of("./data/cohort.mv.db"));
        assertThat(Durability.h2File("jdbc:h2:/var/lib/cohort/db;WRITE_DELAY=0")).contains(Path.of("/var/lib/cohort/db.mv.db"));
        assertThat(Durability.h2File("jdbc:h2:~/cohort")).contains(Path.of(System.getProperty("user.home") + "/cohort.mv.db"));
        assertThat(Durability.h2File("jdbc:h2:C:/data/cohort")).contains(Path.of("C:/data/cohort.mv.db"));
        for (String elsewhere : new String[] {"jdbc:h2:mem:test", "jdbc:h2:tcp://db.internal/~/cohort", "jdbc:h2:nio:/data/cohort",
                "jdbc:h2:zip:/data/db.zip!/cohort", "jdbc:postgresql://db.internal:5432/cohort", "jdbc:h2:"}) {
            assertThat(Durability.h2File(elsewhere)).as(elsewhere).isEqualTo(Optional.empty());
        }
    }

    @Test
    void warnsBelowTwiceTheFileAndIsUnhealthyOnlyWhenWritesAreAboutToFail() {
        Result plenty = DatabaseDiskCheck.verdict(FILE, 10 * GIB, 30 * GIB);
        assertThat(plenty.isHealthy()).isTrue();
        assertThat(plenty.getMessage()).doesNotContain("WARNING").contains("30.0 GiB free").contains("cohort.mv.db").contains("10.0 GiB");

        Result tight = DatabaseDiskCheck.verdict(FILE, 10 * GIB, 15 * GIB);
        assertThat(tight.isHealthy()).as("a full disk ahead is no reason to leave the load balancer").isTrue();
        assertThat(tight.getMessage()).startsWith("WARNING").contains("15.0 GiB free").contains("20.0 GiB").contains("Disk headroom on H2");
        assertThat(tight.getDetails()).containsEntry("wantedBytes", 20 * GIB).containsEntry("freeBytes", 15 * GIB);

        // A small file still wants a gigabyte beside it.
        assertThat(DatabaseDiskCheck.verdict(FILE, 1L << 20, 600L << 20).getMessage()).startsWith("WARNING").contains("1.0 GiB");

        Result critical = DatabaseDiskCheck.verdict(FILE, 10 * GIB, 100L << 20);
        assertThat(critical.isHealthy()).isFalse();
        assertThat(critical.getMessage()).contains("writes are about to fail");

        assertThat(DatabaseDiskCheck.verdict(FILE, 0, -1).isHealthy()).isFalse();
    }
}
