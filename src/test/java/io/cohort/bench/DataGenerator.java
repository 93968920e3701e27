package io.cohort.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Deterministic B2B data shaped like the Bodea seed, at any scale. Company {@code c} depends only
 * on (seed, c), so a smaller data set is a prefix of a larger one and any company can be
 * regenerated on its own (the streaming load does that).
 *
 * <p>Per company: one or both lines of business (CRM 1 + Marketo 1, CRM 2 + Marketo 2), a CRM
 * account per line, a Marketo copy ({@code sameAs}) of most, an MDM link between the two CRM
 * accounts for 70% of two-line companies; 6–14 people related to 1–3 source accounts (1.5 on
 * average), every person with a Marketo lead; 1–5 opportunities (won/lost/open) with Marketo copies
 * (10% of copies stale: the CRM, as system of record, must win) and contact roles; 10–30 web and
 * email events per person over the last 90 days, ~4% of page views under /products/new.
 *
 * <p>What the other shipped segments need (version 2), drawn from a second random stream per company
 * so that every record of version 1 keeps its values (except the two fixes marked below):
 * <ul>
 *   <li>Firmographics per company, the same in every source that states them: industry (Automotive
 *       refined into "Automotive", "Automotive Components", "Automotive OEM"), employees log-uniform
 *       10–50,000 (was uniform 50–20,050), annual revenue (employees × $60k–$700k) on 60% of CRM
 *       accounts. 10% of CRM accounts lack industry, 10% lack employees; their Marketo copy then states
 *       the company's value. A Marketo copy states employees (40%) or revenue (30%) and is stale (a
 *       different value, which the CRM must outvote) only where its CRM states the field too.
 *       <b>Fix:</b> the two CRM accounts of a two-line company used to have independent industries and
 *       sizes; once the MDM link unifies them the surviving value depended on arrival order (latest
 *       system-of-record value wins), so no SQL could reproduce it. Now all sources agree, except
 *       stale copies, which never survive.
 *   <li>Stages of open deals: Prospecting, Qualification, Needs Analysis, Value Proposition (90%),
 *       Proposal/Price Quote (6%), Negotiation/Review (4%); 5% of lost deals still say "Negotiation/Review" (closed: must not
 *       count). Marketo copies carry the stage too (stale copies a closed one).
 *   <li>Contact roles on 25% of deals for a company person with no relation to that CRM's account
 *       (a CRM contact without account link): the only path to some deals' people.
 *   <li>Campaigns and static lists: a fixed catalog per Marketo instance, emitted with company 0
 *       (campaign 3001 is a webinar in marketo-1 but a trade show in marketo-2; list 77 is the
 *       recording requests in marketo-1 but the newsletter in marketo-2); 12% of leads are members
 *       of 1–2 campaigns (webinar statuses Registered, Attended, No Show, Attended On-demand), 5% are
 *       on one list.
 * </ul>
 */
public final class DataGenerator {
    public static final List<String> SOURCES = List.of("crm-1", "crm-2", "marketo-1", "marketo-2", "mdm");
    public static final String PAGE_VIEW = "web.webpagedetails.pageViews";
    /** Bump when the shape changes, so cached data sets are regenerated. */
    public static final int VERSION = 2;

    private static final JsonNodeFactory J = JsonNodeFactory.instance;
    private static final String[] PATHS = {"/", "/pricing", "/products/car-software", "/products/printers",
        "/products/printers/x200", "/blog/additive-manufacturing", "/blog/ota-updates", "/contact", "/careers",
        "/company/news", "/docs/api", "/docs/getting-started", "/events/2026", "/customers", "/partners"};
    private static final String[] TITLES = {"CTO", "VP Engineering", "Head of Manufacturing", "Buyer", "Engineer",
        "Plant Manager", "CFO", "Procurement Lead", "Designer", "Analyst"};
    private static final String[] INDUSTRIES = {"Automotive", "Aerospace", "Machinery", "Logistics", "Energy"};
    private static final String[] OPEN_STAGES = {"Prospecting", "Qualification", "Needs Analysis", "Value Proposition"};
    static final String RECORDING_REQUESTS = "Webinar recording requests";

