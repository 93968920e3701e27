package io.cohort.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.cohort.identity.ProfileGraph;
import io.cohort.ingest.IngestLimits;
import io.cohort.ingest.RecordParser;
import io.cohort.reliability.CompanyWorld;
import io.cohort.reliability.RandomRecords;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Segments written the way analysts write them, in numbers: variants of five everyday idioms (a
 * company's won total and a page in a window, firmographics, engagement counts, open deals in some
 * stages, campaign attendance) with different thresholds, windows, pages, industries and stages.
 * Each comes with its rule file and its SQL for DuckDB, so the benchmark can check 50 segments as
 * it checks the shipped ones, and show what each extra segment costs in memory and time.
 */
final class GeneratedSegments {
    private static final String HEAD = "package cohort.segments;\n\nimport io.cohort.model.*;\n\n";
    private static final String[] PATHS = {"/products/new", "/pricing", "/products/printers", "/blog", "/docs"};
    private static final int[] WINDOWS = {7, 14, 30, 60};
    private static final int[] TOTALS = {100_000, 300_000, 500_000, 750_000, 1_500_000};
    private static final String[] INDUSTRIES = {"Automotive", "Aerospace", "Machinery", "Logistics", "Energy"};
    private static final int[] EMPLOYEES = {100, 1_000, 5_000};
    private static final String[][] STAGES = {{"Prospecting"}, {"Qualification", "Needs Analysis"},
        {"Value Proposition", "Proposal/Price Quote"}, {"Negotiation/Review"}};
    private static final String[][] CAMPAIGNS = {{"Webinar", "Registered"}, {"Trade Show", "Attended"}, {"Live Event", "Registered"},
        {"Webinar", "No Show"}, {"Nurture", "Member"}};

    /** One generated segment: its rule file and the same segment as SQL. */
    record Generated(String id, String file, String drl, DuckDbBaseline.SegmentSql sql) {}

    private GeneratedSegments() {}

    /** The shipped rule files (rules/*.drl) and {@code n} generated segments: file name → DRL. */
    static Map<String, String> withShipped(int n) throws IOException {
        Map<String, String> files = new TreeMap<>();
        try (var s = Files.list(Path.of("rules"))) {
            for (var p : s.filter(p -> p.toString().endsWith(".drl")).toList()) files.put(p.getFileName().toString(), Files.readString(p));
        }
        for (Generated g : of(n)) files.put(g.file(), g.drl());
        return files;
    }

    /** The profile graph of a generated world of {@code companies} companies (seed 42, 5% cross-company). */
    static ProfileGraph world(int companies, Instant now) {
        ProfileGraph graph = new ProfileGraph();
        RecordParser parser = new RecordParser(new IngestLimits());
        long seq = 0;
        for (RandomRecords.Batch b : new CompanyWorld(42, now, companies, 0.05).arrival(false)) {
            graph.apply(b.source(), parser.parse(new ArrayList<JsonNode>(b.records())), ++seq);
        }
        return graph;
    }

