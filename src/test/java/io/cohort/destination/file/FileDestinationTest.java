package io.cohort.destination.file;

import static io.cohort.destination.Changes.activation;
import static io.cohort.destination.Changes.add;
import static io.cohort.destination.Changes.remove;
import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.destination.Activation;
import io.cohort.destination.Changes;
import io.cohort.destination.Destination;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Snapshot and delta files, rewritten atomically and idempotently. */
class FileDestinationTest {
    @TempDir Path dir;
    final Activation act = activation("file-hv", "files", Map.of());

    Destination destination() {
        FileDestinationFactory f = new FileDestinationFactory();
        f.setDirectory(dir.toString());
        return f.build("files", Changes.context());
    }

    @Test
    void writesSnapshotsAndDeltasAndIsIdempotentOnRedelivery() throws Exception {
        Destination d = destination();
        var first = List.of(add(1, "p1", "p1@acme.com", Map.of()), add(2, "p2", "p2@townsend.com", Map.of()));
        d.deliver(act, first);
        d.deliver(act, List.of(remove(3, "p1", "p1@acme.com", Map.of())));
        d.deliver(act, List.of(remove(3, "p1", "p1@acme.com", Map.of()))); // redelivered

        assertThat(Files.readString(dir.resolve("file-hv.csv")))
                .isEqualTo("person_id,email,seq,since\np2,p2@townsend.com,2,2023-11-14T22:13:20.002Z\n");
        assertThat(Files.readString(dir.resolve("file-hv.jsonl"))).isEqualTo(
                "{\"personId\":\"p2\",\"email\":\"p2@townsend.com\",\"seq\":2,\"since\":\"2023-11-14T22:13:20.002Z\"}\n");
        assertThat(Files.readAllLines(dir.resolve("file-hv-1-2.jsonl"))).containsExactly(
                "{\"seq\":1,\"personId\":\"p1\",\"action\":\"add\",\"email\":\"p1@acme.com\",\"at\":\"2023-11-14T22:13:20.001Z\"}",
                "{\"seq\":2,\"personId\":\"p2\",\"action\":\"add\",\"email\":\"p2@townsend.com\",\"at\":\"2023-11-14T22:13:20.002Z\"}");
        assertThat(Files.readAllLines(dir.resolve("file-hv-3-3.jsonl"))).hasSize(1);
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder(
                    "file-hv.csv", "file-hv.jsonl", "file-hv.state.json", "file-hv-1-2.jsonl", "file-hv-3-3.jsonl");
        }
    }

    @Test
    void membersSurviveARestartAndOnlyTheConfiguredFormatsAreWritten() throws Exception {
        destination().deliver(act, List.of(add(1, "p1", "p1@acme.com", Map.of())));
        FileDestinationFactory f = new FileDestinationFactory();
        f.setDirectory(dir.toString());
        f.setFormats(List.of(FileDestinationFactory.Format.CSV));
        Files.delete(dir.resolve("file-hv.jsonl"));
        f.build("files", Changes.context()).deliver(act, List.of(add(2, "p\"2", "a,b@x.com", Map.of())));

        // rows sorted by person id ('"' sorts before '1'), quoted where CSV needs it
        assertThat(Files.readAllLines(dir.resolve("file-hv.csv"))).containsExactly("person_id,email,seq,since",
                "\"p\"\"2\",\"a,b@x.com\",2,2023-11-14T22:13:20.002Z", "p1,p1@acme.com,1,2023-11-14T22:13:20.001Z");
        assertThat(dir.resolve("file-hv.jsonl")).doesNotExist();
    }

    @Test
    void anActivationDispatchedByTwoProcessesInTurnKeepsEveryMember() throws Exception {
        // Cluster mode: the dispatch lease moves between processes writing one shared directory.
        Destination a = destination();
        Destination b = destination();
        a.deliver(act, List.of(add(1, "p1", "p1@acme.com", Map.of())));
        b.deliver(act, List.of(add(2, "p2", "p2@acme.com", Map.of())));
        a.deliver(act, List.of(add(3, "p3", "p3@acme.com", Map.of())));
        assertThat(Files.readAllLines(dir.resolve("file-hv.csv"))).extracting(l -> l.split(",")[0])
                .containsExactly("person_id", "p1", "p2", "p3");
    }

    @Test
    void snapshotsAreSafeToOpenInASpreadsheet() throws Exception {
        destination().deliver(act, List.of(add(1, "p1", "=cmd|' /C calc'!A0", Map.of()), add(2, "p2", "@x.com", Map.of()),
                add(3, "p3", "+1+1@x.com", Map.of()), add(4, "p4", "-2+3@x.com", Map.of()),
                add(5, "p5", "\t=1+1@x.com", Map.of()), add(6, "p6", "\r=1+1@x.com", Map.of()), add(7, "=p7", "p7@x.com", Map.of())));
        assertThat(io.cohort.destination.file.SafeCsvTest.parse(Files.readString(dir.resolve("file-hv.csv"))))
                .extracting(row -> row.get(0) + " " + row.get(1)).containsExactly("person_id email",
                        "'=p7 p7@x.com", "p1 '=cmd|' /C calc'!A0", "p2 '@x.com", "p3 '+1+1@x.com", "p4 '-2+3@x.com",
                        "p5 '\t=1+1@x.com", "p6 '\r=1+1@x.com");
    }

    @Test
    void filesAreWorldReadableByDefaultAndTheModeIsConfigurable() throws Exception {
        destination().deliver(act, List.of(add(1, "p1", "p1@acme.com", Map.of())));
        for (String f : List.of("file-hv.csv", "file-hv.jsonl", "file-hv-1-1.jsonl", "file-hv.state.json")) {
            assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve(f))))
                    .as(f).isEqualTo("rw-r--r--");
        }
        FileDestinationFactory f = new FileDestinationFactory();
        f.setDirectory(dir.toString());
        f.setFileMode("0600");
        f.build("files", Changes.context()).deliver(act, List.of(add(2, "p2", "p2@acme.com", Map.of())));
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("file-hv.csv"))))
                .isEqualTo("rw-------");
        f.setFileMode("644x");
        assertThat(io.dropwizard.jersey.validation.Validators.newValidator().validate(f))
                .extracting(v -> v.getPropertyPath() + " " + v.getMessage()).containsExactly("fileMode must be an octal mode such as \"0644\"");
    }

    @Test
    void checkFailsWhenTheDirectoryCannotBeUsed() throws Exception {
        assertThat(destination().check().ok()).isTrue();
        Path notADir = Files.writeString(dir.resolve("plain-file"), "x");
        FileDestinationFactory f = new FileDestinationFactory();
        f.setDirectory(notADir.toString());
        assertThat(f.build("files", Changes.context()).check().ok()).isFalse();
    }
}