    /** One Marketo instance's campaigns: {id, name, campaignType, status}. */
    private static final Map<String, String[][]> CAMPAIGNS = Map.of(
            "marketo-1", new String[][] {
                {"3001", "EV software webinar", "Webinar", "Completed"},
                {"3002", "Detroit auto show", "Trade Show", "Completed"},
                {"3003", "Additive manufacturing webinar", "Webinar", "Completed"},
                {"3004", "Q4 newsletter", "Email Send", "Completed"},
                {"3005", "Printer X launch event", "Live Event", "In Progress"}},
            "marketo-2", new String[][] {
                {"3001", "Hannover Messe", "Trade Show", "Completed"},
                {"4002", "OTA updates webinar", "Webinar", "Completed"},
                {"4003", "Nurture: fleet managers", "Nurture", "In Progress"},
                {"4004", "Predictive maintenance webinar", "Webinar", "In Progress"}});
    /** One Marketo instance's static lists: {id, name}. */
    private static final Map<String, String[][]> LISTS = Map.of(
            "marketo-1", new String[][] {{"77", RECORDING_REQUESTS}, {"78", "Newsletter"}, {"79", "Event follow-up"}},
            "marketo-2", new String[][] {{"77", "Newsletter"}, {"81", RECORDING_REQUESTS}});

    private final long seed;
    private final Instant now;
    private final double cross;
    private final boolean numericIds;

    public DataGenerator(long seed, Instant now) { this(seed, now, 0); }

    public DataGenerator(long seed, Instant now, double cross) { this(seed, now, cross, false); }

    /**
     * @param cross the share of people also related to a CRM account of another company (partners,
     *              agencies, people who changed jobs): at 0.25 one connected component holds almost
     *              everyone. Drawn from a stream of its own, so every other record keeps its values.
     */
    /**
     * @param numericIds CRM ids numbered per object type, as many systems do, instead of
     *                   Salesforce-like prefixed ids: account {@code 001C7} is {@code 7}, its first
     *                   deal {@code 006C7O0} is {@code 7} too (later ones {@code 7-1}, ...), contact
     *                   {@code 003C7P2} is {@code 7-2}. A contact of account 7 with a role on deal 7
     *                   then has two relations keyed {@code 7|7-2}. The same records otherwise (every
     *                   random draw unchanged); Marketo ids are numeric or prefixed as always.
     */
    public DataGenerator(long seed, Instant now, double cross, boolean numericIds) {
        this.seed = seed;
        this.now = now;
        this.cross = cross;
        this.numericIds = numericIds;
    }

    private static final java.util.regex.Pattern CRM_ID = java.util.regex.Pattern.compile("00([136])C(\\d+)(?:[OP](\\d+))?");

    /** A CRM id in the numeric scheme (see the constructor); any other id as it is. */
    static String numeric(String id) {
        var m = CRM_ID.matcher(id);
        if (!m.matches()) return id;
        return switch (m.group(1)) {
            case "1" -> m.group(2);
            case "6" -> m.group(3).equals("0") ? m.group(2) : m.group(2) + "-" + m.group(3);
            default -> m.group(2) + "-" + m.group(3);
        };
    }

    /** Rewrites every id and reference of {@code records} in the numeric scheme. */
    private static void renumber(Map<String, List<ObjectNode>> records) {
        for (List<ObjectNode> l : records.values()) {
            for (ObjectNode n : l) {
                for (String f : List.of("id", "accountId", "personId", "opportunityId")) {
                    if (n.hasNonNull(f)) n.put(f, numeric(n.get(f).asText()));
                }
                if (n.get("sameAs") instanceof ObjectNode ref) ref.put("id", numeric(ref.get("id").asText()));
                if (n.get("accounts") instanceof ArrayNode refs) refs.forEach(r -> ((ObjectNode) r).put("id", numeric(r.get("id").asText())));
            }
        }
    }

    /** The lines of business of company {@code c} (the first draw of its stream, as in {@link #company}). */
    private List<Integer> linesOf(int c) {
        double lr = new SplittableRandom(seed * 1_000_003L + c).nextDouble();
        return lr < 0.35 ? List.of(1) : lr < 0.70 ? List.of(2) : List.of(1, 2);
    }

