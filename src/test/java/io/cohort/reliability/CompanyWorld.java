package io.cohort.reliability;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.*;

/**
 * A seeded B2B world shaped like real CRM data, as whole exports of five sources: companies with a
 * CRM account per line of business (crm-1, crm-2), Marketo copies of most accounts and deals
 * (sameAs), MDM links between a company's CRM accounts for some companies, people related to
 * their company's accounts and — for {@code crossShare} of them — also to an account of another
 * company (partners, agencies, people who changed jobs), which chains companies into one large
 * connected component; won, lost and open deals with amounts that cross the segments' thresholds
 * only when a company's accounts are unified; contact roles, campaign and list memberships, page
 * views in and out of the rules' windows. Then {@link #mutations} change it the way sources do.
 */
public final class CompanyWorld {
    static final ObjectMapper JSON = new ObjectMapper();
    public static final List<String> SOURCES = List.of("crm-1", "crm-2", "marketo-1", "marketo-2", "mdm");

    private final Random rnd;
    private final Instant now;
    private final int companies;
    private final double crossShare;
    private final Map<String, List<ObjectNode>> exports = new LinkedHashMap<>();
    /** Per company: its people as (source, id), its CRM accounts as (crm source, id). */
    private final List<List<String[]>> people = new ArrayList<>();
    private final List<List<String[]>> accounts = new ArrayList<>();
    private int nextDeal;
    private int nextEvent;
    private final boolean someEventsAhead;

    public CompanyWorld(long seed, Instant now, int companies, double crossShare) {
        this(seed, now, companies, crossShare, false);
    }

    /** @param someEventsAhead some events are dated up to a day after {@code now} (RandomRecords#eventTime) */
    public CompanyWorld(long seed, Instant now, int companies, double crossShare, boolean someEventsAhead) {
        this.someEventsAhead = someEventsAhead;
        this.rnd = new Random(seed);
        this.now = now;
        this.companies = companies;
        this.crossShare = crossShare;
        SOURCES.forEach(s -> exports.put(s, new ArrayList<>()));
        for (int c = 0; c < companies; c++) company(c);
        for (int c = 0; c < companies; c++) crossRelations(c);
    }

    /** Every source's records, as it would export them. */
    public Map<String, List<ObjectNode>> exports() { return exports; }

