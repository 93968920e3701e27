package io.cohort.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Instants of the common form ({@code 2026-11-02T10:15:00Z}) are read without the formatter;
 * whatever the text, the reading must be the formatter's: the same instant, or none.
 */
class InstantReadingTest {
    static Instant formatter(String s) {
        try {
            return OffsetDateTime.parse(s).toInstant();
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    static void same(String s) {
        assertThat(FieldReader.parseInstant(s)).as(s).isEqualTo(formatter(s));
    }

    @Test
    void edgesReadAsTheFormatterReadsThem() {
        for (String s : new String[] {"2026-11-02T10:15:00Z", "2024-02-29T00:00:00Z", "2023-02-29T00:00:00Z", "2100-02-29T12:00:00Z",
                "2000-02-29T23:59:59Z", "2026-04-31T00:00:00Z", "2026-12-31T23:59:59Z", "2026-13-01T00:00:00Z", "2026-00-10T00:00:00Z",
                "2026-01-00T00:00:00Z", "2026-01-01T24:00:00Z", "2026-01-01T23:60:00Z", "2026-01-01T23:59:60Z", "0000-01-01T00:00:00Z",
                "9999-12-31T23:59:59Z", "1899-12-31T23:59:59Z", "2026-11-02t10:15:00Z", "2026-11-02T10:15:00z", "2026-11-02 10:15:00Z",
                "2026-11-02T10:15:0aZ", "2026-1a-02T10:15:00Z", "2026-11-02T10:15:00.5Z", "2026-11-02T10:15Z", "2026-11-02T10:15:00+01:00",
                "+2026-11-02T10:15:00Z", "2026-11-02T10:15:00", "\u0662\u0660\u0662\u0666-11-02T10:15:00Z", "2026-11-02T10:15:00Z ",
                "-026-11-02T10:15:00Z", "2026-11-02T-1:15:00Z", "2026/11/02T10:15:00Z", ""}) {
            same(s);
        }
    }

    @Test
    void randomTextsOfTheFormReadAsTheFormatterReadsThem() {
        Random r = new Random(11);
        String chars = "0123456789-:TZ+.tz ";
        for (int n = 0; n < 200_000; n++) {
            char[] c = String.format("%04d-%02d-%02dT%02d:%02d:%02dZ", r.nextInt(10_000), r.nextInt(14), r.nextInt(33),
                    r.nextInt(26), r.nextInt(62), r.nextInt(62)).toCharArray();
            if (r.nextInt(4) == 0) c[r.nextInt(c.length)] = chars.charAt(r.nextInt(chars.length()));
            same(new String(c));
        }
    }
}