    /** One company's records, per source, in the canonical shape (each with "type"). */
    public record Company(int index, Map<String, List<ObjectNode>> bySource, int people) {
        public int records() { return bySource.values().stream().mapToInt(List::size).sum(); }
    }

    public static int companiesFor(int profiles) { return Math.max(1, Math.round(profiles / 10f)); }

    public Company company(int c) {
        SplittableRandom r = new SplittableRandom(seed * 1_000_003L + c);
        Map<String, List<ObjectNode>> out = new LinkedHashMap<>();
        SOURCES.forEach(s -> out.put(s, new ArrayList<>()));
        double lr = r.nextDouble();
        List<Integer> lines = lr < 0.35 ? List.of(1) : lr < 0.70 ? List.of(2) : List.of(1, 2);
        String domain = "co" + c + ".example";
        List<String[]> accounts = new ArrayList<>(); // {source, id, line}
        Map<Integer, String> marketoCompany = new TreeMap<>();
        // Second stream for everything version 2 added: version 1's records keep their values.
        SplittableRandom x = new SplittableRandom(mix(seed, c));
        Firmographics firmo = null;
        for (int line : lines) {
            String crm = "crm-" + line;
            String accId = "001C" + c;
            // Drawn per line as in version 1 (same stream), but a company has one industry and size.
            String industryDraw = INDUSTRIES[r.nextInt(INDUSTRIES.length)];
            int employeesDraw = r.nextInt(20_000);
            boolean us = r.nextBoolean();
            if (firmo == null) firmo = Firmographics.of(x, industryDraw, employeesDraw, us);
            ObjectNode a = rec("account").put("id", accId).put("name", "Company " + c).put("domain", domain);
            boolean crmIndustry = x.nextDouble() >= 0.1;
            boolean crmEmployees = x.nextDouble() >= 0.1;
            boolean crmRevenue = x.nextDouble() < 0.6;
            if (crmIndustry) a.put("industry", firmo.industry());
            if (crmEmployees) a.put("employees", firmo.employees());
            a.put("country", firmo.country());
            if (crmRevenue) a.put("annualRevenue", firmo.revenue());
            out.get(crm).add(a);
            accounts.add(new String[] {crm, accId, String.valueOf(line)});
            if (lines.size() == 1 || r.nextDouble() < 0.85) {
                String mid = "C" + c;
                ObjectNode m = rec("account").put("id", mid).put("name", "Company " + c + (r.nextBoolean() ? " Inc" : ""));
                // A copy states what its CRM lacks as the company's value; a stale value only where
                // the CRM states the field too (the system of record outvotes it in every case).
                if (!crmIndustry || x.nextDouble() < 0.3) m.put("industry", firmo.industry());
                if (!crmEmployees || x.nextDouble() < 0.4) {
                    m.put("employees", crmEmployees && x.nextDouble() < 0.25 ? firmo.employees() * 7 / 10 + 1 : firmo.employees());
                }
                if (x.nextDouble() < 0.3) {
                    m.put("annualRevenue", crmRevenue && x.nextDouble() < 0.25 ? firmo.revenue() * 3 / 2 : firmo.revenue());
                }
                m.set("sameAs", ref(crm, accId));
                out.get("marketo-" + line).add(m);
                accounts.add(new String[] {"marketo-" + line, mid, String.valueOf(line)});
                marketoCompany.put(line, mid);
            }
        }
        if (lines.size() == 2 && r.nextDouble() < 0.7) {
            ObjectNode link = rec("accountLink").put("id", "MDM-" + c).put("name", "Company " + c);
            ArrayNode members = link.putArray("accounts");
            members.add(ref("crm-1", "001C" + c));
            members.add(ref("crm-2", "001C" + c));
            out.get("mdm").add(link);
        }

        int people = 6 + r.nextInt(9);
        Map<String, List<String>> crmPeopleByAccount = new TreeMap<>();
        List<Map<String, String>> idsOfPerson = new ArrayList<>();
        for (int j = 0; j < people; j++) {
            String email = "p" + j + ".c" + c + "@" + domain;
            String first = "First" + j;
            String last = "Last" + c;
            String title = TITLES[r.nextInt(TITLES.length)];
            double kr = r.nextDouble();
            int k = Math.min(accounts.size(), kr < 0.6 ? 1 : kr < 0.9 ? 2 : 3);
            int slot = j;
            List<String[]> pool = new ArrayList<>(accounts);
            Map<String, String> idBySource = new TreeMap<>();
            for (int i = 0; i < k; i++) {
                String[] acc = pool.remove(r.nextInt(pool.size()));
                String src = acc[0];
                String pid = idBySource.computeIfAbsent(src, s -> personId(s, c, slot));
                out.get(src).add(rec("accountPerson").put("accountId", acc[1]).put("personId", pid)
                        .put("role", r.nextBoolean() ? "Influencer" : "Decision Maker"));
                if (src.startsWith("crm")) crmPeopleByAccount.computeIfAbsent(src, s -> new ArrayList<>()).add(pid);
            }
            // Every person has a Marketo lead (events are recorded there); some only as a lead.
            if (idBySource.keySet().stream().noneMatch(s -> s.startsWith("marketo"))) {
                String src = "marketo-" + lines.get(r.nextInt(lines.size()));
                idBySource.put(src, personId(src, c, j));
            }
            for (var e : idBySource.entrySet()) {
                boolean marketo = e.getKey().startsWith("marketo");
                ObjectNode p = rec("person").put("id", e.getValue())
                        .put("email", marketo && r.nextDouble() < 0.2 ? capitalize(email) + " " : email)
                        .put("firstName", first).put("lastName", last);
                if (!marketo || r.nextBoolean()) p.put("title", title);
                if (r.nextDouble() < 0.02) p.put("emailOptOut", true);
                out.get(e.getKey()).add(p);
            }
            String lead = idBySource.entrySet().stream().filter(e -> e.getKey().startsWith("marketo")).findFirst()
                    .map(e -> e.getKey() + "\u0000" + e.getValue()).orElseThrow();
            String leadSource = lead.substring(0, lead.indexOf('\u0000'));
            String leadId = lead.substring(lead.indexOf('\u0000') + 1);
            int events = 10 + r.nextInt(21);
            for (int e = 0; e < events; e++) {
                out.get(leadSource).add(event(r, "E" + c + "-" + j + "-" + e, leadId, false));
            }
            idsOfPerson.add(idBySource);
            for (var e : idBySource.entrySet()) {
                if (e.getKey().startsWith("marketo")) memberships(x, out.get(e.getKey()), e.getKey(), e.getValue());
            }
        }

        int opps = 1 + r.nextInt(5);
        for (int i = 0; i < opps; i++) {
            int line = lines.get(r.nextInt(lines.size()));
            String crm = "crm-" + line;
            String oid = "006C" + c + "O" + i;
            double sr = r.nextDouble();
            boolean won = sr < 0.40;
            boolean closed = sr < 0.65;
            double amount = Math.round(Math.exp(Math.log(10_000) + r.nextDouble() * Math.log(150)) / 1000) * 1000.0;
            String close = now.minus(Duration.ofDays(r.nextInt(400) - 60)).atZone(ZoneOffset.UTC).toLocalDate().toString();
            if (!closed) r.nextBoolean(); // version 1 drew the open stage here
            String stage = won ? "Closed Won" : closed ? (x.nextDouble() < 0.05 ? "Negotiation/Review" : "Closed Lost") : openStage(x);
            out.get(crm).add(rec("opportunity").put("id", oid).put("accountId", "001C" + c).put("name", "Deal " + c + "-" + i)
                    .put("amount", amount).put("stage", stage).put("isWon", won).put("isClosed", closed).put("closeDate", close));
            String mc = marketoCompany.get(line);
            if (mc != null && r.nextDouble() < 0.7) {
                boolean stale = r.nextDouble() < 0.1;
                ObjectNode copy = rec("opportunity").put("id", "MO" + c + "-" + i).put("accountId", mc)
                        .put("name", "Deal " + c + "-" + i).put("amount", stale ? amount * 2 + 500_000 : amount)
                        .put("isWon", stale ? !won : won).put("isClosed", stale || closed)
                        .put("stage", stale ? (won ? "Closed Lost" : "Closed Won") : stage);
                copy.set("sameAs", ref(crm, oid));
                out.get("marketo-" + line).add(copy);
            }
            List<String> contacts = crmPeopleByAccount.getOrDefault(crm, List.of());
            if (!contacts.isEmpty()) {
                int n = Math.min(contacts.size(), 1 + r.nextInt(2));
                List<String> pool = new ArrayList<>(contacts.stream().distinct().toList());
                for (int k = 0; k < n && !pool.isEmpty(); k++) {
                    out.get(crm).add(rec("opportunityPerson").put("opportunityId", oid)
                            .put("personId", pool.remove(r.nextInt(pool.size()))).put("role", "Economic Buyer"));
                }
            }
            // A contact role for someone this CRM does not relate to the account (a consultant, a
            // colleague from the other line): that person is in the deal's audience only through it.
            if (x.nextDouble() < 0.25) {
                int j = x.nextInt(people);
                Map<String, String> ids = idsOfPerson.get(j);
                String cid = personId(crm, c, j);
                if (!crmPeopleByAccount.getOrDefault(crm, List.of()).contains(cid)) {
                    if (ids.putIfAbsent(crm, cid) == null) {
                        out.get(crm).add(rec("person").put("id", cid).put("email", "p" + j + ".c" + c + "@" + domain)
                                .put("firstName", "First" + j).put("lastName", "Last" + c));
                    }
                    out.get(crm).add(rec("opportunityPerson").put("opportunityId", oid).put("personId", cid)
                            .put("role", x.nextBoolean() ? "Technical Evaluator" : "Influencer"));
                }
            }
        }
        if (cross > 0 && c > 0) {
            // Relations to an earlier company's CRM account (so a smaller set stays a prefix of a larger one).
            SplittableRandom y = new SplittableRandom(mix(seed ^ 0x5DEECE66DL, c));
            for (int j = 0; j < people; j++) {
                if (y.nextDouble() >= cross) continue;
                int other = c - 1 - y.nextInt(Math.min(c, 1_000));
                List<Integer> otherLines = linesOf(other);
                String crm = "crm-" + otherLines.get(y.nextInt(otherLines.size()));
                Map<String, String> ids = idsOfPerson.get(j);
                String pid = ids.get(crm);
                if (pid == null) {
                    pid = personId(crm, c, j);
                    ids.put(crm, pid);
                    out.get(crm).add(rec("person").put("id", pid).put("email", "p" + j + ".c" + c + "@" + domain)
                            .put("firstName", "First" + j).put("lastName", "Last" + c));
                }
                out.get(crm).add(rec("accountPerson").put("accountId", "001C" + other).put("personId", pid).put("role", "Partner"));
            }
        }
        if (c == 0) catalog(out);
        if (numericIds) renumber(out);
        return new Company(c, out, people);
    }