    private void company(int c) {
        List<String[]> accs = new ArrayList<>();
        List<String[]> ppl = new ArrayList<>();
        boolean line1 = rnd.nextInt(4) != 0;
        boolean line2 = !line1 || rnd.nextInt(2) == 0;
        String domain = "co" + c + ".com";
        String industry = rnd.nextInt(3) == 0 ? "Automotive OEM" : rnd.nextBoolean() ? "Retail" : null;
        for (int line = 1; line <= 2; line++) {
            if (line == 1 ? !line1 : !line2) continue;
            String crm = "crm-" + line;
            String mkto = "marketo-" + line;
            String aid = "A" + c + "-" + line;
            ObjectNode a = rec("account", "id", aid).put("name", "Company " + c).put("domain", domain);
            if (industry != null && rnd.nextInt(3) > 0) a.put("industry", industry);
            a.put("employees", new int[] {50, 800, 5_000}[rnd.nextInt(3)]);
            exports.get(crm).add(a);
            accs.add(new String[] {crm, aid});
            if (rnd.nextInt(5) > 0) {
                ObjectNode copy = rec("account", "id", "M" + aid).put("name", "Company " + c);
                ref(copy.putObject("sameAs"), crm, aid);
                exports.get(mkto).add(copy);
            }
            int deals = 1 + rnd.nextInt(4);
            for (int d = 0; d < deals; d++) {
                String oid = "O" + (nextDeal++);
                boolean won = rnd.nextInt(3) > 0;
                boolean closed = won || rnd.nextInt(3) == 0;
                ObjectNode o = rec("opportunity", "id", oid).put("accountId", aid)
                        .put("amount", new int[] {150_000, 300_000, 600_000, 900_000}[rnd.nextInt(4)])
                        .put("isWon", won).put("isClosed", closed)
                        .put("stage", closed ? (won ? "Closed Won" : "Closed Lost") : rnd.nextBoolean() ? "Proposal/Price Quote" : "Prospecting");
                exports.get(crm).add(o);
                if (rnd.nextInt(3) > 0) {
                    ObjectNode copy = rec("opportunity", "id", "M" + oid).put("accountId", "M" + aid)
                            .put("amount", o.get("amount").asInt() + (rnd.nextInt(5) == 0 ? 50_000 : 0)).put("isWon", won);
                    ref(copy.putObject("sameAs"), crm, oid);
                    exports.get(mkto).add(copy);
                }
            }
        }
        if (accs.size() == 2 && rnd.nextInt(10) < 7) {
            ObjectNode l = rec("accountLink", "id", "L" + c);
            ArrayNode list = l.putArray("accounts");
            for (String[] a : accs) ref(list.addObject(), a[0], a[1]);
            exports.get("mdm").add(l);
        }
        int n = 2 + rnd.nextInt(6);
        for (int p = 0; p < n; p++) {
            String email = "p" + p + "@" + domain;
            for (String[] a : accs) {
                String line = a[0].substring(4);
                if (rnd.nextInt(4) == 0 && accs.size() > 1) continue; // not every person is in every system
                String pid = "P" + c + "-" + p + "-" + line;
                exports.get(a[0]).add(rec("person", "id", pid).put("email", rnd.nextInt(5) == 0 ? email.toUpperCase() + " " : email));
                exports.get(a[0]).add(rel("accountPerson", "accountId", a[1], pid));
                ppl.add(new String[] {a[0], pid});
                String mkto = "marketo-" + line;
                if (rnd.nextInt(4) > 0) {
                    String lead = "L" + c + "-" + p + "-" + line;
                    exports.get(mkto).add(rec("person", "id", lead).put("email", email));
                    if (rnd.nextBoolean()) exports.get(mkto).add(rel("accountPerson", "accountId", "M" + a[1], lead));
                    int views = rnd.nextInt(4);
                    for (int v = 0; v < views; v++) exports.get(mkto).add(event(lead));
                    if (rnd.nextInt(6) == 0) exports.get(mkto).add(rel("campaignMember", "campaignId", "C1", lead).put("status", "Attended"));
                    ppl.add(new String[] {mkto, lead});
                }
                if (rnd.nextInt(4) == 0) {
                    exports.get(a[0]).add(rel("opportunityPerson", "opportunityId", "O" + rnd.nextInt(Math.max(1, nextDeal)), pid)
                            .put("role", "Decision Maker"));
                }
            }
        }
        people.add(ppl);
        accounts.add(accs);
    }

    /** Partners and job changers: relations to another company's account chain companies together. */
    private void crossRelations(int c) {
        for (String[] p : people.get(c)) {
            if (!p[0].startsWith("crm-") || rnd.nextDouble() >= crossShare || companies < 2) continue;
            int other = rnd.nextInt(companies);
            if (other == c) continue;
            for (String[] a : accounts.get(other)) {
                if (a[0].equals(p[0])) {
                    exports.get(p[0]).add(rel("accountPerson", "accountId", a[1], p[1]).put("role", "Partner"));
                    break;
                }
            }
        }
    }

