package io.cohort.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.destination.file.SafeCsvTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code evaluate}'s CSV files go through the same writer as the file destination (SafeCsv): a
 * source record whose email a spreadsheet would run as a formula is written as text. Emails that
 * pass validation can start with {@code = + -} (a leading tab or CR is trimmed, a leading
 * {@code @} refused), so those are what a hostile source can reach the CLI's files with.
 */
class CsvInjectionIT {
    @TempDir Path tmp;

    @Test
    void evaluateWritesFormulaLikeEmailsAsText() throws Exception {
        Path data = tmp.resolve("data");
        Files.createDirectories(data);
        try (var files = Files.list(CommandsIT.DATA)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".json")).toList()) {
                Files.writeString(data.resolve(f.getFileName()), Files.readString(f)
                        .replace("p2@townsend.com", "=cmd|'/c_calc'!a0+p2@townsend.com")
                        .replace("p1@townsend.com", "+p1@townsend.com")
                        .replace("p3@townsend.com", "-p3@townsend.com"));
            }
        }
        Path cfg = tmp.resolve("config.yml");
        Files.writeString(cfg, Files.readString(Path.of("src/test/resources/test-config.yml"))
                .replace("rulesDirectory: rules", "rulesDirectory: " + Path.of("rules").toAbsolutePath()));
        Path out = tmp.resolve("out");
        CommandsIT.Run r = CommandsIT.cli("evaluate", cfg.toString(), data.toString(), "--out", out.toString(),
                "--now", "2026-11-25T00:00:00Z");
        assertThat(r.failure()).as(r.toString()).isEmpty();

        List<List<String>> hv = SafeCsvTest.parse(Files.readString(out.resolve("high-value-new-product.csv")));
        assertThat(hv).hasSize(2);
        assertThat(hv.get(1).get(1)).isEqualTo("'=cmd|'/c_calc'!a0+p2@townsend.com");
        List<String> cells = new java.util.ArrayList<>();
        try (var files = Files.list(out)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".csv")).toList()) {
                SafeCsvTest.parse(Files.readString(f)).stream().skip(1).forEach(cells::addAll);
            }
        }
        assertThat(cells).contains("'+p1@townsend.com", "'-p3@townsend.com");
        assertThat(cells).noneMatch(c -> !c.isEmpty() && "=+-@\t\r".indexOf(c.charAt(0)) >= 0);
        // The JSON Lines file keeps the value as it is: JSON is not run by spreadsheets.
        assertThat(Files.readString(out.resolve("high-value-new-product.jsonl"))).contains("\"email\":\"=cmd|'/c_calc'!a0+p2@townsend.com\"");
    }
}
