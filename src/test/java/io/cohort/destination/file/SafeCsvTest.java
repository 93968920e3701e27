package io.cohort.destination.file;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvParser;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Formula injection (OWASP "CSV Injection") and RFC 4180 quoting, read back by a CSV parser. */
public class SafeCsvTest {
    public static List<List<String>> parse(String csv) throws Exception {
        CsvMapper m = new CsvMapper().enable(CsvParser.Feature.WRAP_AS_ARRAY);
        try (MappingIterator<List<String>> it = m.readerForListOf(String.class).readValues(csv)) {
            return it.readAll();
        }
    }

    @Test
    void valuesASpreadsheetWouldRunAreWrittenAsText() throws Exception {
        String csv = SafeCsv.write(List.of("id", "value"), List.of(
                new Object[] {"1", "=HYPERLINK(\"http://evil\",\"x\")"},
                new Object[] {"2", "+1+cmd|' /C calc'!A0"},
                new Object[] {"3", "-2+3"},
                new Object[] {"4", "@SUM(A1:A2)"},
                new Object[] {"5", "\t=1+1"},
                new Object[] {"6", "\r=1+1"},
                new Object[] {"7", "p2@townsend.com"},
                new Object[] {"8", "a,b \"quoted\"\nsecond line"},
                new Object[] {"9", null}));
        assertThat(parse(csv)).containsExactly(
                List.of("id", "value"),
                List.of("1", "'=HYPERLINK(\"http://evil\",\"x\")"),
                List.of("2", "'+1+cmd|' /C calc'!A0"),
                List.of("3", "'-2+3"),
                List.of("4", "'@SUM(A1:A2)"),
                List.of("5", "'\t=1+1"),
                List.of("6", "'\r=1+1"),
                List.of("7", "p2@townsend.com"),
                List.of("8", "a,b \"quoted\"\nsecond line"),
                List.of("9", ""));
        assertThat(csv).startsWith("id,value\n1,\"'=HYPERLINK(\"\"http://evil\"\",\"\"x\"\")\"\n");
    }
}
