package io.cohort.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cohort.record.RecordChange;
import io.cohort.record.SourceRecord;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The ingest log (cluster mode) keeps a batch's records as sent and workers read it with a plain
 * mapper, which reads 1.10 as the double 1.1: numbers kept as text must be text in the record by
 * the time it is logged, or a worker evaluates "1.1" where the store says "1.10".
 */
class JsonNumbersTest {
    @Test
    void aWorkerReadingTheLoggedRecordWithAPlainMapperSeesTheTextTheStoreKept() throws Exception {
        ObjectMapper exact = JsonNumbers.readingExactly(new ObjectMapper());
        JsonNode sent = exact.readTree("{\"type\":\"person\",\"id\":\"p\",\"title\":1.10,\"attributes\":{\"a\":1e400,\"b\":0.10,\"c\":7}}");
        RecordParser parser = new RecordParser(IngestLimits.none());
        SourceRecord accepted = ((RecordChange.Upsert) parser.parse(List.of(sent)).get(0)).record();

        JsonNode logged = new ObjectMapper().readTree(exact.writeValueAsString(sent));
        SourceRecord replayed = ((RecordChange.Upsert) parser.forStored().parse(List.of(logged)).get(0)).record();

        assertThat(accepted.attributes()).containsEntry("a", "1E+400").containsEntry("b", "0.10").containsEntry("c", "7");
        assertThat(replayed).isEqualTo(accepted);
    }
}
