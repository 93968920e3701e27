package io.cohort.identity;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cohort.ingest.IngestLimits;
import io.cohort.ingest.RecordParser;
import io.cohort.model.Account;
import io.cohort.model.Activity;
import io.cohort.model.AccountPerson;
import io.cohort.model.Fact;
import io.cohort.model.Opportunity;
import io.cohort.model.Person;
import io.cohort.record.RecordChange;
import io.cohort.record.SourceRef;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Unification rules, on the graph alone. */
class ProfileGraphTest {
    private final ProfileGraph graph = new ProfileGraph();
    private final RecordParser parser = new RecordParser(new IngestLimits());
    private final ObjectMapper json = new ObjectMapper();
    private long seq;

    private void apply(String source, String... records) throws Exception {
        List<JsonNode> nodes = new ArrayList<>();
        for (String r : records) nodes.add(json.readTree(r));
        List<RecordChange> changes = parser.parse(nodes);
        graph.apply(source, changes, ++seq);
    }

    private List<Fact> factsOfPerson(String email) {
        String id = UnifiedIds.personByEmail(email);
        assertThat(graph.hasPerson(id)).isTrue();
        return graph.neighbourhood(List.of(id), 1, Instant.EPOCH).facts();
    }

    private static <T> List<T> of(List<Fact> facts, Class<T> type) {
        return facts.stream().filter(type::isInstance).map(type::cast).toList();
    }

    private Touched applied(String source, String... records) throws Exception {
        List<JsonNode> nodes = new ArrayList<>();
        for (String r : records) nodes.add(json.readTree(r));
        return graph.apply(source, parser.parse(nodes), ++seq);
    }

    private static String event(String id, String person, String url, String campaign) {
        return "{\"type\":\"event\",\"id\":\"" + id + "\",\"personId\":\"" + person
                + "\",\"eventType\":\"web.webpagedetails.pageViews\",\"timestamp\":\"2026-11-20T10:00:00Z\",\"url\":\"" + url
                + "\"" + (campaign == null ? "" : ",\"attributes\":{\"campaign\":\"" + campaign + "\"}") + "}";
    }

