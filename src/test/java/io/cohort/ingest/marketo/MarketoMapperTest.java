package io.cohort.ingest.marketo;

import static io.cohort.ingest.NativeTestSupport.fixture;
import static io.cohort.ingest.NativeTestSupport.json;
import static io.cohort.ingest.NativeTestSupport.ofType;
import static io.cohort.ingest.NativeTestSupport.only;
import static io.cohort.ingest.NativeTestSupport.records;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

import io.cohort.ingest.NativeFormatException;
import io.cohort.ingest.NativeMapper;
import io.cohort.model.Event;
import io.cohort.record.SourceRecord.AccountPersonRecord;
import io.cohort.record.SourceRecord.AccountRecord;
import io.cohort.record.SourceRecord.EventRecord;
import io.cohort.record.SourceRecord.MarketingListMemberRecord;
import io.cohort.record.SourceRecord.MarketingListRecord;
import io.cohort.record.SourceRecord.OpportunityPersonRecord;
import io.cohort.record.SourceRecord.OpportunityRecord;
import io.cohort.record.SourceRecord.PersonRecord;
import io.cohort.record.SourceRecord;
import io.cohort.record.SourceRef;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import org.junit.jupiter.api.Test;

class MarketoMapperTest {

    private static final String TOWNSEND_CRM_ID = "001Hs00001TWNa1IAB";
    private final NativeMapper synced = new MarketoSourceFactory("crm-1").nativeMapper("marketo-1");
    private final NativeMapper standalone = new MarketoSourceFactory().nativeMapper("marketo-x");

    private List<SourceRecord> map(NativeMapper mapper, String object, String fixture) throws Exception {
        return records(mapper.map(object, fixture("marketo/" + fixture)));
    }

    @Test
    void leadsBecomePeopleRelatedToTheirCompanyByExternalId() throws Exception {
        List<SourceRecord> r = map(synced, "leads", "leads.json");

        List<PersonRecord> people = ofType(r, PersonRecord.class);
        assertThat(people).hasSize(2);
        PersonRecord p2 = people.get(0);
        assertThat(p2.id()).isEqualTo("1002");
        assertThat(p2.email()).isEqualTo("p2@townsend.com");
        assertThat(p2.firstName()).isEqualTo("Priya");
        assertThat(p2.lastName()).isEqualTo("Nair");
        assertThat(p2.title()).isEqualTo("VP Engineering");
        assertThat(p2.country()).isEqualTo("United States");
        assertThat(p2.emailOptOut()).isFalse();
        assertThat(p2.attributes()).contains(entry("company", "Townsend"), entry("leadScore", "87"),
                entry("emailInvalid", "false"), entry("leadSource", "Website"));
        assertThat(p2.attributes()).doesNotContainKeys("ecids", "externalCompanyId", "id", "leadRole");

        PersonRecord sam = people.get(1);
        assertThat(sam.emailOptOut()).isTrue();
        assertThat(sam.title()).isNull();
        assertThat(sam.attributes()).containsEntry("emailInvalid", "true").doesNotContainKey("company");

        AccountPersonRecord ap = only(r, AccountPersonRecord.class);
        assertThat(ap.accountId()).isEqualTo("ext:" + TOWNSEND_CRM_ID);
        assertThat(ap.personId()).isEqualTo("1002");
        assertThat(ap.role()).isEqualTo("Technical Buyer");
    }

    @Test
    void syncedCompaniesAreKeyedByExternalIdAndSameAsTheCrmAccount() throws Exception {
        List<AccountRecord> accounts = ofType(map(synced, "companies", "companies.json"), AccountRecord.class);

        AccountRecord townsend = accounts.get(0);
        assertThat(townsend.id()).isEqualTo("ext:" + TOWNSEND_CRM_ID);
        assertThat(townsend.name()).isEqualTo("Townsend");
        assertThat(townsend.domain()).isEqualTo("townsend.com");
        assertThat(townsend.industry()).isEqualTo("Automotive");
        assertThat(townsend.employees()).isEqualTo(5200L);
        assertThat(townsend.annualRevenue()).isEqualTo(1.85e9);
        assertThat(townsend.country()).isEqualTo("United States");
        assertThat(townsend.sameAs()).isEqualTo(new SourceRef("crm-1", TOWNSEND_CRM_ID));
        assertThat(townsend.attributes()).contains(entry("marketoId", "17"), entry("billingCity", "Detroit"))
                .doesNotContainKeys("seq", "id");

        AccountRecord unsynced = accounts.get(1);
        assertThat(unsynced.id()).isEqualTo("44");
        assertThat(unsynced.domain()).isEqualTo("unsynced.example");
        assertThat(unsynced.employees()).isNull();
        assertThat(unsynced.sameAs()).isNull();
    }

