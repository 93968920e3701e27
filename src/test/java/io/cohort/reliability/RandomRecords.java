package io.cohort.reliability;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Seeded batches of valid canonical records over a deliberately small world, so that changes
 * collide: people change email (persons merge and split), MDM links come and go (accounts merge
 * and split), opportunities and events move between accounts and people, anything may be deleted.
 * Sources are named as in test-config.yml.
 */
public final class RandomRecords {
    public static final String CRM = "crm-1";
    public static final String MARKETO = "marketo-1";
    public static final String MDM = "mdm";
    static final ObjectMapper JSON = new ObjectMapper();

    /** One batch of one source. */
    public record Batch(String source, List<ObjectNode> records) {
        public String body() {
            ObjectNode b = JSON.createObjectNode();
            ArrayNode a = b.putArray("records");
            records.forEach(a::add);
            return b.toString();
        }
    }

    private final Random rnd;
    private final Instant now;
    private final int people;
    private final int emails;
    private final int accounts;
    private final boolean numeric;
    private final boolean someEventsAhead;

    public RandomRecords(long seed, Instant now, int people, int emails, int accounts) {
        this(seed, now, people, emails, accounts, false);
    }

    /**
     * @param numeric ids are bare numbers, as in sources that number each object type from 1: person
     *                3, account 3, deal 3 and campaign 1 of one source then share ids, and so do
     *                their relations' key fields (account 1's contact 3, campaign 1's member 3)
     */
    public RandomRecords(long seed, Instant now, int people, int emails, int accounts, boolean numeric) {
        this(seed, now, people, emails, accounts, numeric, false);
    }

    /** @param someEventsAhead one event in eight is dated up to a day after {@code now} (see {@link #eventTime}) */
    public RandomRecords(long seed, Instant now, int people, int emails, int accounts, boolean numeric, boolean someEventsAhead) {
        this.someEventsAhead = someEventsAhead;
        this.rnd = new Random(seed);
        this.now = now;
        this.people = people;
        this.emails = emails;
        this.accounts = accounts;
        this.numeric = numeric;
    }

    /** An id of a kind ("A" accounts, "O" deals, "P" people, ...): the kind's letter and a number, or the number alone. */
    private String id(String kind, int n) { return numeric ? Integer.toString(n) : kind + n; }

    /** Every email the generator may use (to look profiles up afterwards). */
    public List<String> emails() {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < emails; i++) out.add(email(i));
        return out;
    }

    private static String email(int i) { return "user" + i + "@corp" + (i % 3) + ".com"; }

    public Batch next() {
        int roll = rnd.nextInt(10);
        if (roll == 0) return new Batch(MDM, List.of(link()));
        String source = rnd.nextBoolean() ? CRM : MARKETO;
        List<ObjectNode> out = new ArrayList<>();
        int n = 1 + rnd.nextInt(5);
        for (int i = 0; i < n; i++) out.add(record(source));
        return new Batch(source, out);
    }

    private ObjectNode record(String source) {
        int kind = rnd.nextInt(100);
        if (kind < 18) return person(source);
        if (kind < 30) return account(source);
        if (kind < 48) return opportunity(source);
        if (kind < 63) return relation(source, "accountPerson", "accountId", id("A", rnd.nextInt(accounts)));
        if (kind < 70) return relation(source, "opportunityPerson", "opportunityId", id("O", rnd.nextInt(accounts)));
        if (kind < 85) return event(source);
        if (kind < 90) return campaign(source);
        return relation(source, "campaignMember", "campaignId", id("C", rnd.nextInt(2)));
    }

    private ObjectNode person(String source) {
        ObjectNode r = base("person", "id", id("P", rnd.nextInt(people)));
        if (deleted(r)) return r;
        if (rnd.nextInt(10) > 0) r.put("email", (rnd.nextInt(4) == 0 ? " USER" : "user") + email(rnd.nextInt(emails)).substring(4));
        r.put("firstName", rnd.nextBoolean() ? "Ann" : "Bob");
        if (rnd.nextInt(8) == 0) r.put("emailOptOut", true);
        return r;
    }

    private ObjectNode account(String source) {
        ObjectNode r = base("account", "id", id("A", rnd.nextInt(accounts)));
        if (deleted(r)) return r;
        r.put("name", rnd.nextBoolean() ? "Big" : "Small");
        if (source.equals(MARKETO) && rnd.nextInt(3) == 0) ref(r.putObject("sameAs"), CRM, id("A", rnd.nextInt(accounts)));
        return r;
    }

    private ObjectNode opportunity(String source) {
        ObjectNode r = base("opportunity", "id", id("O", rnd.nextInt(accounts)));
        if (deleted(r)) return r;
        if (rnd.nextInt(10) > 0) r.put("accountId", id("A", rnd.nextInt(accounts)));
        r.put("amount", new int[] {100_000, 400_000, 700_000, 1_200_000}[rnd.nextInt(4)]);
        r.put("isWon", rnd.nextInt(5) < 3);
        if (source.equals(MARKETO) && rnd.nextInt(3) == 0) ref(r.putObject("sameAs"), CRM, id("O", rnd.nextInt(accounts)));
        return r;
    }

    private ObjectNode relation(String source, String type, String field, String value) {
        ObjectNode r = JSON.createObjectNode().put("type", type).put(field, value).put("personId", id("P", rnd.nextInt(people)));
        if (rnd.nextInt(6) == 0) r.put("deleted", true);
        return r;
    }

    private ObjectNode event(String source) {
        ObjectNode r = base("event", "id", id("E", rnd.nextInt(people * 2)));
        if (deleted(r)) return r;
        r.put("personId", id("P", rnd.nextInt(people)));
        r.put("eventType", "web.webpagedetails.pageViews");
        r.put("timestamp", eventTime(now, rnd.nextInt(40 * 24), someEventsAhead).toString());
        r.put("url", rnd.nextBoolean() ? "https://corp.com/products/new/x" : "https://corp.com/pricing");
        return r;
    }

    /**
     * An event's time {@code hours} before {@code now}; with {@code someAhead}, one in eight is
     * instead 1 to 23 hours after it, as ingestion takes from a source with a skewed clock. From the
     * same draw, so the generator's other choices stay as they were for a seed.
     */
    static Instant eventTime(Instant now, int hours, boolean someAhead) {
        return someAhead && hours % 8 == 0 ? now.plus(Duration.ofHours(1 + hours / 8 % 23)) : now.minus(Duration.ofHours(hours));
    }

    private ObjectNode campaign(String source) {
        ObjectNode r = base("campaign", "id", id("C", rnd.nextInt(2)));
        if (deleted(r)) return r;
        return r.put("name", "Campaign").put("status", rnd.nextBoolean() ? "active" : "done");
    }

    private ObjectNode link() {
        ObjectNode r = base("accountLink", "id", id("L", rnd.nextInt(Math.max(2, accounts / 2))));
        if (rnd.nextInt(3) == 0) return r.put("deleted", true);
        ArrayNode a = r.putArray("accounts");
        int n = 2 + rnd.nextInt(2);
        for (int i = 0; i < n; i++) ref(a.addObject(), rnd.nextBoolean() ? CRM : MARKETO, id("A", rnd.nextInt(accounts)));
        return r;
    }

    private ObjectNode base(String type, String keyField, String key) {
        return JSON.createObjectNode().put("type", type).put(keyField, key);
    }

    private boolean deleted(ObjectNode r) {
        if (rnd.nextInt(7) != 0) return false;
        r.put("deleted", true);
        return true;
    }

    private static void ref(ObjectNode o, String source, String id) {
        o.put("source", source).put("id", id);
    }
}