    /**
     * A person's record, relations, campaign memberships and events share one entry of the index:
     * it goes when the last of what it holds does, and never earlier; a relation (or an event)
     * naming a person without a record has an entry without one.
     */
    @Test
    void whatHangsOffAPersonLeavesNothingBehindWhenItGoes() throws Exception {
        apply("crm", "{\"type\":\"person\",\"id\":\"p\",\"email\":\"p@y.com\"}",
                "{\"type\":\"account\",\"id\":\"A\",\"name\":\"Acme\"}",
                "{\"type\":\"accountPerson\",\"accountId\":\"A\",\"personId\":\"p\"}",
                "{\"type\":\"accountPerson\",\"accountId\":\"A\",\"personId\":\"ghost\"}",
                "{\"type\":\"campaign\",\"id\":\"C\",\"name\":\"Launch\"}",
                "{\"type\":\"campaignMember\",\"campaignId\":\"C\",\"personId\":\"p\",\"status\":\"Sent\"}",
                event("E1", "p", "https://y.com/a", null), event("E2", "p", "https://y.com/b", null));
        SourceRef p = new SourceRef("crm", "p");
        SourceRef ghost = new SourceRef("crm", "ghost");
        java.util.function.Consumer<String> holds = what -> graph.readIndex(ix -> {
            ix.checkPersonIndex();
            assertThat(ix.people.get(p)).as(what).isNotNull();
        });
        holds.accept("everything");
        graph.readIndex(ix -> {
            assertThat(ix.people.get(p).relations).hasSize(1);
            assertThat(ix.people.get(p).leaves).hasSize(1);
            assertThat(ix.people.get(p).record()).isEqualTo(ix.person(p)).isNotNull();
            assertThat(ix.eventsOf(Node.person(p)).size()).isEqualTo(2);
            assertThat(ix.people.get(ghost).relations).as("a relation names a person without a record").hasSize(1);
            assertThat(ix.people.get(ghost).hasRecord()).isFalse();
            assertThat(ix.personRecordCount()).isEqualTo(1);
        });
        apply("crm", "{\"type\":\"event\",\"id\":\"E1\",\"deleted\":true}");
        holds.accept("one event, a relation, a membership");
        apply("crm", "{\"type\":\"accountPerson\",\"accountId\":\"A\",\"personId\":\"p\",\"deleted\":true}");
        holds.accept("one event and a membership");
        apply("crm", "{\"type\":\"campaignMember\",\"campaignId\":\"C\",\"personId\":\"p\",\"deleted\":true}");
        graph.readIndex(ix -> {
            ix.checkPersonIndex();
            assertThat(ix.people.get(p).relations).as("neither relations").isEmpty();
            assertThat(ix.people.get(p).leaves).as("nor memberships").isEmpty();
            assertThat(ix.eventsOf(Node.person(p)).size()).isEqualTo(1);
        });
        assertThat(graph.pruneEvents(Instant.parse("2026-11-21T00:00:00Z"))).as("the event is past the cutoff").isNotEmpty();
        graph.readIndex(ix -> {
            ix.checkPersonIndex();
            assertThat(ix.people.get(p).relations).as("nothing hangs off p any more").isEmpty();
            assertThat(ix.eventHolders()).isZero();
            assertThat(ix.person(p)).as("its record stays").isNotNull();
            assertThat(ix.eventOwners.size()).isZero();
        });
        apply("crm", "{\"type\":\"accountPerson\",\"accountId\":\"A\",\"personId\":\"ghost\",\"deleted\":true}");
        graph.readIndex(ix -> {
            ix.checkPersonIndex();
            assertThat(ix.people.get(ghost)).isNull();
            assertThat(ix.people.keySet()).containsExactly(p);
            assertThat(ix.relationsByAccount).as("the account's side goes too").isEmpty();
        });
        // Events come back to a person whose entry was dropped: a new slot, found again on delete.
        apply("crm", event("E3", "p", "https://y.com/c", null).replace("2026-11-20T10", "2026-11-25T10"));
        graph.readIndex(ix -> assertThat(ix.eventsOf(Node.person(p)).size()).isEqualTo(1));
        apply("crm", "{\"type\":\"event\",\"id\":\"E3\",\"deleted\":true}");
        graph.readIndex(ix -> {
            ix.checkPersonIndex();
            assertThat(ix.people.keySet()).containsExactly(p);
            assertThat(ix.eventHolders()).isZero();
        });
        // The record goes last: nothing is left of p.
        apply("crm", "{\"type\":\"person\",\"id\":\"p\",\"deleted\":true}");
        graph.readIndex(ix -> {
            ix.checkPersonIndex();
            assertThat(ix.people).isEmpty();
            assertThat(ix.personRecordCount()).isZero();
        });
    }

    /** An account and a deal of one source with one id keep their relations apart (each kind has its own index). */
    @Test
    void anAccountAndADealOfOneIdKeepTheirRelationsApart() throws Exception {
        apply("crm", "{\"type\":\"accountPerson\",\"accountId\":\"X\",\"personId\":\"p\"}",
                "{\"type\":\"opportunityPerson\",\"opportunityId\":\"X\",\"personId\":\"q\"}",
                "{\"type\":\"opportunityPerson\",\"opportunityId\":\"X\",\"personId\":\"r\"}");
        SourceRef x = new SourceRef("crm", "X");
        graph.readIndex(ix -> {
            ix.checkPersonIndex();
            assertThat(ix.relationsOf(Node.account(x))).hasSize(1);
            assertThat(ix.relationsOf(Node.opportunity(x))).hasSize(2);
        });
        apply("crm", "{\"type\":\"accountPerson\",\"accountId\":\"X\",\"personId\":\"p\",\"deleted\":true}");
        graph.readIndex(ix -> {
            ix.checkPersonIndex();
            assertThat(ix.relationsOf(Node.account(x))).isEmpty();
            assertThat(ix.relationsOf(Node.opportunity(x))).hasSize(2);
        });
    }

