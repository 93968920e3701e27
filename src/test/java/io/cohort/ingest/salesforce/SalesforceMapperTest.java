package io.cohort.ingest.salesforce;

import static io.cohort.ingest.NativeTestSupport.changes;
import static io.cohort.ingest.NativeTestSupport.fixture;
import static io.cohort.ingest.NativeTestSupport.json;
import static io.cohort.ingest.NativeTestSupport.ofType;
import static io.cohort.ingest.NativeTestSupport.only;
import static io.cohort.ingest.NativeTestSupport.records;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;
import static org.assertj.core.groups.Tuple.tuple;

import io.cohort.ingest.NativeFormatException;
import io.cohort.ingest.NativeMapper;
import io.cohort.record.RecordChange;
import io.cohort.record.RecordType;
import io.cohort.record.SourceRecord.AccountPersonRecord;
import io.cohort.record.SourceRecord.AccountRecord;
import io.cohort.record.SourceRecord.CampaignMemberRecord;
import io.cohort.record.SourceRecord.CampaignRecord;
import io.cohort.record.SourceRecord.OpportunityPersonRecord;
import io.cohort.record.SourceRecord.OpportunityRecord;
import io.cohort.record.SourceRecord.PersonRecord;
import io.cohort.record.SourceRecord;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SalesforceMapperTest {

    private final NativeMapper mapper = new SalesforceSourceFactory().nativeMapper("crm-1");

    private List<SourceRecord> map(String fixture) throws Exception {
        return records(mapper.map("query", fixture("salesforce/" + fixture)));
    }

    @Test
    void accountsIgnoreNestedRelationshipObjects() throws Exception {
        AccountRecord a = only(map("accounts-contacts.json"), AccountRecord.class);
        assertThat(a.id()).isEqualTo("001Hs00001TWNa1IAB");
        assertThat(a.name()).isEqualTo("Townsend");
        assertThat(a.domain()).isEqualTo("townsend.com");
        assertThat(a.industry()).isEqualTo("Automotive");
        assertThat(a.employees()).isEqualTo(5200L);
        assertThat(a.annualRevenue()).isEqualTo(1.85e9);
        assertThat(a.country()).isEqualTo("United States");
        assertThat(a.sameAs()).isNull();
        assertThat(a.attributes()).contains(entry("BillingCity", "Detroit"), entry("Type", "Customer"),
                entry("Website", "www.townsend.com")).doesNotContainKeys("Owner", "attributes", "Id");
    }

    @Test
    void contactsAreRelatedToTheirAccountAndLeadsArePeople() throws Exception {
        List<SourceRecord> r = map("accounts-contacts.json");
        List<PersonRecord> people = ofType(r, PersonRecord.class);
        assertThat(people).extracting(PersonRecord::id)
                .containsExactly("003Hs00000P2cTcIAJ", "003Hs00000LcHenIAF", "00QHs00000Xq1LeIAJ");

        PersonRecord p2 = people.get(0);
        assertThat(p2.email()).isEqualTo("p2@townsend.com");
        assertThat(p2.firstName()).isEqualTo("Priya");
        assertThat(p2.lastName()).isEqualTo("Nair");
        assertThat(p2.title()).isEqualTo("VP Engineering");
        assertThat(p2.country()).isEqualTo("United States");
        assertThat(p2.emailOptOut()).isFalse();
        assertThat(p2.attributes()).containsOnly(entry("LeadSource", "Web"));

        assertThat(people.get(1).emailOptOut()).isTrue();
        assertThat(people.get(1).country()).isEqualTo("Canada");
        PersonRecord jo = people.get(2);
        assertThat(jo.country()).isEqualTo("United Kingdom");
        assertThat(jo.attributes()).contains(entry("Company", "Kestrel Aerospace"), entry("IsConverted", "false"));

        // Only the contact with an account is related to one.
        AccountPersonRecord ap = only(r, AccountPersonRecord.class);
        assertThat(ap.accountId()).isEqualTo("001Hs00001TWNa1IAB");
        assertThat(ap.personId()).isEqualTo("003Hs00000P2cTcIAJ");
        assertThat(ap.role()).isNull();
    }

    @Test
    void opportunitiesRolesAndAccountContactRelations() throws Exception {
        List<RecordChange> c = changes(mapper.map("query", fixture("salesforce/opportunities-roles.json")));
        List<SourceRecord> upserts = c.stream().filter(RecordChange.Upsert.class::isInstance)
                .map(u -> ((RecordChange.Upsert) u).record()).toList();

        OpportunityRecord o = only(upserts, OpportunityRecord.class);
        assertThat(o.id()).isEqualTo("006Hs00000OPP1aIAB");
        assertThat(o.accountId()).isEqualTo("001Hs00001TWNa1IAB");
        assertThat(o.name()).isEqualTo("Townsend - Fleet Telematics Suite");
        assertThat(o.amount()).isEqualTo(200_000.0);
        assertThat(o.currency()).isEqualTo("USD");
        assertThat(o.stage()).isEqualTo("Closed Won");
        assertThat(o.isWon()).isTrue();
        assertThat(o.isClosed()).isTrue();
        assertThat(o.closeDate()).isEqualTo(LocalDate.of(2026, 6, 30));
        // CreatedDate in Salesforce's "+0000" offset form; unmapped scalar fields become attributes.
        assertThat(o.createdDate()).isEqualTo(java.time.Instant.parse("2026-01-15T09:30:00Z"));
        assertThat(o.attributes()).containsOnly(Map.entry("Type", "New Business"), Map.entry("LeadSource", "Partner Referral"));

        OpportunityPersonRecord role = only(upserts, OpportunityPersonRecord.class);
        assertThat(role).isEqualTo(new OpportunityPersonRecord("006Hs00000OPP1aIAB", "003Hs00000P2cTcIAJ", "Technical Buyer",
                Map.of("IsPrimary", "false")));

        assertThat(only(upserts, AccountPersonRecord.class))
                .isEqualTo(new AccountPersonRecord("001Hs00001ACMe1IAB", "003Hs00000P2cTcIAJ", "Evaluator;Influencer",
                        Map.of("IsDirect", "false")));
        // The inactive relation says the contact is no longer related to that account.
        assertThat(c).contains(new RecordChange.Delete(RecordType.ACCOUNT_PERSON, "001Hs00001OLDc9IAB|003Hs00000P2cTcIAJ"));
    }

    @Test
    void campaignsAndMembersPreferTheContact() throws Exception {
        List<SourceRecord> r = map("campaigns.json");
        assertThat(only(r, CampaignRecord.class))
                .isEqualTo(new CampaignRecord("701Hs00000CmP1aIAB", "2026 Detroit Auto Tech Summit", "Conference", "Completed",
                        Map.of("IsActive", "false")));
        assertThat(ofType(r, CampaignMemberRecord.class))
                .extracting(CampaignMemberRecord::campaignId, CampaignMemberRecord::personId, CampaignMemberRecord::status)
                .containsExactly(tuple("701Hs00000CmP1aIAB", "003Hs00000P2cTcIAJ", "Attended"),
                        tuple("701Hs00000CmP1aIAB", "00QHs00000Xq1LeIAJ", "Registered"));
    }

    @Test
    void deletedRowsFromQueryAllBecomeDeletes() throws Exception {
        assertThat(changes(mapper.map("query", fixture("salesforce/queryall-deleted.json")))).containsExactly(
                new RecordChange.Delete(RecordType.PERSON, "003Hs00000GoNe1IAB"),
                new RecordChange.Delete(RecordType.ACCOUNT_PERSON, "001Hs00001TWNa1IAB|003Hs00000GoNe1IAB"));
    }

    @Test
    void anEmptyResultMapsToNothing() throws Exception {
        assertThat(mapper.map("query", json("{\"totalSize\":0,\"done\":true,\"records\":[]}"))).isEmpty();
    }

    @Test
    void unsupportedTypesFailThePayloadAndListTheSupportedOnes() {
        assertThatThrownBy(() -> mapper.map("query", fixture("salesforce/aggregate.json")))
                .isInstanceOf(NativeFormatException.class)
                .hasMessageContaining("unsupported sObject type 'AggregateResult'")
                .hasMessageContaining("Account, AccountContactRelation, Campaign, CampaignMember, Contact, Lead, "
                        + "Opportunity, OpportunityContactRole")
                .satisfies(e -> assertThat(((NativeFormatException) e).errors()).singleElement()
                        .satisfies(f -> assertThat(f.field()).isEqualTo("records[1].attributes.type")));
        assertThatThrownBy(() -> mapper.map("query", json("{\"records\":[{\"Id\":\"001\"}]}")))
                .isInstanceOf(NativeFormatException.class).hasMessageContaining("\"attributes\": {\"type\"");
    }

    @Test
    void wrongShapesAndSalesforceErrorsAreRejected() {
        assertThatThrownBy(() -> mapper.map("query", fixture("salesforce/error-invalid-session.json")))
                .isInstanceOf(NativeFormatException.class)
                .hasMessage("Salesforce error INVALID_SESSION_ID: Session expired or invalid");
        assertThatThrownBy(() -> mapper.map("query", json("{\"success\":true,\"result\":[]}")))
                .isInstanceOf(NativeFormatException.class).hasMessageContaining("not a SOQL query result")
                .hasMessageContaining("without a \"records\" array");
        assertThatThrownBy(() -> mapper.map("query", json("[1,2]")))
                .isInstanceOf(NativeFormatException.class).hasMessageContaining("got an array");
    }

    @Test
    void theOnlyObjectIsQuery() {
        assertThatThrownBy(() -> mapper.map("Account", fixture("salesforce/accounts-contacts.json")))
                .isInstanceOf(NativeFormatException.class)
                .hasMessageContaining("unknown object 'Account'").hasMessageContaining("expected \"query\"");
    }
}
