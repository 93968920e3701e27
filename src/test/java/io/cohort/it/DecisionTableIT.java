package io.cohort.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvParser;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.apache.poi.ss.usermodel.Row;
import org.apache.poi.ss.usermodel.Sheet;
import org.apache.poi.xssf.usermodel.XSSFWorkbook;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Decision tables on the running app, hot-reloaded by the rules watcher like DRL: the shipped
 * table qualifies a bank's CFO; raising its minimum in the file takes them out; a broken cell is
 * refused at its row and column while the running rules keep serving; an Excel workbook dropped
 * into rules/ adds its segment.
 */
class DecisionTableIT {
    @TempDir Path tmp;

    @Test
    void tablesAreLiveEditedRefusedAtTheirCellAndAddedAsWorkbooks() throws Exception {
        try (CohortApp app = new CohortApp(tmp)) {
            app.start();
            var r = app.post("/v1/sources/generic/records", "application/json", """
                    {"records":[
                     {"type":"account","id":"BK","name":"Harbor Bank","industry":"Banking","country":"SG"},
                     {"type":"account","id":"RT","name":"Corner Shops","industry":"Retail","country":"GB"},
                     {"type":"person","id":"1","email":"cfo@harbor.example"},
                     {"type":"person","id":"2","email":"buyer@corner.example"},
                     {"type":"accountPerson","accountId":"BK","personId":"1"},
                     {"type":"accountPerson","accountId":"RT","personId":"2"},
                     {"type":"opportunity","id":"O1","accountId":"BK","amount":300000,"stage":"Closed Won","isWon":true,"isClosed":true},
                     {"type":"opportunity","id":"O2","accountId":"RT","amount":150000,"stage":"Closed Won","isWon":true,"isClosed":true}
                    ]}""");
            assertThat(r.status()).as(r.toString()).isEqualTo(200);
            app.settle();
            assertThat(members(app, "banking-250k")).containsExactly("cfo@harbor.example");

            Path table = app.rules.resolve("industry-region-value.csv");
            String shipped = Files.readString(table);
            String version = app.get("/v1/rules").json().get("activeVersion").asText();
            Files.writeString(table, shipped.replace(",Banking,,250000,", ",Banking,,500000,"));
            await(() -> !app.get("/v1/rules").json().get("activeVersion").asText().equals(version));
            app.settle();
            assertThat(members(app, "banking-250k")).isEmpty();

            String applied = app.get("/v1/rules").json().get("activeVersion").asText();
            Files.writeString(table, shipped.replace(",Banking,,250000,", ",Banking,,\"250000; insert(null)\","));
            await(() -> app.get("/v1/rules").json().get("lastReloadFailed").asBoolean());
            JsonNode rules = app.get("/v1/rules").json();
            assertThat(rules.get("activeVersion").asText()).isEqualTo(applied);
            JsonNode error = rules.get("messages").get(0);
            assertThat(error.get("file").asText()).isEqualTo("industry-region-value.csv");
            assertThat(error.get("line").asInt()).isEqualTo(12);
            assertThat(error.get("column").asInt()).isEqualTo(8);
            assertThat(error.get("message").asText()).startsWith("row 12, column H (Won in total more than)");

            Files.writeString(table, shipped);
            try (OutputStream out = Files.newOutputStream(app.rules.resolve("retail.xlsx"))) {
                workbook(shipped).write(out);
            }
            await(() -> app.get("/v1/segments/retail-100k").status() == 200);
            app.settle();
            assertThat(app.get("/v1/rules").json().get("lastReloadFailed").asBoolean()).isFalse();
            assertThat(members(app, "retail-100k")).containsExactly("buyer@corner.example");
            assertThat(members(app, "banking-250k")).containsExactly("cfo@harbor.example");
        }
    }

    /** The shipped table's header with one row of its own: retail anywhere, won over $100k. */
    private static XSSFWorkbook workbook(String shippedCsv) throws Exception {
        CsvMapper mapper = new CsvMapper();
        mapper.enable(CsvParser.Feature.WRAP_AS_ARRAY);
        List<List<String>> rows = new ArrayList<>();
        try (MappingIterator<List<String>> it = mapper.readerForListOf(String.class).readValues(shippedCsv)) {
            rows.addAll(it.readAll().subList(0, 9));
        }
        rows.add(List.of("Retail anywhere, won over $100k", "retail-100k", "Retail, won over $100k", "x", "x", "Retail", "",
                "100000", "retail-100k"));
        XSSFWorkbook wb = new XSSFWorkbook();
        Sheet sheet = wb.createSheet("Retail");
        for (int i = 0; i < rows.size(); i++) {
            Row row = sheet.createRow(i);
            for (int c = 0; c < rows.get(i).size(); c++) {
                if (!rows.get(i).get(c).isEmpty()) row.createCell(c).setCellValue(rows.get(i).get(c));
            }
        }
        return wb;
    }

    private static List<String> members(CohortApp app, String segment) {
        var r = app.get("/v1/segments/" + segment + "/members");
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        List<String> out = new ArrayList<>();
        r.json().get("members").forEach(m -> out.add(m.get("email").asText()));
        return out;
    }

    private static void await(Supplier<Boolean> condition) throws InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!condition.get()) {
            assertThat(System.nanoTime()).as("waited 30 s for the rules watcher").isLessThan(end);
            Thread.sleep(100);
        }
    }
}