    /**
     * An account with more relations to people than the step-2 limit (a catch-all "Unknown"
     * account) is not looked through: its people are built without each other, and a change of one
     * reaches none of the others through it, while who is related to it reaches everyone (the
     * account may cross the limit either way). A deal likewise.
     */
    @Test
    void accountsAndDealsOverTheStepTwoLimitAreNotLookedThrough() throws Exception {
        ProfileGraph g = new ProfileGraph(3);
        List<JsonNode> nodes = new ArrayList<>();
        nodes.add(json.readTree("{\"type\":\"account\",\"id\":\"U\",\"name\":\"Unknown\"}"));
        nodes.add(json.readTree("{\"type\":\"opportunity\",\"id\":\"O\",\"name\":\"Deal\",\"amount\":5}"));
        for (int i = 0; i < 3; i++) {
            nodes.add(json.readTree("{\"type\":\"person\",\"id\":\"" + i + "\",\"email\":\"u" + i + "@y.com\"}"));
            nodes.add(json.readTree("{\"type\":\"accountPerson\",\"accountId\":\"U\",\"personId\":\"" + i + "\"}"));
            nodes.add(json.readTree("{\"type\":\"opportunityPerson\",\"opportunityId\":\"O\",\"personId\":\"" + i + "\"}"));
        }
        g.apply("crm", parser.parse(nodes), 1);
        String u0 = UnifiedIds.personByEmail("u0@y.com"), u1 = UnifiedIds.personByEmail("u1@y.com");
        java.util.function.Supplier<Long> people = () -> g.neighbourhood(List.of(u0), 2, Instant.EPOCH).facts().stream()
                .filter(f -> f instanceof Person).count();
        java.util.function.Function<String, Set<String>> reach = id -> g.affected(Touched.ofPeople(List.of(id)), 2);
        assertThat(people.get()).as("three relations each: both looked through").isEqualTo(3);
        assertThat(reach.apply(u1)).as("u1's colleagues see u1").contains(u0);

        nodes.clear();
        nodes.add(json.readTree("{\"type\":\"person\",\"id\":\"3\",\"email\":\"u3@y.com\"}"));
        nodes.add(json.readTree("{\"type\":\"accountPerson\",\"accountId\":\"U\",\"personId\":\"3\"}"));
        Touched crossing = g.apply("crm", parser.parse(nodes), 2);
        assertThat(g.affected(crossing, 2)).as("the account crossed the limit: all of its people").contains(u0, u1);
        assertThat(people.get()).as("the account is over the limit, the deal is not").isEqualTo(3);
        nodes.clear();
        nodes.add(json.readTree("{\"type\":\"opportunityPerson\",\"opportunityId\":\"O\",\"personId\":\"3\"}"));
        g.apply("crm", parser.parse(nodes), 3);
        assertThat(people.get()).as("both over the limit: u0 alone").isEqualTo(1);
        assertThat(reach.apply(u1)).as("nobody sees u1 through them").containsExactly(u1);
        long skipped = g.stepTwoSkipped();
        assertThat(skipped).isPositive();

        nodes.clear();
        nodes.add(json.readTree("{\"type\":\"accountPerson\",\"accountId\":\"U\",\"personId\":\"3\",\"deleted\":true}"));
        Touched back = g.apply("crm", parser.parse(nodes), 4);
        assertThat(g.affected(back, 2)).as("back under the limit: all of its people").contains(u0, u1);
        assertThat(people.get()).as("the account is looked through again").isEqualTo(3);
        assertThat(reach.apply(u1)).contains(u0);
    }

