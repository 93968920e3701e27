package io.cohort.ingest.pull;

import static io.cohort.ingest.pull.PullConfigs.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.it.CohortApp;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A drop folder of canonical files: NDJSON, CSV, {"records"}; refusals with reasons; the same content never twice. */
class FileDropIT {
    static final Duration WAIT = Duration.ofSeconds(60);
    @TempDir Path tmp;
    CohortApp app;

    @AfterEach void stop() { if (app != null) app.stop(); }

    private Path drop(Path dir, String name, String content) throws Exception {
        Path f = dir.resolve(name);
        Files.writeString(f.resolveSibling(name + ".part"), content);
        Files.move(f.resolveSibling(name + ".part"), f); // written elsewhere, renamed in: never half-read
        Files.setLastModifiedTime(f, FileTime.from(Instant.now().minusSeconds(5)));
        return f;
    }

    /** The app with one file-drop source, "files", polling a new folder; returns the folder. */
    private Path startWithADropFolder() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("drop"));
        app = new CohortApp(tmp).withConfig(c -> PullConfigs.withSources(c, """
                sources:
                  files: {type: filedrop, pull: {directory: "%s", pollInterval: 100ms, settleTime: 1s}}
                """.formatted(dir)));
        app.start();
        return dir;
    }

    private int status(String type, String key) {
        return app.get("/v1/sources/files/records/" + type + "/" + key.replace("|", "%7C")).status();
    }

    @Test
    void eachFileOnceWholeOrRefusedWithAReason() throws Exception {
        Path dir = startWithADropFolder();

        drop(dir, "2026-11-01-people.ndjson", """
                {"type":"person","id":"P1","email":"p1@x.com"}

                {"type":"person","id":"P2","email":"p2@x.com","attributes":{"tier":"gold"}}
                """);
        drop(dir, "2026-11-02-deals.csv", """
                type,id,accountId,amount,isWon,closeDate
                opportunity,O1,A1,1200000.50,true,2026-10-01
                opportunity,O2,A1,,false,
                """);
        drop(dir, "2026-11-03-accounts.json", "{\"records\": [{\"type\": \"account\", \"id\": \"A1\", \"name\": \"Acme\"}]}");
        await("three files done", WAIT, () -> Files.exists(dir.resolve("done/2026-11-03-accounts.json")));
        assertThat(status("person", "P2")).isEqualTo(200);
        assertThat(app.get("/v1/sources/files/records/opportunity/O1").json().path("record").path("amount").asDouble()).isEqualTo(1_200_000.5);
        assertThat(status("opportunity", "O2")).isEqualTo(200);
        assertThat(status("account", "A1")).isEqualTo(200);
        assertThat(Files.list(dir.resolve("done")).count()).isEqualTo(3);

        // A bad record: nothing of the file is stored, the reason names the record and field.
        drop(dir, "2026-11-04-bad.ndjson", """
                {"type":"person","id":"P3","email":"p3@x.com"}
                {"type":"person","id":"P4","email":"not-an-email"}
                """);
        Path reason = dir.resolve("failed/2026-11-04-bad.ndjson.reason.txt");
        await("the bad file refused", WAIT, () -> Files.exists(reason));
        assertThat(Files.readString(reason)).contains("record 2, email", "not an email address", "nothing of this file was stored");
        assertThat(status("person", "P3")).isEqualTo(404);

        // The same content again under another name: moved, not stored twice.
        long before = app.get("/v1/sources/files/sync").json().get("recordsFetched").asLong();
        drop(dir, "2026-11-05-people-again.ndjson", Files.readString(dir.resolve("done/2026-11-01-people.ndjson")));
        await("the repeat moved to done", WAIT, () -> Files.exists(dir.resolve("done/2026-11-05-people-again.ndjson")));
        var sync = app.get("/v1/sources/files/sync").json();
        assertThat(sync.get("recordsFetched").asLong()).isEqualTo(before);
        assertThat(sync.get("recordsRejected").asLong()).isEqualTo(1);
        assertThat(sync.get("type").asText()).isEqualTo("filedrop");

        // A file still being written (modified just now) waits for settleTime.
        Path fresh = dir.resolve("2026-11-06-late.ndjson");
        Files.writeString(fresh, "{\"type\":\"person\",\"id\":\"P9\",\"email\":\"p9@x.com\"}\n");
        Thread.sleep(300);
        assertThat(Files.exists(fresh)).as("not taken while it may still grow").isTrue();
        await("taken once settled", WAIT, () -> status("person", "P9") == 200);
    }

    /**
     * A number longer than a push takes (100 characters) is refused in a dropped file as a push
     * of the same record is (400, NumbersIT): the file is set aside whole, the reason names line
     * and field. Before, a file drop read numbers up to Jackson's 1,000 characters and stored it.
     */
    @Test
    void aNumberTooLongForAPushRefusesTheDroppedFileNamingLineAndField() throws Exception {
        Path dir = startWithADropFolder();
        String digits = "9".repeat(150);
        drop(dir, "2026-11-01-scores.ndjson", """
                {"type":"person","id":"P1","email":"p1@x.com"}
                {"type":"person","id":"P2","email":"p2@x.com","attributes":{"score":%s}}
                """.formatted(digits));
        drop(dir, "2026-11-02-scores.json", """
                {"records": [
                  {"type": "person", "id": "P3", "email": "p3@x.com"},
                  {"type": "person", "id": "P4", "email": "p4@x.com", "attributes": {"score": %s}}
                ]}""".formatted(digits));
        drop(dir, "2026-11-03-deals.csv", """
                type,id,accountId,amount
                opportunity,O1,A1,%s
                """.formatted(digits));
        for (String[] f : new String[][] {{"2026-11-01-scores.ndjson", "line 2: field 'attributes.score'"},
                {"2026-11-02-scores.json", "field 'records[1].attributes.score'"},
                {"2026-11-03-deals.csv", "line 2, column amount"}}) {
            Path reason = dir.resolve("failed/" + f[0] + ".reason.txt");
            await(f[0] + " refused", WAIT, () -> Files.exists(reason));
            assertThat(Files.readString(reason)).as(f[0]).contains(f[1], "a number of 150 characters");
        }
        assertThat(Files.readString(dir.resolve("failed/2026-11-02-scores.json.reason.txt"))).contains("at line 3");
        for (String p : new String[] {"P1", "P2", "P3", "P4"}) assertThat(status("person", p)).as(p).isEqualTo(404);
        assertThat(status("opportunity", "O1")).isEqualTo(404);
    }
}
