package io.cohort.engine;

import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvParser;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.poi.ss.usermodel.Cell;
import org.apache.poi.ss.usermodel.DataFormatter;
import org.apache.poi.ss.usermodel.Row;
import org.apache.poi.ss.usermodel.Sheet;
import org.apache.poi.ss.usermodel.Workbook;
import org.apache.poi.ss.usermodel.WorkbookFactory;
import org.drools.decisiontable.InputType;
import org.drools.decisiontable.SpreadsheetCompiler;

/**
 * Segments authored as spreadsheet decision tables ({@code .csv}, {@code .xlsx} in the rules
 * directory), turned into DRL by Drools' own {@link SpreadsheetCompiler}. The DRL is then checked
 * by the same sandbox as a hand-written file and compiled with the others; nothing of a table
 * reaches Drools without passing the allow-list. Messages about the generated DRL are moved back to
 * the table: sheet, row and column of the cell that produced the offending line.
 *
 * <p>A {@code .xlsx} file travels through the rule set as Base64 text (the rule set is text
 * throughout: hashed, stored as the last good set, compared on reload).
 */
final class DecisionTables {
    /** Spreadsheets are read whole: this bounds what an upload can make the service parse. */
    static final int MAX_BYTES = 5 * 1024 * 1024;
    /**
     * What a workbook's parts may inflate to, together. An .xlsx is a zip of XML that POI reads
     * into objects at ~18 bytes of heap per byte of XML, twice (the cells here, then Drools'
     * compiler): a 2.2 MB workbook of 100,000 rows inflated to 51 MB and took 0.9 GB of heap and
     * 13 s of a rule reload; a 5 MB one could take the service down. 16 MB of XML is some 300,000
     * filled cells, far beyond a table anyone edits by hand.
     */
    static final long MAX_INFLATED = 16L << 20;
    /** Parts of a workbook: a few per sheet. */
    static final int MAX_PARTS = 1_000;
    private static final Pattern RULE_AT = Pattern.compile("^\\s*// rule values at ([A-Z]+)(\\d+), header at ([A-Z]+)(\\d+)");
    private static final Pattern CELL = Pattern.compile("\\b([A-Z]{1,3})(\\d{1,7})\\b");

    private DecisionTables() {}

    static boolean isTable(String file) {
        String f = file.toLowerCase(Locale.ROOT);
        return f.endsWith(".csv") || f.endsWith(".xlsx");
    }

    /**
     * A converted table.
     *
     * @param drl     the generated DRL, or null when the table could not be read
     * @param errors  why it could not be read, at sheet/row/column
     * @param rowOf   generated DRL line (1-based index) → the table row its rule came from (0: none)
     * @param sheets  the table's cells, per sheet, to find the column of a generated line
     */
    record Table(String file, String drl, List<RuleMessage> errors, int[] rowOf, List<SheetCells> sheets) {

        /** A message about the generated DRL, pointed at the cell it came from. */
        RuleMessage locate(RuleMessage m) {
            if (drl == null || m.line() <= 0 || m.line() >= rowOf.length || rowOf[m.line()] == 0) {
                return new RuleMessage(m.level(), file, 0, 0, m.message());
            }
            int row = rowOf[m.line()];
            String generated = drl.split("\n", -1)[m.line() - 1];
            SheetCells at = null;
            int col = 0;
            for (SheetCells s : sheets) {
                if (row > s.rows().size()) continue;
                int c = columnOf(s.rows().get(row - 1), generated, m.column());
                if (at == null || col == 0 && c > 0) {
                    at = s;
                    col = c;
                }
            }
            if (at != null) {
                String where = (at.name() == null ? "" : "sheet '" + at.name() + "', ") + "row " + row
                        + (col > 0 ? ", column " + columnName(col) + header(at, row, col) : "");
                return new RuleMessage(m.level(), file, row, col, where + ": " + m.message());
            }
            return new RuleMessage(m.level(), file, row, 0, "row " + row + ": " + m.message());
        }
    }

    /** The text of every cell of one sheet (null name for a CSV file). */
    record SheetCells(String name, List<List<String>> rows) {}