    /**
     * Relations of different types may have the same key in one source (numeric ids: account 1
     * and campaign 1 of a webhook source): each is its own record, as in the store. They shared
     * one entry, so the second replaced the first while both stayed filed under their nodes, and
     * deleting one took the other out.
     */
    @Test
    void relationsOfDifferentTypesWithTheSameKeyAreDifferentRecords() throws Exception {
        apply("hook", "{\"type\":\"person\",\"id\":\"7\",\"email\":\"q@y.com\"}",
                "{\"type\":\"account\",\"id\":\"1\",\"name\":\"Acme\"}",
                "{\"type\":\"opportunity\",\"id\":\"1\",\"name\":\"Deal\",\"amount\":10}",
                "{\"type\":\"campaign\",\"id\":\"1\",\"name\":\"Launch\"}",
                "{\"type\":\"marketingList\",\"id\":\"1\",\"name\":\"VIP\"}",
                "{\"type\":\"accountPerson\",\"accountId\":\"1\",\"personId\":\"7\"}",
                "{\"type\":\"opportunityPerson\",\"opportunityId\":\"1\",\"personId\":\"7\"}",
                "{\"type\":\"campaignMember\",\"campaignId\":\"1\",\"personId\":\"7\",\"status\":\"Sent\"}",
                "{\"type\":\"marketingListMember\",\"listId\":\"1\",\"personId\":\"7\"}");
        graph.readIndex(SourceIndex::checkPersonIndex);
        java.util.function.Supplier<List<String>> kinds = () -> factsOfPerson("q@y.com").stream()
                .map(f -> f.getClass().getSimpleName()).filter(k -> !k.equals("Person") && !k.equals("Activity")).sorted().toList();
        assertThat(kinds.get()).containsExactly("Account", "AccountPerson", "Campaign", "CampaignMember", "MarketingList", "MarketingListMember", "Opportunity",
                "OpportunityPerson");
        apply("hook", "{\"type\":\"accountPerson\",\"accountId\":\"1\",\"personId\":\"7\",\"deleted\":true}",
                "{\"type\":\"campaignMember\",\"campaignId\":\"1\",\"personId\":\"7\",\"deleted\":true}");
        graph.readIndex(SourceIndex::checkPersonIndex);
        assertThat(kinds.get()).as("only the deleted two go").containsExactly("MarketingList", "MarketingListMember", "Opportunity", "OpportunityPerson");
        ProfileGraph copy = new ProfileGraph();
        java.nio.file.Path file = java.nio.file.Files.createTempFile("graph", ".snapshot");
        try {
            var stamp = new GraphSnapshot.Stamp("store", seq, 0L);
            GraphSnapshot.write(graph, file, stamp);
            GraphSnapshot.read(file, stamp, copy, 0);
        } finally {
            java.nio.file.Files.deleteIfExists(file);
        }
        assertThat(copy.neighbourhood(List.of(UnifiedIds.personByEmail("q@y.com")), 1, Instant.EPOCH).facts())
                .as("a snapshot holds all of them").hasSameSizeAs(graph.neighbourhood(List.of(UnifiedIds.personByEmail("q@y.com")), 1,
                        Instant.EPOCH).facts());
    }

    /**
     * A neighbourhood built for rules that read only some kinds of fact holds those (and the people)
     * and follows only the relations those rules can join through.
     */
    @Test
    void aNeighbourhoodHoldsOnlyTheKindsOfFactItIsBuiltFor() throws Exception {
        apply("crm", "{\"type\":\"person\",\"id\":\"p\",\"email\":\"p@y.com\"}",
                "{\"type\":\"person\",\"id\":\"q\",\"email\":\"q@y.com\"}",
                "{\"type\":\"account\",\"id\":\"A\",\"name\":\"Acme\"}",
                "{\"type\":\"account\",\"id\":\"B\",\"name\":\"Bolt\"}",
                "{\"type\":\"accountPerson\",\"accountId\":\"A\",\"personId\":\"p\"}",
                "{\"type\":\"accountPerson\",\"accountId\":\"B\",\"personId\":\"q\"}",
                "{\"type\":\"opportunity\",\"id\":\"O\",\"accountId\":\"B\",\"amount\":5,\"stage\":\"Closed Won\",\"isWon\":true,\"isClosed\":true}",
                "{\"type\":\"opportunityPerson\",\"opportunityId\":\"O\",\"personId\":\"p\",\"role\":\"Decision Maker\"}",
                "{\"type\":\"campaign\",\"id\":\"C\",\"name\":\"Launch\"}",
                "{\"type\":\"campaignMember\",\"campaignId\":\"C\",\"personId\":\"p\",\"status\":\"Sent\"}",
                event("E1", "p", "https://y.com/a", null));
        String p = UnifiedIds.personByEmail("p@y.com");
        java.util.function.Function<FactTypes, java.util.Map<String, Long>> kinds = t -> {
            java.util.Map<String, Long> out = new java.util.TreeMap<>();
            graph.neighbourhood(List.of(p), 2, Instant.EPOCH, t).facts()
                    .forEach(f -> out.merge(f.getClass().getSimpleName(), 1L, Long::sum));
            return out;
        };
        assertThat(kinds.apply(FactTypes.ALL)).as("p's account A; B through p's contact role on O; B's person q")
                .containsExactlyInAnyOrderEntriesOf(java.util.Map.of("Person", 2L, "Activity", 2L, "Account", 2L,
                        "AccountPerson", 2L, "Opportunity", 1L, "OpportunityPerson", 1L, "Campaign", 1L, "CampaignMember", 1L));
        assertThat(kinds.apply(FactTypes.readBy(List.of(Person.class, AccountPerson.class, Account.class))))
                .as("no contact role followed: nothing these rules read can join B or q")
                .containsExactlyInAnyOrderEntriesOf(java.util.Map.of("Person", 1L, "Account", 1L, "AccountPerson", 1L));
        assertThat(kinds.apply(FactTypes.readBy(List.of(Person.class, io.cohort.model.OpportunityPerson.class, Opportunity.class))))
                .as("the deal through the contact role; its account brought, but no AccountPerson followed to q")
                .containsExactlyInAnyOrderEntriesOf(java.util.Map.of("Person", 1L, "OpportunityPerson", 1L, "Opportunity", 1L));
        assertThat(kinds.apply(FactTypes.readBy(List.of(Person.class, AccountPerson.class, Account.class, Opportunity.class))))
                .as("the account's deals, not the deals of contact roles")
                .containsExactlyInAnyOrderEntriesOf(java.util.Map.of("Person", 1L, "Account", 1L, "AccountPerson", 1L));
        assertThat(kinds.apply(FactTypes.readBy(List.of(Person.class, Activity.class, io.cohort.model.Campaign.class))))
                .containsExactlyInAnyOrderEntriesOf(java.util.Map.of("Person", 1L, "Activity", 1L, "Campaign", 1L));
        assertThat(kinds.apply(FactTypes.readBy(List.of(Fact.class)))).as("a supertype reads everything")
                .isEqualTo(kinds.apply(FactTypes.ALL));
    }