    /**
     * What sources do afterwards: MDM links cut and restored, deals won, lost, re-valued and
     * moved, people changing email (identities merge and split), relations ending, new page views.
     */
    public List<RandomRecords.Batch> mutations(int n) {
        List<RandomRecords.Batch> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int c = rnd.nextInt(companies);
            int kind = rnd.nextInt(8);
            List<String[]> accs = accounts.get(c);
            List<String[]> ppl = people.get(c);
            switch (kind) {
                case 0 -> {
                    if (accs.size() == 2) {
                        ObjectNode l = rec("accountLink", "id", "L" + c);
                        if (rnd.nextBoolean()) l.put("deleted", true);
                        else for (String[] a : accs) ref(l.withArray("accounts").addObject(), a[0], a[1]);
                        out.add(new RandomRecords.Batch("mdm", List.of(l)));
                    }
                }
                case 1, 2 -> {
                    String[] a = accs.get(rnd.nextInt(accs.size()));
                    ObjectNode o = rec("opportunity", "id", "O" + (nextDeal++)).put("accountId", a[1])
                            .put("amount", new int[] {200_000, 500_000, 800_000}[rnd.nextInt(3)]).put("isWon", rnd.nextBoolean())
                            .put("isClosed", true);
                    out.add(new RandomRecords.Batch(a[0], List.of(o)));
                }
                case 3 -> {
                    if (nextDeal > 0) {
                        String[] a = accs.get(rnd.nextInt(accs.size()));
                        ObjectNode o = rec("opportunity", "id", "O" + rnd.nextInt(nextDeal));
                        if (rnd.nextInt(4) == 0) o.put("deleted", true);
                        else o.put("accountId", a[1]).put("amount", 1_100_000).put("isWon", true).put("isClosed", true);
                        out.add(new RandomRecords.Batch(a[0], List.of(o)));
                    }
                }
                case 4 -> {
                    if (!ppl.isEmpty()) {
                        String[] p = ppl.get(rnd.nextInt(ppl.size()));
                        String email = "p" + rnd.nextInt(8) + "@co" + rnd.nextInt(companies) + ".com";
                        out.add(new RandomRecords.Batch(p[0], List.of(rec("person", "id", p[1]).put("email", email))));
                    }
                }
                case 5 -> {
                    if (!ppl.isEmpty()) {
                        String[] p = ppl.get(rnd.nextInt(ppl.size()));
                        if (p[0].startsWith("crm-")) {
                            String[] a = accounts.get(rnd.nextInt(companies)).get(0);
                            if (a[0].equals(p[0])) {
                                ObjectNode r = rel("accountPerson", "accountId", a[1], p[1]);
                                if (rnd.nextBoolean()) r.put("deleted", true);
                                out.add(new RandomRecords.Batch(p[0], List.of(r)));
                            }
                        }
                    }
                }
                default -> {
                    if (!ppl.isEmpty()) {
                        String[] p = ppl.get(rnd.nextInt(ppl.size()));
                        if (p[0].startsWith("marketo-")) out.add(new RandomRecords.Batch(p[0], List.of(event(p[1]))));
                    }
                }
            }
        }
        return out;
    }

    /**
     * The exports as batches in an arrival order: whole sources in a random order, each split into
     * batches of random size, and with {@code interleave} the sources' batches mixed.
     */
    public List<RandomRecords.Batch> arrival(boolean interleave) {
        List<String> order = new ArrayList<>(SOURCES);
        Collections.shuffle(order, rnd);
        List<List<RandomRecords.Batch>> perSource = new ArrayList<>();
        for (String s : order) {
            List<ObjectNode> recs = new ArrayList<>(exports.get(s));
            if (rnd.nextBoolean()) Collections.shuffle(recs, rnd);
            List<RandomRecords.Batch> batches = new ArrayList<>();
            for (int from = 0; from < recs.size(); ) {
                int n = 1 + rnd.nextInt(40);
                batches.add(new RandomRecords.Batch(s, List.copyOf(recs.subList(from, Math.min(recs.size(), from + n)))));
                from += n;
            }
            perSource.add(batches);
        }
        List<RandomRecords.Batch> out = new ArrayList<>();
        if (!interleave) {
            perSource.forEach(out::addAll);
            return out;
        }
        List<Deque<RandomRecords.Batch>> queues = new ArrayList<>();
        perSource.forEach(b -> queues.add(new ArrayDeque<>(b)));
        while (queues.stream().anyMatch(q -> !q.isEmpty())) {
            Deque<RandomRecords.Batch> q = queues.get(rnd.nextInt(queues.size()));
            if (!q.isEmpty()) out.add(q.poll());
        }
        return out;
    }

    private ObjectNode event(String lead) {
        boolean newPage = rnd.nextInt(3) == 0;
        return rec("event", "id", "E" + (nextEvent++)).put("personId", lead).put("eventType", "web.webpagedetails.pageViews")
                .put("timestamp", RandomRecords.eventTime(now, 1 + rnd.nextInt(40 * 24), someEventsAhead).toString())
                .put("url", newPage ? "https://bodea.com/products/new/x" : "https://bodea.com/pricing");
    }

    private static ObjectNode rec(String type, String keyField, String key) {
        return JSON.createObjectNode().put("type", type).put(keyField, key);
    }

    private static ObjectNode rel(String type, String field, String value, String personId) {
        return JSON.createObjectNode().put("type", type).put(field, value).put("personId", personId);
    }

    private static void ref(ObjectNode o, String source, String id) {
        o.put("source", source).put("id", id);
    }
}
