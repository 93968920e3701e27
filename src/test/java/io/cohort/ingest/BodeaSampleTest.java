package io.cohort.ingest;

import static io.cohort.ingest.NativeTestSupport.file;
import static io.cohort.ingest.NativeTestSupport.ofType;
import static io.cohort.ingest.NativeTestSupport.records;
import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.ingest.marketo.MarketoSourceFactory;
import io.cohort.ingest.mdm.MdmSourceFactory;
import io.cohort.ingest.salesforce.SalesforceSourceFactory;
import io.cohort.record.RecordChange;
import io.cohort.record.SourceRecord.AccountLinkRecord;
import io.cohort.record.SourceRecord.AccountPersonRecord;
import io.cohort.record.SourceRecord.AccountRecord;
import io.cohort.record.SourceRecord.EventRecord;
import io.cohort.record.SourceRecord.OpportunityPersonRecord;
import io.cohort.record.SourceRecord.OpportunityRecord;
import io.cohort.record.SourceRecord.PersonRecord;
import io.cohort.record.SourceRecord;
import io.cohort.record.SourceRef;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * samples/bodea holds the seed story as the five sources would send it. Every file must map and
 * validate, and the mapped records must still tell the story: the checks below are a small,
 * test-only stand-in for identity (sameAs, MDM links, email), not its implementation.
 */
class BodeaSampleTest {

    static final Path SAMPLES = Path.of("samples/bodea");
    static final String ACCOUNT_1 = "001Hs00001TWNa1IAB"; // CRM 1
    static final String ACCOUNT_2 = "001Kx00000TWNb2IAD"; // CRM 2
    static final Map<String, SourceFactory> SOURCES = Map.of(
            "crm-1", new SalesforceSourceFactory(), "crm-2", new SalesforceSourceFactory(),
            "marketo-1", new MarketoSourceFactory("crm-1"), "marketo-2", new MarketoSourceFactory("crm-2"),
            "mdm", new MdmSourceFactory());

    /** source id → its records, in load.sh order. */
    static final Map<String, List<SourceRecord>> bySource = new HashMap<>();

    @BeforeAll
    static void loadLikeLoadSh() throws Exception {
        for (String[] upload : uploads()) {
            String source = upload[0], object = upload[1];
            var mapped = SOURCES.get(source).nativeMapper(source).map(object, file(SAMPLES.resolve(upload[2])));
            bySource.computeIfAbsent(source, s -> new ArrayList<>()).addAll(recordsAllowingDeletes(mapped));
        }
    }

    /** The upload list of load.sh: "source|object|file". */
    static List<String[]> uploads() throws IOException {
        Matcher m = Pattern.compile("\"([a-z0-9-]+)\\|([A-Za-z]+)\\|([^\"]+\\.json)\"")
                .matcher(Files.readString(SAMPLES.resolve("load.sh")));
        List<String[]> out = new ArrayList<>();
        while (m.find()) out.add(new String[] {m.group(1), m.group(2), m.group(3)});
        return out;
    }

    private static List<SourceRecord> recordsAllowingDeletes(List<com.fasterxml.jackson.databind.node.ObjectNode> mapped) {
        return NativeTestSupport.changes(mapped).stream().filter(RecordChange.Upsert.class::isInstance)
                .map(c -> ((RecordChange.Upsert) c).record()).toList();
    }

    private static <T extends SourceRecord> List<T> all(String source, Class<T> type) {
        return ofType(bySource.getOrDefault(source, List.of()), type);
    }

    @Test
    void loadShSendsEverySampleFileToAnObjectItsSourceAccepts() throws IOException {
        Set<String> listed = new HashSet<>();
        for (String[] u : uploads()) {
            listed.add(u[2]);
            assertThat(SOURCES.get(u[0]).nativeMapper(u[0]).objects()).as(u[2]).contains(u[1]);
        }
        try (Stream<Path> files = Files.walk(SAMPLES)) {
            assertThat(files.filter(p -> p.toString().endsWith(".json")).map(p -> SAMPLES.relativize(p).toString()))
                    .containsExactlyInAnyOrderElementsOf(listed);
        }
    }

    @Test
    void everyReferenceResolvesWithinItsSource() {
        for (String source : List.of("crm-1", "crm-2", "marketo-1", "marketo-2")) {
            Set<String> accounts = ids(all(source, AccountRecord.class).stream().map(AccountRecord::id));
            Set<String> people = ids(all(source, PersonRecord.class).stream().map(PersonRecord::id));
            Set<String> opps = ids(all(source, OpportunityRecord.class).stream().map(OpportunityRecord::id));
            assertThat(all(source, AccountPersonRecord.class)).as(source).isNotEmpty().allSatisfy(ap -> {
                assertThat(accounts).contains(ap.accountId());
                assertThat(people).contains(ap.personId());
            });
            assertThat(all(source, OpportunityRecord.class)).as(source).allSatisfy(o -> assertThat(accounts).contains(o.accountId()));
            assertThat(all(source, OpportunityPersonRecord.class)).as(source).isNotEmpty().allSatisfy(op -> {
                assertThat(opps).contains(op.opportunityId());
                assertThat(people).contains(op.personId());
            });
            assertThat(all(source, EventRecord.class)).as(source).allSatisfy(e -> assertThat(people).contains(e.personId()));
        }
    }