    @Test
    void withoutCrmSourceNothingIsSameAs() throws Exception {
        AccountRecord townsend = ofType(map(standalone, "companies", "companies.json"), AccountRecord.class).get(0);
        assertThat(townsend.id()).isEqualTo("ext:" + TOWNSEND_CRM_ID);
        assertThat(townsend.sameAs()).isNull();
    }

    @Test
    void opportunitiesPointAtTheCompanyKeyAndAreSameAsTheCrmOpportunity() throws Exception {
        List<OpportunityRecord> opps = ofType(map(synced, "opportunities", "opportunities.json"), OpportunityRecord.class);

        OpportunityRecord o1 = opps.get(0);
        assertThat(o1.id()).isEqualTo("ext:006Hs00000OPP1aIAB");
        assertThat(o1.accountId()).isEqualTo("ext:" + TOWNSEND_CRM_ID);
        assertThat(o1.name()).isEqualTo("Townsend - Fleet Telematics Suite");
        assertThat(o1.amount()).isEqualTo(200_000.0);
        assertThat(o1.currency()).isEqualTo("USD");
        assertThat(o1.stage()).isEqualTo("Closed Won");
        assertThat(o1.isWon()).isTrue();
        assertThat(o1.isClosed()).isTrue();
        assertThat(o1.closeDate()).isEqualTo(LocalDate.of(2026, 6, 30));
        assertThat(o1.sameAs()).isEqualTo(new SourceRef("crm-1", "006Hs00000OPP1aIAB"));
        // createdAt is the opportunity's createdDate, other scalars are attributes.
        assertThat(o1.createdDate()).isEqualTo(java.time.Instant.parse("2026-01-15T09:30:00Z"));
        assertThat(o1.attributes()).containsEntry("type", "New Business").containsEntry("fiscalYear", "2026")
                .containsEntry("description", "Fleet telematics rollout, 3 plants").doesNotContainKeys("seq", "createdAt", "stage");

        OpportunityRecord unsynced = opps.get(1);
        assertThat(unsynced.id()).isEqualTo("cff23271-f996-47d7-984f-f2676861b5fb");
        assertThat(unsynced.accountId()).isNull();
        assertThat(unsynced.closeDate()).isEqualTo(LocalDate.of(2027, 2, 1));
        assertThat(unsynced.sameAs()).isNull();
        assertThat(unsynced.createdDate()).isNull();
        assertThat(unsynced.createdDate()).isNull();
    }

    @Test
    void opportunityRolesLinkLeadsToTheOpportunityKey() throws Exception {
        OpportunityPersonRecord role = only(map(synced, "opportunityRoles", "opportunityRoles.json"),
                OpportunityPersonRecord.class);
        assertThat(role.opportunityId()).isEqualTo("ext:006Hs00000OPP1aIAB");
        assertThat(role.personId()).isEqualTo("1002");
        assertThat(role.role()).isEqualTo("Technical Buyer");
        assertThat(role.attributes()).containsEntry("isPrimary", "false").containsEntry("externalCreatedDate", "2026-02-10T10:00:00Z");
    }

    @Test
    void visitWebpageBecomesAPageViewWithTheFullUrl() throws Exception {
        List<EventRecord> events = ofType(map(synced, "activities", "activities.json"), EventRecord.class);
        assertThat(events).hasSize(4);

        EventRecord view = events.get(0);
        assertThat(view.id()).isEqualTo("102988");
        assertThat(view.personId()).isEqualTo("1002");
        assertThat(view.eventType()).isEqualTo("web.webpagedetails.pageViews");
        assertThat(view.timestamp()).isEqualTo(Instant.parse("2026-11-20T10:15:00Z"));
        assertThat(view.url()).isEqualTo("https://www.bodea.com/products/new?utm_source=newsletter&utm_medium=email");
        assertThat(view.attributes()).contains(entry("activityTypeId", "1"),
                entry("primaryAttributeValue", "www.bodea.com/products/new"), entry("primaryAttributeValueId", "71"),
                entry("campaignId", "3421"), entry("clientIpAddress", "203.0.113.24"),
                entry("webpageUrl", "/products/new"), entry("referrerUrl", "https://www.bodea.com/"));
        // What the segment rule will ask of it:
        Event fact = new Event("marketo-1", view.personId(), view.eventType(), view.timestamp(), view.url(), view.attributes());
        assertThat(fact.pathStartsWith("/products/new")).isTrue();
    }