    static List<Generated> of(int n) {
        List<Generated> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(switch (i % 5) {
                case 0 -> highValue(i);
                case 1 -> firmographics(i);
                case 2 -> engagement(i);
                case 3 -> openDeals(i);
                default -> campaign(i);
            });
        }
        return out;
    }

    private static Generated highValue(int i) {
        int total = TOTALS[(i / 5) % TOTALS.length];
        int days = WINDOWS[(i / 3) % WINDOWS.length];
        String path = PATHS[(i / 2) % PATHS.length];
        String id = "gen-" + i + "-won-" + total / 1000 + "k-" + path.replace("/", "") + "-" + days + "d";
        String drl = HEAD + rule(id, "An account of theirs won more than " + total + "; viewed " + path + " in " + days + " days", """
                    $now : Now()
                    $p : Person()
                    AccountPerson(personId == $p.id, $account : accountId)
                    accumulate(Opportunity(accountId == $account, won, $amount : amount); $total : sum($amount); $total > %d)
                    Activity(personId == $p.id, viewed("%s", $now.daysAgo(%d)))
                """.formatted(total, path, days));
        String sql = DuckDbBaseline.with(DuckDbBaseline.ACCOUNTS, DuckDbBaseline.ACCOUNT_PEOPLE, DuckDbBaseline.OPPORTUNITIES,
                DuckDbBaseline.PAGE_VIEWS, """
                won AS (SELECT o.account, sum(o.amount) AS total FROM uopp o WHERE o.won GROUP BY o.account),
                visited AS (SELECT DISTINCT v.person FROM page_view v, params
                            WHERE v.ts > params.now - INTERVAL %d DAY AND starts_with(v.path, '%s'))""".formatted(days, path)) + """
                SELECT DISTINCT ap.person FROM ap JOIN won w ON w.account = ap.account JOIN visited v ON v.person = ap.person
                WHERE w.total > %d
                """.formatted(total);
        return new Generated(id, id + ".drl", drl, new DuckDbBaseline.SegmentSql(id, id + ".drl", sql));
    }

    private static Generated firmographics(int i) {
        String industry = INDUSTRIES[(i / 5) % INDUSTRIES.length];
        int employees = EMPLOYEES[(i / 2) % EMPLOYEES.length];
        String id = "gen-" + i + "-" + industry.toLowerCase() + "-" + employees;
        String drl = HEAD + rule(id, industry + " accounts with at least " + employees + " employees", """
                    $p : Person()
                    AccountPerson(personId == $p.id, $account : accountId)
                    Account(id == $account, industry != null && industry.startsWith("%s"), employees >= %d)
                """.formatted(industry, employees));
        String sql = DuckDbBaseline.with(DuckDbBaseline.ACCOUNTS, DuckDbBaseline.ACCOUNT_FIELDS, DuckDbBaseline.ACCOUNT_PEOPLE) + """
                SELECT DISTINCT ap.person FROM ap JOIN uacc a ON a.account = ap.account
                WHERE starts_with(a.industry, '%s') AND a.employees >= %d
                """.formatted(industry, employees);
        return new Generated(id, id + ".drl", drl, new DuckDbBaseline.SegmentSql(id, id + ".drl", sql));
    }

    private static Generated engagement(int i) {
        int days = WINDOWS[(i / 5) % WINDOWS.length];
        int count = 2 + (i / 3) % 4;
        String id = "gen-" + i + "-views-" + count + "-in-" + days + "d";
        String drl = HEAD + rule(id, "At least " + count + " page views in " + days + " days", """
                    $now : Now()
                    $p : Person()
                    Activity(personId == $p.id, count("web.webpagedetails.pageViews", $now.daysAgo(%d)) >= %d)
                """.formatted(days, count));
        String sql = DuckDbBaseline.with(DuckDbBaseline.PAGE_VIEWS) + """
                SELECT v.person FROM page_view v, params WHERE v.ts > params.now - INTERVAL %d DAY
                GROUP BY v.person HAVING count(DISTINCT v.src || ':' || v.id) >= %d
                """.formatted(days, count);
        return new Generated(id, id + ".drl", drl, new DuckDbBaseline.SegmentSql(id, id + ".drl", sql));
    }

    private static Generated openDeals(int i) {
        String[] stages = STAGES[(i / 5) % STAGES.length];
        String id = "gen-" + i + "-open-" + String.join("-", stages).toLowerCase().replaceAll("[^a-z-]", "");
        String in = "\"" + String.join("\", \"", stages) + "\"";
        String drl = HEAD + rule(id, "Related to an account with an open deal in " + String.join(" or ", stages), """
                    $p : Person()
                    AccountPerson(personId == $p.id, $account : accountId)
                    exists Opportunity(accountId == $account, closed == false, stage in (%s))
                """.formatted(in));
        String sql = DuckDbBaseline.with(DuckDbBaseline.ACCOUNTS, DuckDbBaseline.ACCOUNT_PEOPLE, DuckDbBaseline.OPPORTUNITIES) + """
                SELECT DISTINCT ap.person FROM ap JOIN uopp o ON o.account = ap.account WHERE NOT o.closed AND o.stage IN (%s)
                """.formatted(in.replace('"', '\''));
        return new Generated(id, id + ".drl", drl, new DuckDbBaseline.SegmentSql(id, id + ".drl", sql));
    }

    private static Generated campaign(int i) {
        String[] c = CAMPAIGNS[(i / 5) % CAMPAIGNS.length];
        String id = "gen-" + i + "-" + c[0].toLowerCase().replace(' ', '-') + "-" + c[1].toLowerCase().replace(' ', '-');
        String drl = HEAD + rule(id, "Status " + c[1] + " in a " + c[0] + " campaign", """
                    $p : Person()
                    CampaignMember(personId == $p.id, status == "%s", $campaign : campaignId)
                    Campaign(id == $campaign, type == "%s")
                """.formatted(c[1], c[0]));
        String sql = DuckDbBaseline.with() + """
                SELECT DISTINCT p.email FROM campaign_member m
                JOIN person p ON p.src = m.src AND p.id = m.person_id
                JOIN campaign c ON c.src = m.src AND c.id = m.campaign_id
                WHERE m.status = '%s' AND c.type = '%s'
                """.formatted(c[1], c[0]);
        return new Generated(id, id + ".drl", drl, new DuckDbBaseline.SegmentSql(id, id + ".drl", sql));
    }

    private static String rule(String id, String description, String when) {
        return "rule \"" + id + "\"\n    @segment(\"" + id + "\")\n    @description(\"" + description + "\")\nwhen\n" + when
                + "then\n    insertLogical(new Qualified(\"" + id + "\", $p.id()));\nend\n";
    }
}