    /**
     * The read API finds an account by its unified id whether or not any evaluation built it: one
     * nobody is related to, one whose id a merge changed (the old id then names nothing), and every
     * account of a graph read from a snapshot.
     */
    @Test
    void accountsAreFoundByUnifiedIdWhateverWasEvaluated() throws Exception {
        apply("zz", "{\"type\":\"account\",\"id\":\"B\",\"name\":\"Bolt\"}");
        String before = UnifiedIds.account(new SourceRef("zz", "B"));
        assertThat(graph.accountView(before, Instant.EPOCH, null, Integer.MAX_VALUE)).as("an account nobody is related to").isPresent();
        apply("aa", "{\"type\":\"account\",\"id\":\"X\",\"name\":\"Bolt Inc\",\"sameAs\":{\"source\":\"zz\",\"id\":\"B\"}}");
        String after = UnifiedIds.account(new SourceRef("aa", "X"));
        assertThat(graph.accountView(after, Instant.EPOCH, null, Integer.MAX_VALUE)).as("the merged account, by its new id").isPresent();
        assertThat(graph.accountView(before, Instant.EPOCH, null, Integer.MAX_VALUE)).as("the id the merge retired").isEmpty();
        assertThat(graph.accountView("a-0000000000000000", Instant.EPOCH, null, Integer.MAX_VALUE)).isEmpty();

        java.nio.file.Path file = java.nio.file.Files.createTempFile("graph", ".snapshot");
        try {
            GraphSnapshot.Stamp stamp = new GraphSnapshot.Stamp("test", seq, 0);
            GraphSnapshot.write(graph, file, stamp);
            ProfileGraph read = new ProfileGraph();
            GraphSnapshot.read(file, stamp, read, 0);
            assertThat(read.accountView(after, Instant.EPOCH, null, Integer.MAX_VALUE)).as("read from a snapshot, nothing evaluated").isPresent();
            assertThat(read.accountView(before, Instant.EPOCH, null, Integer.MAX_VALUE)).isEmpty();
        } finally {
            java.nio.file.Files.deleteIfExists(file);
        }
    }

