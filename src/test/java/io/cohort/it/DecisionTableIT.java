package io.cohort.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
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

    /** A bank whose CFO won $300k, and a retailer whose buyer won $150k. */
    static final String BANK = """
            {"type":"account","id":"BK","name":"Harbor Bank","industry":"Banking","country":"SG"},
            {"type":"person","id":"1","email":"cfo@harbor.example"},
            {"type":"accountPerson","accountId":"BK","personId":"1"},
            {"type":"opportunity","id":"O1","accountId":"BK","amount":300000,"stage":"Closed Won","isWon":true,"isClosed":true}""";
    static final String RETAIL = """
            {"type":"account","id":"RT","name":"Corner Shops","industry":"Retail","country":"GB"},
            {"type":"person","id":"2","email":"buyer@corner.example"},
            {"type":"accountPerson","accountId":"RT","personId":"2"},
            {"type":"opportunity","id":"O2","accountId":"RT","amount":150000,"stage":"Closed Won","isWon":true,"isClosed":true}""";

    private static void startWith(CohortApp app, String records) throws Exception {
        app.start();
        var r = app.post("/v1/sources/generic/records", "application/json", "{\"records\":[" + records + "]}");
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        app.settle();
    }

    @Test
    void tablesAreLiveEditedRefusedAtTheirCellAndAddedAsWorkbooks() throws Exception {
        try (CohortApp app = new CohortApp(tmp)) {
            startWith(app, BANK + "," + RETAIL);
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
            Files.write(app.rules.resolve("retail.xlsx"), Workbooks.retail(shipped, "100000"));
            await(() -> app.get("/v1/segments/retail-100k").status() == 200);
            app.settle();
            assertThat(app.get("/v1/rules").json().get("lastReloadFailed").asBoolean()).isFalse();
            assertThat(members(app, "retail-100k")).containsExactly("buyer@corner.example");
            assertThat(members(app, "banking-250k")).containsExactly("cfo@harbor.example");
        }
    }

    /**
     * An analyst checks a table before dropping it into rules/: validate and preview take CSV
     * text and a workbook's bytes, answer errors at their row and column, and apply nothing.
     */
    @Test
    void tablesAreValidatedAndPreviewedBeforeTheyAreDroppedIn() throws Exception {
        try (CohortApp app = new CohortApp(tmp)) {
            startWith(app, RETAIL);
            String shipped = Files.readString(app.rules.resolve("industry-region-value.csv"));
            String retail = String.join("\n", shipped.lines().limit(9).toList())
                    + "\n\"Retail anywhere, won over $100k\",retail-100k,\"Retail, won over $100k\",x,x,Retail,,100000,retail-100k\n";

            var valid = app.post("/v1/rules/validate?file=retail.csv", "text/csv", retail);
            assertThat(valid.status()).as(valid.toString()).isEqualTo(200);
            assertThat(valid.json().get("segments").findValuesAsText("id")).containsExactly("retail-100k");
            var broken = app.post("/v1/rules/validate?file=retail.csv", "text/csv", retail.replace(",100000,", ",\"100000; insert(null)\","));
            assertThat(broken.status()).as(broken.toString()).isEqualTo(422);
            JsonNode error = broken.json().get("messages").get(0);
            assertThat(error.get("file").asText()).isEqualTo("retail.csv");
            assertThat(error.get("line").asInt()).isEqualTo(10);
            assertThat(error.get("column").asInt()).isEqualTo(8);

            var csvPreview = app.post("/v1/rules/preview?file=retail.csv", "text/csv", retail);
            assertThat(csvPreview.status()).as(csvPreview.toString()).isEqualTo(200);
            assertThat(csvPreview.json().get("segments").get(0).get("count").asInt()).isEqualTo(1);
            assertThat(csvPreview.json().get("segments").get(0).get("sample").findValuesAsText("email")).containsExactly("buyer@corner.example");

            byte[] xlsx = Workbooks.retail(shipped, "100000");
            var bookPreview = postBytes(app, "/v1/rules/preview?file=retail.xlsx", xlsx);
            assertThat(bookPreview.statusCode()).as(bookPreview.body()).isEqualTo(200);
            assertThat(bookPreview.body()).contains("\"id\":\"retail-100k\"", "\"count\":1", "buyer@corner.example");
            var bookValid = postBytes(app, "/v1/rules/validate?file=retail.xlsx", xlsx);
            assertThat(bookValid.statusCode()).as(bookValid.body()).isEqualTo(200);
            var notABook = postBytes(app, "/v1/rules/validate?file=retail.xlsx", "RuleSet,x".getBytes());
            assertThat(notABook.statusCode()).as(notABook.body()).isEqualTo(422);
            assertThat(notABook.body()).contains("retail.xlsx");

            var json = app.post("/v1/rules/preview", "application/json", "{\"file\": \"retail.xlsx\", \"drl\": \"x\"}");
            assertThat(json.status()).as(json.toString()).isEqualTo(400);
            assertThat(json.json().get("message").asText()).contains("application/octet-stream");
            var wrongKind = app.post("/v1/rules/validate?file=retail.txt", "text/plain", retail);
            assertThat(wrongKind.status()).as(wrongKind.toString()).isEqualTo(400);
            assertThat(wrongKind.json().get("message").asText()).contains(".drl, .csv or .xlsx");

            // A table of 1,001 rows is past the rule set's limit: refused before Drools compiles anything.
            var tooMany = app.post("/v1/rules/validate?file=huge.csv", "text/csv", rows(shipped, 1_001));
            assertThat(tooMany.status()).as(tooMany.toString()).isEqualTo(422);
            assertThat(tooMany.json().get("messages").get(0).get("message").asText()).contains("at most 1000 are allowed");
            assertThat(tooMany.json().get("messages").get(0).get("file").asText()).isEqualTo("huge.csv");

            // Compiling cannot be stopped: two drafts at a time, validations and previews together;
            // a third is told when to come back (a preview has places of its own, so only the shared
            // gate turns one of these three away).
            String big = rows(shipped, 150);
            List<java.util.concurrent.CompletableFuture<CohortApp.Response>> three = new ArrayList<>();
            java.util.concurrent.ExecutorService clients = java.util.concurrent.Executors.newFixedThreadPool(3);
            for (int i = 0; i < 3; i++) {
                String path = i == 1 ? "/v1/rules/preview?file=big.csv" : "/v1/rules/validate?file=big.csv";
                three.add(java.util.concurrent.CompletableFuture.supplyAsync(() -> app.post(path, "text/csv", big), clients));
            }
            clients.shutdown();
            List<Integer> statuses = new ArrayList<>();
            for (var f : three) statuses.add(f.get().status());
            assertThat(statuses).as("two compile, the third waits its turn").contains(200).containsOnlyOnce(429);
            CohortApp.Response busy = three.stream().map(java.util.concurrent.CompletableFuture::join).filter(x -> x.status() == 429)
                    .findFirst().orElseThrow();
            assertThat(busy.json().get("message").asText()).contains("2 drafts are compiling (validations and previews)");
            assertThat(busy.json().get("code").asInt()).isEqualTo(429);

            assertThat(app.get("/v1/segments/retail-100k").status()).as("nothing applied").isEqualTo(404);
            assertThat(Files.exists(app.rules.resolve("retail.csv"))).isFalse();
        }
    }

    /** The shipped table's header and {@code n} rows of its own, one segment each. */
    private static String rows(String shippedCsv, int n) {
        StringBuilder b = new StringBuilder(String.join("\n", shippedCsv.lines().limit(9).toList())).append('\n');
        for (int i = 0; i < n; i++) {
            b.append("\"Row ").append(i).append("\",row-").append(i).append(",\"Row ").append(i).append("\",x,x,Retail,,")
                    .append(100_000 + i).append(",row-").append(i).append('\n');
        }
        return b.toString();
    }

    private static java.net.http.HttpResponse<String> postBytes(CohortApp app, String path, byte[] body) throws Exception {
        return java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create("http://localhost:" + app.port() + path)).timeout(Duration.ofSeconds(60))
                .header("Authorization", "Bearer " + CohortApp.TOKEN).header("Content-Type", "application/octet-stream")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(body)).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
    }

    /** The shipped table's header with one row of its own: retail anywhere, won over $100k. */
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
