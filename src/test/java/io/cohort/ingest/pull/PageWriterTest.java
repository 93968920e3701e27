package io.cohort.ingest.pull;

import static org.assertj.core.api.Assertions.assertThat;

import com.codahale.metrics.Meter;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cohort.ingest.IngestLimits;
import io.cohort.ingest.RecordParser;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The commit of a pulled page (every Marketo and Salesforce stream), without a vendor or a database. */
class PageWriterTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * A vendor can send a lone surrogate as a JSON escape like any client; the page's other records
     * are stored, and that one is set aside with the field and position, as the API's 400 names them.
     */
    @Test
    void aPulledRecordWithALoneSurrogateIsSetAsideWithTheReasonAndTheRestStored() throws Exception {
        List<List<JsonNode>> written = new ArrayList<>();
        BatchWriter writer = (source, canonical, cursors) -> {
            written.add(List.copyOf(canonical));
            return written.size();
        };
        CursorBook cursors = new CursorBook() {
            @Override public Optional<String> get(String source, String stream) { return Optional.empty(); }
            @Override public void save(String source, Map<String, String> c, long atMillis) { }
            @Override public void delete(String source, String stream) { }
        };
        // As PullContext builds it for every connector.
        RecordParser parser = new RecordParser(new IngestLimits()).checkingReferences(Set.of("marketo-1"));
        PageWriter pages = new PageWriter("marketo-1", writer, cursors, parser, 100, Clock.systemUTC(), new Meter());
        StreamStatus status = new StreamStatus("leads", SyncStream.Kind.INCREMENTAL);

        List<ObjectNode> page = List.of(
                (ObjectNode) JSON.readTree("{\"type\":\"person\",\"id\":\"1\",\"firstName\":\"Ann\"}"),
                (ObjectNode) JSON.readTree("{\"type\":\"person\",\"id\":\"2\",\"firstName\":\"Bo\\ud800\"}"),
                (ObjectNode) JSON.readTree("{\"type\":\"person\",\"id\":\"3\",\"firstName\":\"\\ud83d\\ude00\"}"));
        assertThat(pages.commit(status, page, Map.of("leads", "c1"))).isEqualTo(2);

        assertThat(written).singleElement().satisfies(b -> assertThat(b).extracting(r -> r.get("id").asText()).containsExactly("1", "3"));
        assertThat(status.view().recordsRejected()).isEqualTo(1);
        assertThat(status.view().lastRejection()).startsWith("person 2: firstName: must not hold a lone UTF-16 surrogate")
                .endsWith("U+D800 at character 3");
    }
}