    /** The company's one industry, size and revenue, stated alike by every source that states them. */
    private record Firmographics(String industry, long employees, long revenue, String country) {
        static Firmographics of(SplittableRandom x, String industry, int employeesDraw, boolean us) {
            if (industry.equals("Automotive")) {
                double d = x.nextDouble();
                industry = d < 0.5 ? "Automotive" : d < 0.8 ? "Automotive Components" : "Automotive OEM";
            }
            long employees = Math.round(10 * Math.pow(5000, employeesDraw / 20_000.0));
            double perEmployee = Math.exp(Math.log(60_000) + x.nextDouble() * Math.log(700 / 60.0));
            long revenue = Math.max(1, Math.round(employees * perEmployee / 100_000)) * 100_000L;
            return new Firmographics(industry, employees, revenue, us ? "US" : "DE");
        }
    }

    private static String openStage(SplittableRandom x) {
        double d = x.nextDouble();
        return d < 0.06 ? "Proposal/Price Quote" : d < 0.10 ? "Negotiation/Review" : OPEN_STAGES[x.nextInt(OPEN_STAGES.length)];
    }

    /** A lead's campaign memberships (distinct campaigns) and list memberships in its Marketo instance. */
    private static void memberships(SplittableRandom x, List<ObjectNode> out, String source, String leadId) {
        String[][] campaigns = CAMPAIGNS.get(source);
        if (x.nextDouble() < 0.12) {
            int first = x.nextInt(campaigns.length);
            int n = x.nextDouble() < 0.4 ? 2 : 1;
            for (int k = 0; k < n; k++) {
                String[] cp = campaigns[(first + k) % campaigns.length];
                out.add(rec("campaignMember").put("campaignId", cp[0]).put("personId", leadId).put("status", status(x, cp[2])));
            }
        }
        if (x.nextDouble() < 0.05) {
            String[][] lists = LISTS.get(source);
            out.add(rec("marketingListMember").put("listId", lists[x.nextInt(lists.length)][0]).put("personId", leadId));
        }
    }