    /** Connectors re-fetch overlapping windows and webhooks retry: an event sent again unchanged changes nobody. */
    @Test
    void anEventSentAgainUnchangedTouchesNobody() throws Exception {
        apply("mkto", "{\"type\":\"person\",\"id\":\"p\",\"email\":\"x@y.com\"}",
                "{\"type\":\"person\",\"id\":\"q\",\"email\":\"z@y.com\"}");
        assertThat(applied("mkto", event("e1", "p", "https://a.com/x", "c1")).hasEvents()).isTrue();
        assertThat(applied("mkto", event("e1", "p", "https://a.com/x", "c1")).isEmpty()).as("the same event again").isTrue();
        assertThat(applied("mkto", event("e1", "p", "https://a.com/y", "c1")).hasEvents()).as("another URL").isTrue();
        assertThat(applied("mkto", event("e1", "p", "https://a.com/y", "c2")).hasEvents()).as("another attribute").isTrue();
        assertThat(applied("mkto", event("e1", "p", "https://a.com/y", null)).hasEvents()).as("no attributes").isTrue();
        assertThat(applied("mkto", event("e1", "p", "https://a.com/y", null)).isEmpty()).as("the same again").isTrue();
        assertThat(applied("other", event("e1", "p", "https://a.com/y", null)).hasEvents()).as("the same id from another source").isTrue();
        Touched moved = applied("mkto", event("e1", "q", "https://a.com/y", null));
        assertThat(moved.eventPeople).as("moved to another person: both told")
                .containsExactlyInAnyOrder(UnifiedIds.personByEmail("x@y.com"), UnifiedIds.personByEmail("z@y.com"));
        // (other:p is a source person of its own, not x@y.com: its event is not p's.)
        assertThat(of(factsOfPerson("x@y.com"), Activity.class).get(0).count(Instant.EPOCH)).as("p's event moved to q").isZero();
        assertThat(of(factsOfPerson("z@y.com"), Activity.class).get(0).count(Instant.EPOCH)).isEqualTo(1);
    }

    @Test
    void linksAreTransitiveAndUnlinkingSplits() throws Exception {
        apply("crm-1", "{\"type\":\"account\",\"id\":\"A\",\"name\":\"A\"}",
                "{\"type\":\"person\",\"id\":\"p\",\"email\":\"x@y.com\"}",
                "{\"type\":\"accountPerson\",\"accountId\":\"A\",\"personId\":\"p\"}");
        apply("crm-2", "{\"type\":\"account\",\"id\":\"B\",\"name\":\"B\"}");
        apply("crm-3", "{\"type\":\"account\",\"id\":\"C\",\"name\":\"C\"}");
        apply("mdm", "{\"type\":\"accountLink\",\"id\":\"L1\",\"accounts\":[{\"source\":\"crm-1\",\"id\":\"A\"},{\"source\":\"crm-2\",\"id\":\"B\"}]}",
                "{\"type\":\"accountLink\",\"id\":\"L2\",\"accounts\":[{\"source\":\"crm-2\",\"id\":\"B\"},{\"source\":\"crm-3\",\"id\":\"C\"}]}");
        List<Account> accounts = of(factsOfPerson("x@y.com"), Account.class);
        assertThat(accounts).hasSize(1);
        assertThat(accounts.get(0).sources()).containsExactly("crm-1:A", "crm-2:B", "crm-3:C");
        String unifiedId = accounts.get(0).id();

        apply("mdm", "{\"type\":\"accountLink\",\"id\":\"L2\",\"deleted\":true}");
        accounts = of(factsOfPerson("x@y.com"), Account.class);
        assertThat(accounts).hasSize(1);
        assertThat(accounts.get(0).sources()).containsExactly("crm-1:A", "crm-2:B");
        assertThat(accounts.get(0).id()).as("the smallest member keeps the id").isEqualTo(unifiedId);
    }

