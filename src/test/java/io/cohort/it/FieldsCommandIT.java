package io.cohort.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The fields command as an analyst runs it: the reference without a database, values from an imported one. */
class FieldsCommandIT {
    @TempDir Path tmp;

    @Test
    void printsTheReferenceAndTheValuesOfAnImportedDatabase() throws Exception {
        var ref = CommandsIT.cli("fields");
        assertThat(ref.failure()).as(ref.toString()).isEmpty();
        assertThat(ref.out()).contains("Opportunity - A deal", "createdDate", "Instant", "[account id]",
                "viewed(String, Instant) : boolean", "Event (not a fact: match with from)");

        String yml = Files.readString(Path.of("src/test/resources/test-config.yml"))
                .replace("url: jdbc:h2:mem:placeholder", "url: \"jdbc:h2:file:" + tmp.resolve("db/cohort").toAbsolutePath() + ";MODE=PostgreSQL\"");
        Path config = tmp.resolve("config.yml");
        Files.writeString(config, yml);
        var imported = CommandsIT.cli("import", config.toString(), CommandsIT.DATA.resolve("crm-1.json").toString(),
                CommandsIT.DATA.resolve("crm-2.json").toString());
        assertThat(imported.failure()).as(imported.toString()).isEmpty();

        var values = CommandsIT.cli("fields", config.toString(), "--values", "Opportunity.stage");
        assertThat(values.failure()).as(values.toString()).isEmpty();
        assertThat(values.out()).containsPattern("Opportunity.stage: 2 opportunity records, 0 without a value, 1 distinct values")
                .containsPattern("\\s+2  Closed Won");

        var typo = CommandsIT.cli("fields", config.toString(), "--values", "Opportunity.stag");
        assertThat(typo.failure()).isPresent();
        assertThat(typo.out()).contains("Opportunity has no field 'stag'; did you mean 'stage'?");
    }
}
