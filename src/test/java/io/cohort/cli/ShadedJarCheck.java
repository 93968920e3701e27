package io.cohort.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.reliability.ChildJvm;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shaded jar as an operator runs it (`mvn verify` builds it before the tests and names it:
 * -Dcohort.jar). The JVM runs it C1-only and with the service children's class-data archive
 * (ChildJvm): JVM flags an operator may choose too, which change nothing the checks look at and
 * take the four starts from ~44 to ~20 s of CPU.
 */
class ShadedJarCheck {
    static final Path JAR = Path.of(System.getProperty("cohort.jar", "target/cohort.jar"));

    /** {@code java}, its flags and {@code -jar} {@link #JAR}. */
    static List<String> java() {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1"));
        cmd.addAll(ChildJvm.jar(JAR));
        return cmd;
    }

    static String run(String... args) throws IOException, InterruptedException {
        List<String> cmd = java();
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

    /**
     * The shipped config.yml on a fresh database, with a secret token: the start prints no
     * warning at all (the logback-access version check printed two on every start).
     */
    @Test
    void theServerStartsWithoutAWarning(@TempDir Path dir) throws Exception {
        List<String> cmd = java();
        cmd.addAll(List.of("server", "config.yml"));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().putAll(Map.of("COHORT_PORT", "0", "COHORT_ADMIN_PORT", "0", "COHORT_TOKEN", "a-secret-for-this-check",
                "COHORT_DB_URL", "jdbc:h2:file:" + dir.resolve("cohort") + ";MODE=PostgreSQL",
                "COHORT_GRAPH_SNAPSHOT", dir.resolve("graph.snapshot").toString(), "COHORT_OUT", dir.resolve("out").toString()));
        Process p = pb.start();
        List<String> lines = new ArrayList<>();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            // Both: the engine is ready, and Jetty has started everything (the request log last).
            for (String line; System.nanoTime() < deadline && (line = out.readLine()) != null; ) {
                lines.add(line);
                if (line.contains("start-up failed")) break;
                if (lines.stream().anyMatch(l -> l.contains("start-up: ready")) && lines.stream().anyMatch(l -> l.contains("Started oejs.Server"))) break;
            }
        } finally {
            p.destroy();
            p.waitFor(30, TimeUnit.SECONDS);
        }
        assertThat(lines).anyMatch(l -> l.contains("start-up: ready")).anyMatch(l -> l.contains("Started oejs.Server"));
        assertThat(lines).noneMatch(l -> l.startsWith("WARN") || l.startsWith("ERROR") || l.contains("|-WARN") || l.contains("|-ERROR"));
    }

    @Test
    void theJarChecksTheShippedRules() throws Exception {
        assertThat(Files.isDirectory(Path.of("rules"))).isTrue();
        assertThat(run("check-rules", "rules")).contains("OK: ").contains("late-stage-deals");
    }
}