    @Test
    void marketoHoldsSyncCopiesOfItsCrmOnly() {
        for (var pair : Map.of("marketo-1", "crm-1", "marketo-2", "crm-2").entrySet()) {
            Map<String, OpportunityRecord> crmOpps = new HashMap<>();
            all(pair.getValue(), OpportunityRecord.class).forEach(o -> crmOpps.put(o.id(), o));
            Set<String> crmAccounts = ids(all(pair.getValue(), AccountRecord.class).stream().map(AccountRecord::id));
            assertThat(all(pair.getKey(), AccountRecord.class)).allSatisfy(a -> {
                assertThat(a.sameAs().source()).isEqualTo(pair.getValue());
                assertThat(crmAccounts).contains(a.sameAs().id());
            });
            assertThat(all(pair.getKey(), OpportunityRecord.class)).hasSize(crmOpps.size()).allSatisfy(copy -> {
                OpportunityRecord original = crmOpps.get(copy.sameAs().id());
                assertThat(copy.sameAs().source()).isEqualTo(pair.getValue());
                assertThat(copy.amount()).isEqualTo(original.amount());
                assertThat(copy.isWon()).isEqualTo(original.isWon());
                assertThat(copy.accountId()).isEqualTo("ext:" + original.accountId());
            });
        }
    }

    @Test
    void townsendIsOneCompanyWorthOnePointOneMillionWithPeopleP1P2P3() {
        AccountLinkRecord link = all("mdm", AccountLinkRecord.class).stream()
                .filter(l -> l.id().equals("MDM-TOWNSEND")).findFirst().orElseThrow();
        assertThat(link.accounts()).containsExactlyInAnyOrder(
                new SourceRef("crm-1", ACCOUNT_1), new SourceRef("crm-2", ACCOUNT_2));
        assertThat(all("mdm", AccountLinkRecord.class)).hasSize(1); // Acme and Kestrel are single-system

        // Counted once, from the CRMs: the Marketo copies are sameAs them.
        double won = Stream.of("crm-1", "crm-2").flatMap(s -> all(s, OpportunityRecord.class).stream())
                .filter(o -> Set.of(ACCOUNT_1, ACCOUNT_2).contains(o.accountId()) && o.isWon())
                .mapToDouble(OpportunityRecord::amount).sum();
        assertThat(won).isEqualTo(1_100_000.0);

        Set<String> townsendKeys = Set.of(ACCOUNT_1, ACCOUNT_2, "ext:" + ACCOUNT_1, "ext:" + ACCOUNT_2);
        Set<String> emails = new HashSet<>();
        for (String source : List.of("crm-1", "crm-2", "marketo-1", "marketo-2")) {
            Map<String, String> email = new HashMap<>();
            all(source, PersonRecord.class).forEach(p -> email.put(p.id(), p.email()));
            all(source, AccountPersonRecord.class).stream().filter(ap -> townsendKeys.contains(ap.accountId()))
                    .forEach(ap -> emails.add(email.get(ap.personId())));
        }
        assertThat(emails).containsExactlyInAnyOrder("p1@townsend.com", "p2@townsend.com", "p3@townsend.com");
    }

    @Test
    void onlyP2VisitedTheNewProductPageAndMarketo1RecordedIt() {
        List<EventRecord> visits = Stream.of("marketo-1", "marketo-2")
                .flatMap(s -> all(s, EventRecord.class).stream())
                .filter(e -> e.eventType().equals("web.webpagedetails.pageViews")
                        && new io.cohort.model.Event("marketo-1", e.personId(), e.eventType(), e.timestamp(), e.url(), e.attributes())
                        .pathStartsWith("/products/new"))
                .toList();
        assertThat(visits).singleElement().satisfies(e -> {
            assertThat(all("marketo-1", EventRecord.class)).contains(e);
            assertThat(e.personId()).isEqualTo("1002");
            assertThat(e.url()).isEqualTo("https://www.bodea.com/products/new");
            assertThat(e.timestamp()).isEqualTo(Instant.parse("2026-11-20T10:15:00Z"));
        });
        assertThat(all("marketo-2", EventRecord.class)).noneMatch(e -> e.eventType().startsWith("web."));

        Map<String, String> leadIds = Map.of("1001", "p1@townsend.com", "1002", "p2@townsend.com");
        leadIds.forEach((id, email) -> assertThat(all("marketo-1", PersonRecord.class))
                .anySatisfy(p -> assertThat(p.id() + " " + p.email()).isEqualTo(id + " " + email)));
        assertThat(all("marketo-2", PersonRecord.class)).extracting(PersonRecord::id, PersonRecord::email)
                .contains(org.assertj.core.groups.Tuple.tuple("2001", "p2@townsend.com"),
                        org.assertj.core.groups.Tuple.tuple("2002", "p3@townsend.com"));
    }

    private static Set<String> ids(Stream<String> s) {
        return new HashSet<>(s.toList());
    }

    @Test
    void theParserAcceptsEveryMappedRecord() throws Exception {
        // records() fails on any delete or invalid field; the MDM file carries deletes on purpose.
        for (String[] u : uploads()) {
            if (u[0].equals("mdm")) continue;
            assertThat(records(SOURCES.get(u[0]).nativeMapper(u[0]).map(u[1], file(SAMPLES.resolve(u[2])))))
                    .as(u[2]).isNotEmpty();
        }
    }
}
