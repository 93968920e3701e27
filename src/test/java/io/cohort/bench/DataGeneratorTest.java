package io.cohort.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The benchmark's generator is deterministic and shaped like the seed (figures are in the bench). */
class DataGeneratorTest {
    private static final Instant NOW = Instant.parse("2026-11-25T00:00:00Z");

    @Test
    void sameSeedSameCompanyWhateverTheScale() {
        var a = new DataGenerator(42, NOW).company(17);
        var b = new DataGenerator(42, NOW).company(17);
        assertThat(a.bySource().toString()).isEqualTo(b.bySource().toString());
        assertThat(new DataGenerator(43, NOW).company(17).bySource().toString()).isNotEqualTo(a.bySource().toString());
    }

    @Test
    void shapeOverManyCompanies() {
        var g = new DataGenerator(42, NOW);
        int people = 0;
        long events = 0;
        long copies = 0;
        long links = 0;
        for (int c = 0; c < 200; c++) {
            var co = g.company(c);
            people += co.people();
            for (var recs : co.bySource().values()) {
                for (var n : recs) {
                    String type = n.get("type").asText();
                    if (type.equals("event")) events++;
                    if (n.has("sameAs")) copies++;
                    if (type.equals("accountLink")) links++;
                }
            }
            assertThat(co.bySource().entrySet().stream().filter(e -> !e.getKey().equals("mdm") && e.getValue().stream()
                    .anyMatch(n -> n.get("type").asText().equals("account"))).count()).isBetween(2L, 4L);
        }
        assertThat(people / 200.0).isBetween(9.0, 11.0);
        assertThat(events / (double) people).isBetween(18.0, 22.0);
        assertThat(copies).isGreaterThan(200);
        assertThat(links).isBetween(20L, 80L);
    }
}