    static Table convert(String file, String content) {
        boolean xlsx = file.toLowerCase(Locale.ROOT).endsWith(".xlsx");
        byte[] bytes;
        try {
            bytes = xlsx ? Base64.getMimeDecoder().decode(content) : content.getBytes(StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return failed(file, 0, 0, "not a spreadsheet: the .xlsx content could not be decoded");
        }
        if (bytes.length > MAX_BYTES) {
            return failed(file, 0, 0, "the table has " + bytes.length + " bytes; decision tables are limited to " + MAX_BYTES);
        }
        String inflated = xlsx ? inflatesTooMuch(bytes) : null;
        if (inflated != null) return failed(file, 0, 0, inflated);
        List<SheetCells> sheets;
        try {
            sheets = xlsx ? workbookCells(bytes) : List.of(new SheetCells(null, csvCells(content)));
        } catch (FormulaCell f) {
            return failed(file, f.row, f.column, "sheet '" + f.sheet + "', row " + f.row + ", column " + columnName(f.column)
                    + ": a formula (=" + (f.formula.length() > 40 ? f.formula.substring(0, 37) + "..." : f.formula)
                    + "); type the value itself: Drools would work formulas out while it reads the table, where one "
                    + "over a whole sheet's range holds the compile for minutes");
        } catch (Exception | StackOverflowError e) {
            return failed(file, 0, 0, "not a readable " + (xlsx ? "Excel workbook (.xlsx)" : "CSV file") + ": " + e.getMessage());
        }
        if (sheets.stream().noneMatch(s -> s.rows().stream().anyMatch(r -> r.stream().anyMatch(c -> c.strip().startsWith("RuleTable"))))) {
            return failed(file, 0, 0, "no 'RuleTable' cell: a decision table starts with RuleSet, Import and a 'RuleTable <name>' "
                    + "row (rules/README.md §12)");
        }
        Table headerError = checkHeaders(file, sheets);
        if (headerError != null) return headerError;
        String drl;
        try (InputStream in = new ByteArrayInputStream(bytes)) {
            drl = new SpreadsheetCompiler().compile(in, xlsx ? InputType.XLS : InputType.CSV);
        } catch (Exception | StackOverflowError e) {
            return parseError(file, e, sheets);
        }
        if (!hasRuleRows(sheets)) {
            return failed(file, 0, 0, "the table holds no rule: below the column labels, each row with a value is a rule "
                    + "(rules/README.md §12)");
        }
        return new Table(file, drl, List.of(), rows(drl), sheets);
    }

    /** Whether a row below some table's column labels (four rows under its RuleTable cell) holds a value. */
    private static boolean hasRuleRows(List<SheetCells> sheets) {
        for (SheetCells s : sheets) {
            for (int r = 0; r < s.rows().size(); r++) {
                if (s.rows().get(r).stream().noneMatch(c -> c.strip().startsWith("RuleTable"))) continue;
                int first = r + 5;
                if (first < s.rows().size() && s.rows().get(first).stream().anyMatch(c -> !c.isBlank())) return true;
            }
        }
        return false;
    }

    /** Column types Drools knows (its ActionType codes and their short forms); an unknown one it skips silently. */
    private static final List<String> COLUMN_TYPES = List.of("CONDITION", "ACTION", "NAME", "DESCRIPTION", "METADATA",
            "PRIORITY", "SALIENCE", "ENABLED", "DURATION", "TIMER", "CALENDARS", "NO-LOOP", "LOCK-ON-ACTIVE", "AUTO-FOCUS",
            "ACTIVATION-GROUP", "AGENDA-GROUP", "RULEFLOW-GROUP", "DATE-EFFECTIVE", "DATE-EXPIRES");
    private static final List<String> SHORT_TYPES = List.of("C", "A", "N", "I", "@", "P", "E", "D", "T", "R", "U", "L", "F",
            "X", "G", "B", "V", "Z");

    /**
     * The row under each RuleTable cell names the columns' types. Drools skips a column whose type
     * it does not know, so a typo ("CONDITON") would silently drop a condition from every rule.
     */
    private static Table checkHeaders(String file, List<SheetCells> sheets) {
        for (SheetCells s : sheets) {
            for (int r = 0; r + 1 < s.rows().size(); r++) {
                List<String> row = s.rows().get(r);
                for (int c = 0; c < row.size(); c++) {
                    if (!row.get(c).strip().startsWith("RuleTable")) continue;
                    List<String> types = s.rows().get(r + 1);
                    for (int k = c; k < types.size(); k++) {
                        String t = types.get(k).strip();
                        String u = t.toUpperCase(Locale.ROOT);
                        if (t.isEmpty() || COLUMN_TYPES.contains(u) || SHORT_TYPES.contains(u)) continue;
                        String sheet = s.name() == null ? "" : "sheet '" + s.name() + "', ";
                        return failed(file, r + 2, k + 1, sheet + "row " + (r + 2) + ", column " + columnName(k + 1) + ": '"
                                + (t.length() > 40 ? t.substring(0, 37) + "..." : t) + "' is not a column type"
                                + io.cohort.engine.sandbox.FactCatalog.suggest(u, COLUMN_TYPES)
                                + "; a decision table's columns are " + String.join(", ", COLUMN_TYPES.subList(0, 6)));
                    }
                }
            }
        }
        return null;
    }

    private static Table failed(String file, int row, int col, String message) {
        return new Table(file, null, List.of(RuleMessage.error(file, row, col, message)), new int[0], List.of());
    }

    /** Drools names the cell at fault ("… in cell C7"): report it there. */
    private static Table parseError(String file, Throwable e, List<SheetCells> sheets) {
        String msg = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        for (Throwable c = e.getCause(); c != null && c != c.getCause(); c = c.getCause()) {
            if (c.getMessage() != null && !msg.contains(c.getMessage())) msg = msg + ": " + c.getMessage();
        }
        Matcher m = CELL.matcher(msg);
        int row = 0;
        int col = 0;
        if (m.find()) {
            col = columnNumber(m.group(1));
            row = Integer.parseInt(m.group(2));
        }
        String sheet = sheets.size() == 1 || sheets.isEmpty() || sheets.get(0).name() == null ? ""
                : "sheet '" + sheets.get(0).name() + "', ";
        String where = row > 0 ? sheet + "row " + row + ", column " + columnName(col) + ": " : "";
        return failed(file, row, col, where + "the decision table cannot be read: " + msg.strip());
    }

    /** Generated line → table row, from the "// rule values at A9, header at A4" comment above each rule. */
    private static int[] rows(String drl) {
        String[] lines = drl.split("\n", -1);
        int[] out = new int[lines.length + 1];
        int row = 0;
        for (int i = 0; i < lines.length; i++) {
            Matcher m = RULE_AT.matcher(lines[i]);
            if (m.find()) row = Integer.parseInt(m.group(2));
            else if (lines[i].strip().equals("end")) {
                out[i + 1] = row;
                row = 0;
                continue;
            }
            out[i + 1] = row;
        }
        return out;
    }

    /**
     * The column of the cell whose text the generated line holds at, or nearest before, the
     * message's column; 0 when none. Marker cells ("x", "true") are not text of the line.
     */
    private static int columnOf(List<String> cells, String generated, int column) {
        int best = 0;
        int bestAt = -1;
        int first = 0;
        for (int c = 0; c < cells.size(); c++) {
            String v = cells.get(c).strip();
            if (v.length() < 2 || v.equalsIgnoreCase("true")) continue;
            for (int at = generated.indexOf(v); at >= 0; at = generated.indexOf(v, at + 1)) {
                if (first == 0) first = c + 1;
                if (column > 0 && at + 1 <= column && at > bestAt) {
                    best = c + 1;
                    bestAt = at;
                }
            }
        }
        return best > 0 ? best : first;
    }

    /** " (Industry)": the column's label, in the fourth row below its table's RuleTable cell. */
    private static String header(SheetCells s, int row, int col) {
        for (int r = row - 1; r >= 1; r--) {
            if (s.rows().get(r - 1).stream().noneMatch(c -> c.strip().startsWith("RuleTable"))) continue;
            int label = r + 4;
            if (label >= row || label > s.rows().size()) return "";
            List<String> cells = s.rows().get(label - 1);
            return col <= cells.size() && !cells.get(col - 1).isBlank() ? " (" + cells.get(col - 1).strip() + ")" : "";
        }
        return "";
    }

    static String columnName(int col) {
        StringBuilder b = new StringBuilder();
        for (int c = col; c > 0; c = (c - 1) / 26) b.insert(0, (char) ('A' + (c - 1) % 26));
        return b.toString();
    }

    private static int columnNumber(String name) {
        int n = 0;
        for (char ch : name.toCharArray()) n = n * 26 + (ch - 'A' + 1);
        return n;
    }

    private static List<List<String>> csvCells(String text) throws java.io.IOException {
        CsvMapper mapper = new CsvMapper();
        mapper.enable(CsvParser.Feature.WRAP_AS_ARRAY);
        List<List<String>> out = new ArrayList<>();
        try (MappingIterator<List<String>> it = mapper.readerForListOf(String.class).readValues(text)) {
            while (it.hasNext()) out.add(it.next());
        }
        return out;
    }

    /**
     * Why the workbook is refused before it is read, or null: its parts inflate past
     * {@link #MAX_INFLATED}, or it has more than {@link #MAX_PARTS}. Counted while inflating, not
     * taken from the sizes the zip declares (they can lie). A workbook that is not a zip is left
     * for POI to report.
     */
    static String inflatesTooMuch(byte[] bytes) {
        long total = 0;
        int parts = 0;
        byte[] buf = new byte[64 * 1024];
        try (var zip = new org.apache.commons.compress.archivers.zip.ZipArchiveInputStream(new ByteArrayInputStream(bytes),
                StandardCharsets.UTF_8.name(), true, true)) {
            while (zip.getNextEntry() != null) {
                if (++parts > MAX_PARTS) return "the workbook has more than " + MAX_PARTS + " parts; a decision table needs a few";
                for (int n; (n = zip.read(buf)) > 0; ) {
                    total += n;
                    if (total > MAX_INFLATED) {
                        return "the workbook unpacks to more than " + (MAX_INFLATED >> 20) + " MB of sheet data (it is a zip of "
                                + "XML); decision tables are limited to that, some 300,000 filled cells: split the table, or "
                                + "remove rows and formatting far below it";
                    }
                }
            }
        } catch (java.io.IOException e) {
            return null; // not a zip, or a broken one: POI says so with its own words
        }
        return null;
    }

    /** A workbook cell holding a formula: refused, as Drools' reader evaluates formulas (Apache POI) whatever they cost. */
    private static final class FormulaCell extends Exception {
        final String sheet;
        final int row;
        final int column;
        final String formula;

        FormulaCell(String sheet, int row, int column, String formula) {
            super(null, null, false, false);
            this.sheet = sheet;
            this.row = row;
            this.column = column;
            this.formula = formula;
        }
    }

    private static List<SheetCells> workbookCells(byte[] bytes) throws java.io.IOException, FormulaCell {
        List<SheetCells> out = new ArrayList<>();
        DataFormatter format = new DataFormatter();
        try (Workbook wb = WorkbookFactory.create(new ByteArrayInputStream(bytes))) {
            for (Sheet sheet : wb) {
                List<List<String>> rows = new ArrayList<>();
                for (int r = 0; r <= sheet.getLastRowNum(); r++) {
                    Row row = sheet.getRow(r);
                    List<String> cells = new ArrayList<>();
                    if (row != null) {
                        for (int c = 0; c < Math.max(0, row.getLastCellNum()); c++) {
                            Cell cell = row.getCell(c);
                            if (cell != null && cell.getCellType() == org.apache.poi.ss.usermodel.CellType.FORMULA) {
                                throw new FormulaCell(sheet.getSheetName(), r + 1, c + 1, cell.getCellFormula());
                            }
                            cells.add(cell == null ? "" : format.formatCellValue(cell));
                        }
                    }
                    rows.add(cells);
                }
                out.add(new SheetCells(sheet.getSheetName(), rows));
            }
        }
        return out;
    }
}
