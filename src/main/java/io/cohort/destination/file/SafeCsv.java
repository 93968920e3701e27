package io.cohort.destination.file;

import com.fasterxml.jackson.databind.SequenceWriter;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.util.ArrayList;
import java.util.List;

/**
 * The one CSV writer of Cohort's outputs (audience files, {@code evaluate}), on Jackson CSV:
 * RFC 4180 quoting, a header row, and spreadsheet formula-injection protection (OWASP "CSV
 * Injection"): a value starting with {@code = + - @}, a tab or a carriage return is written with
 * a leading {@code '}, so a spreadsheet shows it as text instead of running it. Emails and ids
 * never start with those characters; a hostile source record's name or email might.
 */
public final class SafeCsv implements AutoCloseable {
    private static final CsvMapper MAPPER = CsvMapper.builder()
            .enable(com.fasterxml.jackson.dataformat.csv.CsvGenerator.Feature.STRICT_CHECK_FOR_QUOTING).build();

    private final SequenceWriter rows;
    private final int columns;

    /** Starts a file on {@code out} with the header row. */
    public SafeCsv(Writer out, List<String> header) throws IOException {
        CsvSchema.Builder schema = CsvSchema.builder().setUseHeader(true);
        header.forEach(schema::addColumn);
        this.rows = MAPPER.writerFor(List.class).with(schema.build()).writeValues(out);
        this.columns = header.size();
    }

    /** One row; {@code null} is an empty cell. */
    public SafeCsv row(Object... values) throws IOException {
        if (values.length != columns) throw new IllegalArgumentException("expected " + columns + " values, got " + values.length);
        List<String> cells = new ArrayList<>(values.length);
        for (Object v : values) cells.add(v == null ? "" : neutralize(v.toString()));
        rows.write(cells);
        return this;
    }

    @Override
    public void close() throws IOException { rows.close(); }

    /** A whole file in memory: the header, then each row. */
    public static String write(List<String> header, List<Object[]> rows) {
        StringWriter out = new StringWriter();
        try (SafeCsv csv = new SafeCsv(out, header)) {
            for (Object[] r : rows) csv.row(r);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a StringWriter does not fail
        }
        return out.toString();
    }

    /** A leading {@code '} for values a spreadsheet would read as a formula. */
    static String neutralize(String v) {
        if (v.isEmpty()) return v;
        char c = v.charAt(0);
        return c == '=' || c == '+' || c == '-' || c == '@' || c == '\t' || c == '\r' ? "'" + v : v;
    }
}