    /** Edges are counted: a pair two records state stays linked until the last of them goes. */
    @Test
    void aPairStatedTwiceStaysLinkedUntilBothStatementsGo() throws Exception {
        apply("crm-1", "{\"type\":\"account\",\"id\":\"A\",\"name\":\"A\"}",
                "{\"type\":\"person\",\"id\":\"p\",\"email\":\"x@y.com\"}",
                "{\"type\":\"accountPerson\",\"accountId\":\"A\",\"personId\":\"p\"}");
        apply("crm-2", "{\"type\":\"account\",\"id\":\"B\",\"name\":\"B\",\"sameAs\":{\"source\":\"crm-1\",\"id\":\"A\"}}");
        String pair = "\"accounts\":[{\"source\":\"crm-1\",\"id\":\"A\"},{\"source\":\"crm-2\",\"id\":\"B\"}]";
        apply("mdm", "{\"type\":\"accountLink\",\"id\":\"L1\"," + pair + "}", "{\"type\":\"accountLink\",\"id\":\"L2\"," + pair + "}");
        for (String gone : List.of("{\"type\":\"accountLink\",\"id\":\"L1\",\"deleted\":true}",
                "{\"type\":\"accountLink\",\"id\":\"L2\",\"deleted\":true}")) {
            apply("mdm", gone);
            assertThat(of(factsOfPerson("x@y.com"), Account.class)).singleElement()
                    .satisfies(a -> assertThat(a.sources()).containsExactly("crm-1:A", "crm-2:B"));
        }
        apply("crm-2", "{\"type\":\"account\",\"id\":\"B\",\"name\":\"B\"}");
        assertThat(of(factsOfPerson("x@y.com"), Account.class)).singleElement()
                .satisfies(a -> assertThat(a.sources()).as("the last statement gone").containsExactly("crm-1:A"));
    }

    @Test
    void peopleUnifyByNormalizedEmailAndSplitWhenTheEmailChanges() throws Exception {
        apply("marketo-1", "{\"type\":\"person\",\"id\":\"1\",\"email\":\" P@X.com\",\"firstName\":\"Old\"}");
        apply("crm-1", "{\"type\":\"person\",\"id\":\"9\",\"email\":\"p@x.com\",\"firstName\":\"New\",\"emailOptOut\":true}");
        Person p = of(factsOfPerson("p@x.com"), Person.class).get(0);
        assertThat(p.sources()).containsExactly("crm-1:9", "marketo-1:1");
        assertThat(p.firstName()).isEqualTo("New");
        assertThat(p.emailOptOut()).as("an opt-out from any source wins").isTrue();

        apply("marketo-1", "{\"type\":\"person\",\"id\":\"1\",\"email\":\"q@x.com\"}");
        assertThat(of(factsOfPerson("p@x.com"), Person.class).get(0).sources()).containsExactly("crm-1:9");
        assertThat(of(factsOfPerson("q@x.com"), Person.class).get(0).sources()).containsExactly("marketo-1:1");
    }

    @Test
    void syncedCopiesAndDuplicateRelationsCountOnce() throws Exception {
        apply("crm-1", "{\"type\":\"account\",\"id\":\"A\"}",
                "{\"type\":\"person\",\"id\":\"p\",\"email\":\"x@y.com\"}",
                "{\"type\":\"accountPerson\",\"accountId\":\"A\",\"personId\":\"p\"}",
                "{\"type\":\"opportunity\",\"id\":\"O\",\"accountId\":\"A\",\"amount\":100,\"isWon\":true}");
        apply("marketo-1", "{\"type\":\"account\",\"id\":\"M\",\"sameAs\":{\"source\":\"crm-1\",\"id\":\"A\"}}",
                "{\"type\":\"person\",\"id\":\"7\",\"email\":\"x@y.com\"}",
                "{\"type\":\"accountPerson\",\"accountId\":\"M\",\"personId\":\"7\"}",
                "{\"type\":\"opportunity\",\"id\":\"MO\",\"accountId\":\"M\",\"amount\":999,\"isWon\":true,\"sameAs\":{\"source\":\"crm-1\",\"id\":\"O\"}}");
        List<Fact> facts = factsOfPerson("x@y.com");
        assertThat(of(facts, Account.class)).hasSize(1);
        assertThat(of(facts, AccountPerson.class)).hasSize(1);
        List<Opportunity> opps = of(facts, Opportunity.class);
        assertThat(opps).hasSize(1);
        assertThat(opps.get(0).amount()).as("the CRM is the system of record").isEqualTo(100.0);
        assertThat(opps.get(0).accountId()).isEqualTo(of(facts, Account.class).get(0).id());
    }

