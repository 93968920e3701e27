package io.cohort.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The shaded jar as an operator runs it (failsafe, after package: `mvn verify`). */
class ShadedJarCheck {
    static final Path JAR = Path.of(System.getProperty("cohort.jar", "target/cohort.jar"));

    static String run(String... args) throws IOException, InterruptedException {
        List<String> cmd = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", JAR.toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }

    @Test
    void versionPrintsTheBuildsVersion() throws Exception {
        assertThat(JAR).exists();
        String version = System.getProperty("cohort.version");
        assertThat(version).isNotBlank();
        assertThat(run("--version").strip()).isEqualTo(version);
        assertThat(run("-v").strip()).isEqualTo(version);
    }

    @Test
    void theJarChecksTheShippedRules() throws Exception {
        assertThat(Files.isDirectory(Path.of("rules"))).isTrue();
        assertThat(run("check-rules", "rules")).contains("OK: ").contains("late-stage-deals");
    }
}
