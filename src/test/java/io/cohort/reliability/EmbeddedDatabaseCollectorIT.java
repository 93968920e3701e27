package io.cohort.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An operator who starts the jar with ZGC on the embedded H2 database is stopped before the
 * database is opened, told why and what to do (H2 2.4.240 failed commits under ZGC and left
 * records locked for good); the same directory starts normally with the default collector.
 */
class EmbeddedDatabaseCollectorIT {
    @Test
    void zgcOnTheEmbeddedDatabaseIsRefusedBeforeItIsOpened(@TempDir Path dir) throws Exception {
        try (CohortProcess zgc = new CohortProcess(dir).onAFreshDatabase().withJvmFlags("-XX:+UseZGC")) {
            assertThatThrownBy(zgc::start).hasMessageContaining("service exited at start")
                    .hasMessageContaining("refusing to start").hasMessageContaining("not safe under ZGC")
                    .hasMessageContaining("without -XX:+UseZGC");
        }
        Path db = dir.resolve("db");
        assertThat(!Files.exists(db) || Files.list(db).findAny().isEmpty()).as("no database file was created").isTrue();
        try (CohortProcess g1 = new CohortProcess(dir).onAFreshDatabase()) {
            g1.start();
            assertThat(g1.get("/v1/sources").status()).isEqualTo(200);
        }
    }
}
