package io.cohort.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A restart finds its port taken (an outgoing connection was given it while the process was
 * down: a full run's ClusterRoundTripIT failed so): the harness moves the process to free ports
 * and it serves, with what it stored before.
 */
class RestartPortIT {
    @TempDir Path dir;

    @Test
    void aRestartWhosePortWasTakenMeanwhileServesOnAnother() throws Exception {
        try (CohortProcess service = new CohortProcess(dir)) {
            service.start();
            assertThat(service.post("/v1/sources/crm-1/records",
                    "{\"records\": [{\"type\": \"person\", \"id\": \"P1\", \"email\": \"p1@port.example\"}]}").status()).isEqualTo(200);
            service.stop();
            int before = service.port();
            try (ServerSocket taken = new ServerSocket()) {
                taken.bind(new InetSocketAddress("0.0.0.0", before));
                service.start();
                assertThat(service.port()).isNotEqualTo(before);
                assertThat(service.get("/v1/sources/crm-1/records/person/P1").status()).isEqualTo(200);
            }
            assertThat(java.nio.file.Files.readString(dir.resolve("process-2.log"))).contains("Failed to bind");
        }
    }
}