    /** Everyone with a record once, an account's people together (evaluated in one chunk), people without an account last. */
    @Test
    void personIdsKeepAnAccountsPeopleTogether() throws Exception {
        apply("crm-1", "{\"type\":\"account\",\"id\":\"B\",\"name\":\"B\"}",
                "{\"type\":\"account\",\"id\":\"A\",\"name\":\"A\"}",
                "{\"type\":\"person\",\"id\":\"b1\",\"email\":\"b1@b.com\"}",
                "{\"type\":\"person\",\"id\":\"a1\",\"email\":\"a1@a.com\"}",
                "{\"type\":\"person\",\"id\":\"lone\",\"email\":\"lone@x.com\"}",
                "{\"type\":\"person\",\"id\":\"b2\",\"email\":\"b2@b.com\"}",
                "{\"type\":\"person\",\"id\":\"a2\",\"email\":\"a2@a.com\"}",
                "{\"type\":\"accountPerson\",\"accountId\":\"B\",\"personId\":\"b1\"}",
                "{\"type\":\"accountPerson\",\"accountId\":\"A\",\"personId\":\"a1\"}",
                "{\"type\":\"accountPerson\",\"accountId\":\"B\",\"personId\":\"b2\"}",
                "{\"type\":\"accountPerson\",\"accountId\":\"A\",\"personId\":\"a2\"}",
                // a2 also works with B: their first account (A) places them
                "{\"type\":\"accountPerson\",\"accountId\":\"B\",\"personId\":\"a2\"}");
        // A relation naming a person without a record: not a person of the graph.
        apply("crm-1", "{\"type\":\"accountPerson\",\"accountId\":\"A\",\"personId\":\"ghost\"}");
        String a1 = UnifiedIds.personByEmail("a1@a.com"), a2 = UnifiedIds.personByEmail("a2@a.com");
        String b1 = UnifiedIds.personByEmail("b1@b.com"), b2 = UnifiedIds.personByEmail("b2@b.com");
        List<String> ids = graph.personIds();
        assertThat(ids).hasSize(5).doesNotHaveDuplicates();
        assertThat(ids.subList(0, 2)).containsExactlyInAnyOrder(a1, a2);
        assertThat(ids.subList(2, 4)).containsExactlyInAnyOrder(b1, b2);
        assertThat(ids.get(4)).isEqualTo(UnifiedIds.personByEmail("lone@x.com"));
        assertThat(graph.personIds()).as("a fixed order").isEqualTo(ids);
    }

    /**
     * The clock's pruning while a snapshot reads the whole graph (a checkpoint, seconds at 1M):
     * it gives up after its patience instead of queueing, so a profile read that comes after it
     * is answered while the long read goes on (a queued writer makes every later reader wait).
     * The next attempt, once the graph is free, prunes.
     */
    @Test
    void pruningGivesWayToASnapshotBeingWrittenAndReadersGoOn() throws Exception {
        apply("crm", "{\"type\":\"person\",\"id\":\"p\",\"email\":\"p@x.com\"}", event("e1", "p", "https://x.com", null));
        java.util.concurrent.CountDownLatch reading = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        Thread snapshot = new Thread(() -> graph.readIndex(ix -> {
            reading.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }));
        snapshot.start();
        try {
            reading.await();
            Instant cutoff = Instant.parse("2026-11-21T00:00:00Z");
            assertThat(graph.pruneEventsUnlessBusy(cutoff, java.time.Duration.ofMillis(50))).as("the graph is being read").isEmpty();
            java.util.concurrent.atomic.AtomicBoolean answered = new java.util.concurrent.atomic.AtomicBoolean();
            Thread reader = new Thread(() -> answered.set(graph.person(UnifiedIds.personByEmail("p@x.com")).isPresent()));
            reader.start();
            reader.join(30_000);
            assertThat(answered).as("a profile read during the snapshot is answered").isTrue();
        } finally {
            release.countDown();
            snapshot.join();
        }
        assertThat(graph.pruneEventsUnlessBusy(Instant.parse("2026-11-21T00:00:00Z"), java.time.Duration.ofMillis(50)))
                .as("free again: pruned, the person's activity changed").hasValue(Set.of(UnifiedIds.personByEmail("p@x.com")));
    }
}