    private static String status(SplittableRandom x, String campaignType) {
        double d = x.nextDouble();
        return switch (campaignType) {
            case "Webinar" -> d < 0.45 ? "Registered" : d < 0.75 ? "Attended" : d < 0.90 ? "No Show" : "Attended On-demand";
            case "Trade Show", "Live Event" -> d < 0.6 ? "Attended" : "Registered";
            case "Email Send" -> d < 0.5 ? "Sent" : "Opened";
            default -> "Member";
        };
    }

    /** Campaigns and lists of both Marketo instances: shared by everyone, so emitted once (company 0). */
    private static void catalog(Map<String, List<ObjectNode>> out) {
        CAMPAIGNS.forEach((src, cs) -> {
            for (String[] cp : cs) {
                out.get(src).add(rec("campaign").put("id", cp[0]).put("name", cp[1]).put("campaignType", cp[2]).put("status", cp[3]));
            }
        });
        LISTS.forEach((src, ls) -> {
            for (String[] l : ls) out.get(src).add(rec("marketingList").put("id", l[0]).put("name", l[1]));
        });
    }

    private static long mix(long seed, int c) {
        long z = (seed * 1_000_003L + c) * 0x9E3779B97F4A7C15L + 0x632BE59BD9B4E019L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        return z ^ (z >>> 31);
    }

