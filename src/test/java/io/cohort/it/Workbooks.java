package io.cohort.it;

import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvParser;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.poi.ss.usermodel.Row;
import org.apache.poi.ss.usermodel.Sheet;
import org.apache.poi.xssf.usermodel.XSSFWorkbook;

/** Excel decision tables for tests, made from the shipped CSV table. */
public final class Workbooks {
    private Workbooks() {}

    /**
     * A workbook (sheet "Retail") with the shipped table's header rows (1–9) and one rule at row 10:
     * segment retail-100k, Retail accounts anywhere that won more than {@code minimum} in total.
     */
    public static byte[] retail(String shippedCsv, String minimum) throws IOException {
        CsvMapper mapper = new CsvMapper();
        mapper.enable(CsvParser.Feature.WRAP_AS_ARRAY);
        List<List<String>> rows = new ArrayList<>();
        try (MappingIterator<List<String>> it = mapper.readerForListOf(String.class).readValues(shippedCsv)) {
            rows.addAll(it.readAll().subList(0, 9));
        }
        rows.add(List.of("Retail anywhere, won over $100k", "retail-100k", "Retail, won over $100k", "x", "x", "Retail", "",
                minimum, "retail-100k"));
        try (XSSFWorkbook wb = new XSSFWorkbook(); ByteArrayOutputStream out = new ByteArrayOutputStream()) {
            Sheet sheet = wb.createSheet("Retail");
            for (int i = 0; i < rows.size(); i++) {
                Row row = sheet.createRow(i);
                for (int c = 0; c < rows.get(i).size(); c++) {
                    if (!rows.get(i).get(c).isEmpty()) row.createCell(c).setCellValue(rows.get(i).get(c));
                }
            }
            wb.write(out);
            return out.toByteArray();
        }
    }
}
