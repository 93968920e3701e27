package io.cohort.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.poi.ss.usermodel.Row;
import org.apache.poi.ss.usermodel.Sheet;
import org.apache.poi.xssf.usermodel.XSSFWorkbook;
import org.junit.jupiter.api.Test;

/**
 * Decision tables compiled with the shipped rules as the service compiles them: the shipped CSV
 * and the same table as an Excel workbook declare their segments; a table that breaks the sandbox
 * or a cell Drools cannot read is refused at its sheet, row and column, and only that file is blamed.
 */
class DecisionTableTest {
    private final RuleCompiler compiler = new RuleCompiler(Clock.systemUTC());
    private static final Path SHIPPED = Path.of("rules/industry-region-value.csv");

    private CompileResult withShipped(String file, String content) throws Exception {
        Map<String, String> files = new TreeMap<>(TeachingErrorsTest.shipped());
        files.remove("industry-region-value.csv");
        files.put(file, content);
        return compiler.compile(files);
    }

    private static List<List<String>> csvRows() throws Exception {
        var mapper = new com.fasterxml.jackson.dataformat.csv.CsvMapper();
        mapper.enable(com.fasterxml.jackson.dataformat.csv.CsvParser.Feature.WRAP_AS_ARRAY);
        try (com.fasterxml.jackson.databind.MappingIterator<List<String>> it =
                     mapper.readerForListOf(String.class).readValues(Files.readString(SHIPPED))) {
            return it.readAll();
        }
    }

    /** The shipped table as a workbook, its rows on a sheet of that name, with {@code edit} applied to the cells. */
    static String xlsx(String sheetName, java.util.function.Consumer<List<List<String>>> edit) throws Exception {
        List<List<String>> rows = new java.util.ArrayList<>();
        for (List<String> r : csvRows()) rows.add(new java.util.ArrayList<>(r));
        edit.accept(rows);
        try (XSSFWorkbook wb = new XSSFWorkbook(); ByteArrayOutputStream out = new ByteArrayOutputStream()) {
            Sheet s = wb.createSheet(sheetName);
            for (int r = 0; r < rows.size(); r++) {
                Row row = s.createRow(r);
                for (int c = 0; c < rows.get(r).size(); c++) {
                    String v = rows.get(r).get(c);
                    if (v != null && v.startsWith("=")) row.createCell(c).setCellFormula(v.substring(1));
                    else if (v != null && !v.isEmpty()) row.createCell(c).setCellValue(v);
                }
            }
            wb.write(out);
            return Base64.getEncoder().encodeToString(out.toByteArray());
        }
    }

    /**
     * A workbook under the 5 MB limit whose sheet unpacks to far more (an .xlsx is zipped XML): 1 MB
     * of rows far below the table. Read as it was, it took ~18 bytes of heap per byte of XML, twice,
     * in the rule reload (a 2.2 MB one 0.9 GB and 13 s); now it is refused before POI reads it, the
     * shipped segments still compile beside it untouched.
     */
    @Test
    void aWorkbookThatUnpacksPastTheLimitIsRefusedBeforeItIsRead() throws Exception {
        byte[] bytes;
        try (var wb = new org.apache.poi.xssf.streaming.SXSSFWorkbook(500); ByteArrayOutputStream out = new ByteArrayOutputStream()) {
            Sheet s = wb.createSheet("Segments");
            List<List<String>> rows = csvRows();
            for (int r = 0; r < rows.size(); r++) {
                Row row = s.createRow(r);
                for (int c = 0; c < rows.get(r).size(); c++) {
                    String v = rows.get(r).get(c);
                    if (v != null && v.startsWith("=")) row.createCell(c).setCellFormula(v.substring(1));
                    else if (v != null && !v.isEmpty()) row.createCell(c).setCellValue(v);
                }
            }
            for (int r = 100; r < 40_100; r++) {
                Row row = s.createRow(r);
                for (int c = 30; c < 40; c++) row.createCell(c).setCellValue("x");
            }
            wb.write(out);
            bytes = out.toByteArray();
        }
        assertThat(bytes.length).as("under the 5 MB limit of the file itself").isLessThan(DecisionTables.MAX_BYTES);
        CompileResult r = withShipped("segments.xlsx", Base64.getEncoder().encodeToString(bytes));
        assertThat(r.ok()).isFalse();
        assertThat(r.errors()).singleElement().satisfies(m -> {
            assertThat(m.file()).isEqualTo("segments.xlsx");
            assertThat(m.message()).contains("unpacks to more than 16 MB");
        });
    }

    @Test
    void theShippedCsvAndTheSameTableAsAWorkbookDeclareTheirSegments() throws Exception {
        CompileResult csv = withShipped("industry-region-value.csv", Files.readString(SHIPPED));
        assertThat(csv.messages()).isEmpty();
        RuleBook book = csv.ruleBook().orElseThrow();
        assertThat(book.segments()).containsKeys("automotive-emea-1m", "automotive-na-500k", "banking-250k");
        assertThat(book.segment("automotive-emea-1m").orElseThrow().name()).isEqualTo("Automotive in Europe, won over $1M");
        assertThat(book.segment("banking-250k").orElseThrow().files()).containsExactly("industry-region-value.csv");

        CompileResult wb = withShipped("segments.xlsx", xlsx("Segments", rows -> {}));
        assertThat(wb.messages()).isEmpty();
        assertThat(wb.ruleBook().orElseThrow().segment("automotive-na-500k").orElseThrow().files()).containsExactly("segments.xlsx");
    }