    @Test
    void otherActivitiesGetXdmNamesOrAMarketoFallback() throws Exception {
        List<EventRecord> events = ofType(map(synced, "activities", "activities.json"), EventRecord.class);

        EventRecord form = events.get(1);
        assertThat(form.eventType()).isEqualTo("web.formFilledOut");
        assertThat(form.timestamp()).isEqualTo(Instant.parse("2026-11-20T10:17:41Z"));
        assertThat(form.url()).isNull();
        assertThat(form.attributes()).containsEntry("webpageId", "2231")
                .doesNotContainKeys("formFields", "queryParameters");

        EventRecord click = events.get(2);
        assertThat(click.eventType()).isEqualTo("directMarketing.emailClicked");
        assertThat(click.personId()).isEqualTo("1001");
        assertThat(click.url()).isEqualTo("https://www.bodea.com/blog/telematics?utm_source=newsletter");
        assertThat(click.attributes()).containsEntry("isMobileDevice", "false");

        assertThat(events.get(3).eventType()).isEqualTo("marketo.activity.46");
    }

    @Test
    void pageUrlFollowsTheDocumentedPieces() {
        assertThat(MarketoActivities.pageUrl("localhost/munchkintest2.html", "/munchkintest2.html", ""))
                .isEqualTo("https://localhost/munchkintest2.html");
        assertThat(MarketoActivities.pageUrl("www.bodea.com/products/new", null, "?a=1"))
                .isEqualTo("https://www.bodea.com/products/new?a=1");
        assertThat(MarketoActivities.pageUrl("Webinar Landing Page", "/lp/webinar.html", null))
                .isEqualTo("/lp/webinar.html");
        assertThat(MarketoActivities.pageUrl("x", "http://info.bodea.com/lp.html", "b=2"))
                .isEqualTo("http://info.bodea.com/lp.html?b=2");
        assertThat(MarketoActivities.pageUrl("www.bodea.com", null, null)).isEqualTo("https://www.bodea.com/");
        assertThat(MarketoActivities.pageUrl(null, null, "a=1")).isNull();
    }

    @Test
    void staticListsAndTheirMembers() throws Exception {
        MarketingListRecord list = only(map(synced, "lists", "lists.json"), MarketingListRecord.class);
        assertThat(list.id()).isEqualTo("1021");
        assertThat(list.name()).isEqualTo("Line 1 - New Product Launch");

        List<SourceRecord> members = map(synced, "listMembers.1021", "listLeads.json");
        // Only memberships: the list's lead page must not overwrite the full lead records.
        assertThat(members).hasSize(2).allMatch(MarketingListMemberRecord.class::isInstance);
        assertThat(ofType(members, MarketingListMemberRecord.class))
                .extracting(MarketingListMemberRecord::listId, MarketingListMemberRecord::personId)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("1021", "1001"),
                        org.assertj.core.groups.Tuple.tuple("1021", "1002"));
    }

    @Test
    void anActivitiesPageWithoutResultIsEmpty() throws Exception {
        assertThat(synced.map("activities", fixture("marketo/empty-activities-page.json"))).isEmpty();
    }

    @Test
    void successFalseNamesMarketosErrorCode() {
        assertThatThrownBy(() -> synced.map("leads", fixture("marketo/error-601.json")))
                .isInstanceOf(NativeFormatException.class)
                .hasMessageContaining("error 601").hasMessageContaining("Access token invalid")
                .satisfies(e -> assertThat(((NativeFormatException) e).errors())
                        .singleElement().satisfies(f -> assertThat(f.field()).isEqualTo("errors[0]")));
    }

    @Test
    void wrongShapesAreRejectedWithTheFieldThatIsWrong() {
        assertThatThrownBy(() -> synced.map("leads", json("{\"requestId\":\"x\",\"success\":true}")))
                .isInstanceOf(NativeFormatException.class).hasMessageContaining("\"result\" array");
        assertThatThrownBy(() -> synced.map("leads", json("{\"success\":true,\"result\":{\"id\":1}}")))
                .isInstanceOf(NativeFormatException.class).hasMessageContaining("result").hasMessageContaining("an object");
        assertThatThrownBy(() -> synced.map("leads", json("{\"totalSize\":1,\"done\":true,\"records\":[]}")))
                .isInstanceOf(NativeFormatException.class).hasMessageContaining("not a Marketo REST response");
        assertThatThrownBy(() -> synced.map("leads", json("[{\"id\":1}]")))
                .isInstanceOf(NativeFormatException.class).hasMessageContaining("got an array");
        assertThatThrownBy(() -> synced.map("leads", json("{\"success\":true,\"result\":[1002]}")))
                .isInstanceOf(NativeFormatException.class)
                .satisfies(e -> assertThat(((NativeFormatException) e).errors().get(0).field()).isEqualTo("result[0]"));
    }

    @Test
    void unknownObjectsListWhatIsAccepted() {
        for (String object : List.of("contacts", "listMembers.", "listMembers.<listId>", "query")) {
            assertThatThrownBy(() -> synced.map(object, fixture("marketo/leads.json")))
                    .isInstanceOf(NativeFormatException.class)
                    .hasMessageContaining("unknown object '" + object + "'")
                    .hasMessageContaining("leads, companies, opportunities, opportunityRoles, activities");
        }
    }
}
