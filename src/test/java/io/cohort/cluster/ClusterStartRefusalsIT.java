package io.cohort.cluster;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cohort.it.CohortApp;
import io.cohort.reliability.CohortProcess;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A cluster-mode configuration the service cannot honour stops the start with a message saying
 * why, before anything is written: an H2 database (the cluster shares PostgreSQL). Pulled sources
 * are no longer refused: one node at a time runs each (ClusterPullIT).
 */
class ClusterStartRefusalsIT {
    @TempDir Path dir;

    private CohortProcess process(Path at, String database, String sources) throws Exception {
        return CohortProcess.configured(at, "", """
                database: %s
                sources: %s
                engine: {rulesDirectory: "%s", watchRules: false}
                cluster: {mode: kafka, bootstrapServers: "localhost:1"}
                auth:
                  tokens: [{name: all, token: %s, roles: [ingest, analyst, reader, operator]}]
                """.formatted(database, sources, at.resolve("rules").toAbsolutePath(), CohortApp.TOKEN));
    }

    @Test
    void anH2DatabaseIsRefused() throws Exception {
        try (CohortProcess p = process(dir.resolve("h2"), "{driverClass: org.h2.Driver, url: \"jdbc:h2:mem:x\", user: sa, password: \"\"}",
                "{crm-1: {type: generic}}")) {
            assertThatThrownBy(p::start).hasMessageContaining("cluster.mode: kafka needs PostgreSQL")
                    .hasMessageContaining("jdbc:h2:mem:x");
        }
    }
}