    @Test
    void aCellTheSandboxRefusesIsReportedAtItsRowAndColumn() throws Exception {
        // Row 12 (banking), column H (the minimum): code where a number belongs.
        String csv = Files.readString(SHIPPED).replace(",Banking,,250000,", ",Banking,,\"0 || Runtime.getRuntime() != null\",");
        CompileResult r = withShipped("industry-region-value.csv", csv);
        assertThat(r.ok()).isFalse();
        assertThat(r.errors()).hasSize(1);
        RuleMessage m = r.errors().get(0);
        assertThat(m.file()).isEqualTo("industry-region-value.csv");
        assertThat(m.line()).isEqualTo(12);
        assertThat(m.column()).isEqualTo(8);
        assertThat(m.message()).startsWith("row 12, column H (Won in total more than): rule \"Banking anywhere, won over $250k\"")
                .contains("Runtime");
    }

    /**
     * Drools' reader works formulas out (Apache POI) while it reads a workbook: a cell whose formula
     * spans a whole sheet became the segment id "banking-250k196547", and a heavier one would hold
     * the compile. A formula cell is refused at its place, before Drools reads the workbook.
     */
    @Test
    void aFormulaCellIsRefusedAtItsSheetRowAndColumn() throws Exception {
        String wb = xlsx("Segments", rows -> rows.get(11).set(1, "=LOWER(\"BANKING-250K\")&COUNTBLANK(A1:XFD1048576)"));
        CompileResult r = withShipped("segments.xlsx", wb);
        assertThat(r.errors()).singleElement().satisfies(m -> {
            assertThat(m.file()).isEqualTo("segments.xlsx");
            assertThat(m.line()).isEqualTo(12);
            assertThat(m.column()).isEqualTo(2);
            assertThat(m.message()).contains("sheet 'Segments', row 12, column B: a formula (=LOWER(\"BANKING-250K\")&COUNTBLANK(",
                    "type the value itself");
        });
        assertThat(r.ok()).isFalse();
    }

    @Test
    void aTypoInAWorkbookCellNamesTheSheetRowAndColumn() throws Exception {
        String wb = xlsx("Segments", rows -> rows.get(7).set(5, "id == $account, industri != null, industri.startsWith(\"$param\")"));
        CompileResult r = withShipped("segments.xlsx", wb);
        assertThat(r.errors()).hasSize(3).allSatisfy(m -> {
            assertThat(m.file()).isEqualTo("segments.xlsx");
            assertThat(m.column()).isEqualTo(6);
            assertThat(m.message()).contains("sheet 'Segments', row " + m.line() + ", column F (Industry starts with)",
                    "Account has no field 'industri'; did you mean 'industry'?");
        });
        assertThat(r.errors()).extracting(RuleMessage::line).containsExactly(10, 11, 12);
    }

    @Test
    void aTableDroolsCannotReadIsRefusedWithTheCell() throws Exception {
        String csv = Files.readString(SHIPPED).replace("NAME,METADATA,METADATA,CONDITION", "NAME,METADATA,METADATA,CONDITON");
        CompileResult r = withShipped("industry-region-value.csv", csv);
        // Drools would skip the column (and with it every rule's $p : Person()) without a word.
        assertThat(r.errors()).singleElement().satisfies(m -> {
            assertThat(m.file()).isEqualTo("industry-region-value.csv");
            assertThat(m.line()).isEqualTo(6);
            assertThat(m.column()).isEqualTo(4);
            assertThat(m.message()).contains("row 6, column D: 'CONDITON' is not a column type; did you mean 'CONDITION'?");
        });
        String bad = Files.readString(SHIPPED).replace(",\"segmentName(\"\"$param\"\")\",", ",\"segmentName(\"\"$param\"\"\",");
        CompileResult unreadable = withShipped("industry-region-value.csv", bad);
        assertThat(unreadable.ok()).isFalse();
        assertThat(unreadable.errors()).allSatisfy(m -> assertThat(m.file()).isEqualTo("industry-region-value.csv"));

        String noRows = String.join("\n", Files.readString(SHIPPED).lines().limit(9).toList()) + "\n";
        assertThat(withShipped("industry-region-value.csv", noRows).errors()).singleElement()
                .satisfies(m -> assertThat(m.message()).contains("the table holds no rule"));

        CompileResult notATable = withShipped("notes.csv", "segment,owner\nvip,ana\n");
        assertThat(notATable.errors()).singleElement().satisfies(m -> {
            assertThat(m.file()).isEqualTo("notes.csv");
            assertThat(m.message()).contains("no 'RuleTable' cell");
        });
        CompileResult garbage = withShipped("broken.xlsx", Base64.getEncoder().encodeToString("not a workbook".getBytes()));
        assertThat(garbage.errors()).singleElement().satisfies(m -> assertThat(m.message()).contains("not a readable Excel workbook"));
    }
}