    /** A web or email event; {@code newProduct} forces a page view under /products/new. */
    public ObjectNode event(SplittableRandom r, String id, String personId, boolean newProduct) {
        Instant ts = newProduct ? now.minusSeconds(60 + r.nextInt(3600))
                : now.minusMillis((long) (r.nextDouble() * Duration.ofDays(89).toMillis()) + 1000);
        double t = r.nextDouble();
        ObjectNode e = rec("event").put("id", id).put("personId", personId);
        if (newProduct || t < 0.6) {
            String path = newProduct || r.nextDouble() < 0.04
                    ? (r.nextBoolean() ? "/products/new" : "/products/new/printer-x") : PATHS[r.nextInt(PATHS.length)];
            e.put("eventType", PAGE_VIEW).put("timestamp", ts.toString())
                    .put("url", "https://www.bodea.com" + path + (r.nextDouble() < 0.3 ? "?utm_source=email" : ""));
        } else if (t < 0.85) {
            e.put("eventType", "email.opened").put("timestamp", ts.toString());
        } else {
            e.put("eventType", "email.clicked").put("timestamp", ts.toString())
                    .put("url", "https://www.bodea.com" + PATHS[r.nextInt(PATHS.length)] + "?utm_campaign=c" + r.nextInt(40));
        }
        return e;
    }

    /** A page view that is never under /products/new (background traffic in the streaming load). */
    public ObjectNode backgroundEvent(SplittableRandom r, String id, String personId) {
        ObjectNode e = event(r, id, personId, false);
        String url = e.path("url").asText("");
        if (url.contains("/products/new")) e.put("url", "https://www.bodea.com/pricing");
        return e;
    }

    /** Person j of company c in a source: CRM contact ids "003C…P…", Marketo numeric lead ids. */
    public static String personId(String source, int c, int j) {
        return source.startsWith("crm") ? "003C" + c + "P" + j : String.valueOf(1_000_000L + c * 20L + j);
    }

    private static String capitalize(String s) { return Character.toUpperCase(s.charAt(0)) + s.substring(1); }

    private static ObjectNode rec(String type) { return J.objectNode().put("type", type); }

    private static ObjectNode ref(String source, String id) { return J.objectNode().put("source", source).put("id", id); }

