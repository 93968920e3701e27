package io.cohort.ingest.mdm;

import static io.cohort.ingest.NativeTestSupport.changes;
import static io.cohort.ingest.NativeTestSupport.fixture;
import static io.cohort.ingest.NativeTestSupport.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cohort.ingest.InvalidBatchException;
import io.cohort.ingest.NativeFormatException;
import io.cohort.ingest.NativeMapper;
import io.cohort.record.RecordChange;
import io.cohort.record.RecordType;
import io.cohort.record.SourceRecord.AccountLinkRecord;
import io.cohort.record.SourceRef;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MdmMapperTest {

    private final NativeMapper mapper = new MdmSourceFactory(Map.of("SFDC_LINE2", "crm-2")).nativeMapper("mdm");

    @Test
    void entitiesBecomeAccountLinksWithSystemsResolvedToSources() throws Exception {
        List<RecordChange> c = changes(mapper.map("crossReferences", fixture("mdm/crossReferences.json")));

        assertThat(c).hasSize(2);
        AccountLinkRecord townsend = (AccountLinkRecord) ((RecordChange.Upsert) c.get(0)).record();
        assertThat(townsend.id()).isEqualTo("MDM-TOWNSEND");
        assertThat(townsend.name()).isEqualTo("Townsend");
        assertThat(townsend.accounts()).containsExactly(
                new SourceRef("crm-1", "001Hs00001TWNa1IAB"), new SourceRef("crm-2", "001Kx00000TWNb2IAD"));
        // A one-system entity links nothing and withdraws any earlier link of that id.
        assertThat(c.get(1)).isEqualTo(new RecordChange.Delete(RecordType.ACCOUNT_LINK, "MDM-ACME"));
    }

    @Test
    void membersWithoutSystemFailValidationAtTheirEntry() throws Exception {
        var mapped = mapper.map("crossReferences", json("""
                {"entities": [{"mdmId": "M1", "members": [{"system": "crm-1", "recordId": "A"}, {"recordId": "B"}]}]}"""));
        assertThatThrownBy(() -> changes(mapped)).isInstanceOf(InvalidBatchException.class)
                .satisfies(e -> assertThat(((InvalidBatchException) e).errors().get(0).field()).isEqualTo("accounts[1]"));
    }

    @Test
    void wrongShapesAndObjectsAreRejected() {
        assertThatThrownBy(() -> mapper.map("crossReferences", json("{\"result\": []}")))
                .isInstanceOf(NativeFormatException.class).hasMessageContaining("not an MDM cross-reference export");
        assertThatThrownBy(() -> mapper.map("crossReferences", json("{\"entities\": [{\"mdmId\": \"M1\"}]}")))
                .isInstanceOf(NativeFormatException.class).hasMessageContaining("members")
                .satisfies(e -> assertThat(((NativeFormatException) e).errors().get(0).field()).isEqualTo("entities[0].members"));
        assertThatThrownBy(() -> mapper.map("links", json("{\"entities\": []}")))
                .isInstanceOf(NativeFormatException.class)
                .hasMessageContaining("unknown object 'links'").hasMessageContaining("crossReferences");
    }
}