    /** What was written: counts and the batch files, in the order clients should send them. */
    public record Manifest(Path dir, int profiles, int companies, long records, Map<String, Long> recordsBySource,
                           List<Path> batches) {}

    /**
     * Writes (or reuses) the data set as NDJSON batch files {@code dir/<source>/<n>.ndjson} of at most
     * {@code batchSize} records. Returns the batch files interleaved across sources.
     */
    public static Manifest writeOrReuse(Path root, long seed, int profiles, Instant now, int batchSize) throws IOException {
        return writeOrReuse(root, seed, profiles, now, batchSize, 0);
    }

    public static Manifest writeOrReuse(Path root, long seed, int profiles, Instant now, int batchSize, double cross)
            throws IOException {
        return writeOrReuse(root, seed, profiles, now, batchSize, cross, false);
    }

    public static Manifest writeOrReuse(Path root, long seed, int profiles, Instant now, int batchSize, double cross,
                                        boolean numericIds) throws IOException {
        Path dir = root.resolve("bench-v" + VERSION + "-" + profiles + "-s" + seed + "-b" + batchSize
                + (cross > 0 ? "-x" + Math.round(cross * 100) : "") + (numericIds ? "-n" : ""));
        Path done = dir.resolve("MANIFEST");
        ObjectMapper json = new ObjectMapper();
        if (!Files.exists(done)) {
            if (Files.exists(dir)) deleteTree(dir);
            DataGenerator g = new DataGenerator(seed, now, cross, numericIds);
            Map<String, Writer> writers = new LinkedHashMap<>();
            for (String s : SOURCES) writers.put(s, new Writer(dir.resolve(s), batchSize, json));
            int companies = companiesFor(profiles);
            long people = 0;
            for (int c = 0; c < companies; c++) {
                Company co = g.company(c);
                people += co.people();
                for (var e : co.bySource().entrySet()) for (ObjectNode n : e.getValue()) writers.get(e.getKey()).add(n);
            }
            Map<String, Long> counts = new LinkedHashMap<>();
            for (var w : writers.entrySet()) counts.put(w.getKey(), w.getValue().close());
            ObjectNode m = J.objectNode().put("profiles", people).put("companies", companies).put("now", now.toString());
            counts.forEach(m.putObject("records")::put);
            Files.writeString(done, m.toPrettyString());
        }
        var m = json.readTree(done.toFile());
        Map<String, Long> counts = new LinkedHashMap<>();
        m.get("records").properties().forEach(e -> counts.put(e.getKey(), e.getValue().asLong()));
        Map<String, List<Path>> bySource = new LinkedHashMap<>();
        for (String s : SOURCES) {
            try (Stream<Path> files = Files.list(dir.resolve(s))) {
                bySource.put(s, files.sorted().toList());
            }
        }
        List<Path> interleaved = new ArrayList<>();
        for (int i = 0; ; i++) {
            boolean any = false;
            for (List<Path> l : bySource.values()) {
                if (i < l.size()) {
                    interleaved.add(l.get(i));
                    any = true;
                }
            }
            if (!any) break;
        }
        return new Manifest(dir, m.get("profiles").asInt(), m.get("companies").asInt(),
                counts.values().stream().mapToLong(Long::longValue).sum(), counts, interleaved);
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(p);
        }
    }

    /** NDJSON batch files of one source. */
    private static final class Writer {
        private final Path dir;
        private final int batchSize;
        private final ObjectMapper json;
        private BufferedWriter out;
        private int inBatch;
        private int files;
        private long total;

        Writer(Path dir, int batchSize, ObjectMapper json) throws IOException {
            this.dir = Files.createDirectories(dir);
            this.batchSize = batchSize;
            this.json = json;
        }

        void add(ObjectNode n) {
            try {
                if (out == null || inBatch == batchSize) {
                    if (out != null) out.close();
                    out = Files.newBufferedWriter(dir.resolve(String.format("%06d.ndjson", ++files)), StandardCharsets.UTF_8);
                    inBatch = 0;
                }
                out.write(json.writeValueAsString(n));
                out.write('\n');
                inBatch++;
                total++;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        long close() throws IOException {
            if (out != null) out.close();
            return total;
        }
    }
}
