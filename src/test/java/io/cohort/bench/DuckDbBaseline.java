package io.cohort.bench;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * What a user would pick instead: the same NDJSON landed in embedded DuckDB and every shipped segment
 * written as SQL. Reached through plain JDBC, so it compiles without DuckDB; the driver is on the
 * class path only in the {@code bench} Maven profile.
 *
 * <p>The SQL implements Cohort's semantics, not a simplification of them: people are unified by
 * normalized email; source accounts by MDM links and {@code sameAs} transitively (connected
 * components by a recursive CTE); a CRM opportunity and its Marketo copy are one opportunity whose
 * values come from the system of record (the record that is not a copy); account fields survive the
 * same way (io.cohort.identity.Merge); (account, person) relations stated by several sources count
 * once; campaign and list ids are source-qualified; time windows are measured from the service
 * clock, passed as the first parameter.
 *
 * <p>Each segment is one self-contained query (so its time includes the unification it needs), built
 * from the shared fragments below, next to a comment naming its rule file. {@link #SEGMENTS} must
 * name every segment the service ships: the benchmark fails on a segment without SQL.
 *
 * <p>One difference is not expressible and the generated data avoid it: between several systems of
 * record of one account (two CRM accounts unified by MDM) Cohort keeps the latest value by arrival,
 * which concurrent ingest does not fix; the SQL breaks that tie by (source, id). The generator never
 * gives two systems of record different values (DataGeneratorTest checks it).
 */
public final class DuckDbBaseline implements AutoCloseable {
    /** A shipped segment as SQL: id, the rule file it mirrors, one query returning normalized emails. */
    public record SegmentSql(String id, String drl, String sql) {}

    // ---- shared fragments (common table expressions) ------------------------------------------

    /** Parameters of every query: 1 = the service clock's now, 2 = high-value-new-product's threshold. */
    static final String PARAMS = """
            params AS (SELECT CAST(? AS TIMESTAMPTZ) AS now, CAST(? AS DOUBLE) AS threshold)""";

    /** Source account node → unified account: connected components over sameAs and MDM links. */
    static final String ACCOUNTS = """
            acc_edge AS (
              SELECT src || ':' || id AS a, same_as.source || ':' || same_as.id AS b FROM account WHERE same_as IS NOT NULL
              UNION
              SELECT l1.acc.source || ':' || l1.acc.id, l2.acc.source || ':' || l2.acc.id
              FROM account_link l1 JOIN account_link l2 ON l1.id = l2.id AND l1.acc <> l2.acc),
            acc_edge2 AS (SELECT a, b FROM acc_edge UNION SELECT b, a FROM acc_edge),
            acc_node AS (
              SELECT src || ':' || id AS n FROM account
              UNION SELECT src || ':' || account_id FROM account_person
              UNION SELECT src || ':' || account_id FROM opportunity WHERE account_id IS NOT NULL
              UNION SELECT a FROM acc_edge2),
            acc_reach(n, m) AS (
              SELECT n, n FROM acc_node
              UNION
              SELECT r.n, e.b FROM acc_reach r JOIN acc_edge2 e ON e.a = r.m),
            acc_comp AS (SELECT n, min(m) AS comp FROM acc_reach GROUP BY n)""";

    /**
     * Unified account fields (Merge.account): per field, the value of the highest-ranked record that
     * has one (not blank); records that are no copy outrank copies. Only accounts with a record exist.
     */
    static final String ACCOUNT_FIELDS = """
            uacc AS (
              SELECT c.comp AS account,
                     arg_max(a.industry, (a.same_as IS NULL, a.src, a.id)) FILTER (WHERE trim(a.industry) <> '') AS industry,
                     coalesce(arg_max(a.employees, (a.same_as IS NULL, a.src, a.id)) FILTER (WHERE a.employees IS NOT NULL), 0) AS employees,
                     coalesce(arg_max(a.annual_revenue, (a.same_as IS NULL, a.src, a.id)) FILTER (WHERE a.annual_revenue IS NOT NULL), 0)
                       AS annual_revenue,
                     arg_max(a.country, (a.same_as IS NULL, a.src, a.id)) FILTER (WHERE trim(a.country) <> '') AS country
              FROM account a JOIN acc_comp c ON c.n = a.src || ':' || a.id
              GROUP BY c.comp)""";

    /** AccountPerson: (unified account, person) once however many sources state it. */
    static final String ACCOUNT_PEOPLE = """
            ap AS (
              SELECT DISTINCT c.comp AS account, p.email AS person
              FROM account_person r
              JOIN person p ON p.src = r.src AND p.id = r.person_id
              JOIN acc_comp c ON c.n = r.src || ':' || r.account_id)""";

    /**
     * Unified opportunities (Merge.opportunity): a CRM opportunity and its copies (sameAs,
     * transitively) are one; each field from the highest-ranked record that has it, the system of
     * record first; the account is the master record's (even when it names none); closed = isClosed or won.
     */
    static final String OPPORTUNITIES = """
            opp_edge AS (SELECT src || ':' || id AS a, same_as.source || ':' || same_as.id AS b FROM opportunity WHERE same_as IS NOT NULL),
            opp_edge2 AS (SELECT a, b FROM opp_edge UNION SELECT b, a FROM opp_edge),
            opp_node AS (SELECT src || ':' || id AS n FROM opportunity UNION SELECT a FROM opp_edge2),
            opp_reach(n, m) AS (
              SELECT n, n FROM opp_node
              UNION
              SELECT r.n, e.b FROM opp_reach r JOIN opp_edge2 e ON e.a = r.m),
            opp_comp AS (SELECT n, min(m) AS comp FROM opp_reach GROUP BY n),
            opp_ranked AS (
              SELECT c.comp, o.*, (o.same_as IS NULL, o.src, o.id) AS rk
              FROM opportunity o JOIN opp_comp c ON c.n = o.src || ':' || o.id),
            opp_merged AS (
              SELECT comp,
                     arg_max(CASE WHEN account_id IS NULL THEN '' ELSE src || ':' || account_id END, rk) AS master_acc,
                     arg_max(amount, rk) FILTER (WHERE amount IS NOT NULL) AS amount,
                     arg_max(won, rk) FILTER (WHERE won IS NOT NULL) AS won,
                     arg_max(closed, rk) FILTER (WHERE closed IS NOT NULL) AS closed,
                     arg_max(stage, rk) FILTER (WHERE trim(stage) <> '') AS stage,
                     arg_max(created, rk) FILTER (WHERE created IS NOT NULL) AS created,
                     arg_max(deal_type, rk) FILTER (WHERE deal_type IS NOT NULL) AS deal_type
              FROM opp_ranked GROUP BY comp),
            uopp AS (
              SELECT m.comp AS opp, ac.comp AS account, coalesce(m.amount, 0) AS amount, coalesce(m.won, false) AS won,
                     coalesce(m.closed, false) OR coalesce(m.won, false) AS closed, m.stage, m.created, m.deal_type
              FROM opp_merged m LEFT JOIN acc_comp ac ON ac.n = m.master_acc)""";

    /** customer-accounts.drl: CustomerAccount = an account (with a record) with a won opportunity. */
    static final String CUSTOMERS = """
            customer AS (SELECT DISTINCT o.account FROM uopp o JOIN uacc a ON a.account = o.account WHERE o.won)""";

    /**
     * Page views of unified people up to now, the path parsed like Event.path(): rules see no event
     * dated after the clock (Activity.asOf), so every window here is (now - n days, now].
     */
    static final String PAGE_VIEWS = """
            page_view AS (
              SELECT p.email AS person, e.src, e.id, e.ts,
                     CASE WHEN strpos(e.url, '://') = 0 THEN regexp_extract(e.url, '^([^?#]*)', 1)
                          ELSE coalesce(nullif(regexp_extract(e.url, '^[^:]*://[^/]*(/[^?#]*)', 1), ''), '/') END AS path
              FROM event e JOIN person p ON p.src = e.src AND p.id = e.person_id, params
              WHERE e.event_type = 'web.webpagedetails.pageViews' AND e.ts <= params.now)""";

    static String with(String... ctes) {
        List<String> all = new ArrayList<>(List.of(PARAMS));
        all.addAll(List.of(ctes));
        return "WITH RECURSIVE\n" + String.join(",\n", all) + "\n";
    }

    // ---- the segments -------------------------------------------------------------------------

    /** rules/high-value-new-product.drl, everything but the final select (shared with {@link #wouldEnter}). */
    private static final String HIGH_VALUE_CTES = with(ACCOUNTS, ACCOUNT_PEOPLE, OPPORTUNITIES, PAGE_VIEWS, """
            won AS (
              SELECT o.account, sum(o.amount) AS total FROM uopp o WHERE o.won GROUP BY o.account),
            total AS (
              SELECT ap.person, max(w.total) AS total FROM ap JOIN won w ON w.account = ap.account GROUP BY ap.person),
            visited AS (
              SELECT DISTINCT v.person FROM page_view v, params
              WHERE v.ts > params.now - INTERVAL 30 DAY AND starts_with(v.path, '/products/new'))""");

    /**
     * rules/high-value-new-product.drl: people related to a unified account that won more than the
     * threshold ($1M in the rule) in total, who viewed a page under /products/new in the 30 days
     * before now. The total is per account: a person's best account decides.
     */
    static final SegmentSql HIGH_VALUE_NEW_PRODUCT = new SegmentSql("high-value-new-product", "high-value-new-product.drl",
            HIGH_VALUE_CTES + """
            SELECT t.person FROM total t JOIN visited v ON v.person = t.person, params WHERE t.total > params.threshold
            """);

    /**
     * rules/enterprise-automotive.drl: people related to a unified account whose surviving industry
     * starts with "Automotive" and that has at least 1,000 employees or $500M annual revenue (0 = unknown).
     */
    static final SegmentSql ENTERPRISE_AUTOMOTIVE = new SegmentSql("enterprise-automotive", "enterprise-automotive.drl",
            with(ACCOUNTS, ACCOUNT_FIELDS, ACCOUNT_PEOPLE) + """
            SELECT DISTINCT ap.person FROM ap JOIN uacc a ON a.account = ap.account
            WHERE starts_with(a.industry, 'Automotive') AND (a.employees >= 1000 OR a.annual_revenue >= 500000000)
            """);

    /**
     * rules/late-stage-deals.drl: people related to an account with an open opportunity in stage
     * Proposal/Price Quote or Negotiation/Review (rule 1), or in a contact role on such an opportunity (rule 2).
     */
    static final SegmentSql LATE_STAGE_DEALS = new SegmentSql("late-stage-deals", "late-stage-deals.drl",
            with(ACCOUNTS, ACCOUNT_PEOPLE, OPPORTUNITIES, """
            late AS (SELECT opp, account FROM uopp WHERE NOT closed AND stage IN ('Proposal/Price Quote', 'Negotiation/Review'))""") + """
            SELECT ap.person FROM ap JOIN late l ON l.account = ap.account
            UNION
            SELECT p.email FROM opportunity_person r
            JOIN person p ON p.src = r.src AND p.id = r.person_id
            JOIN opp_comp c ON c.n = r.src || ':' || r.opportunity_id
            JOIN late l ON l.opp = c.comp
            """);

    /**
     * rules/upsell-customers.drl (on customer-accounts.drl): people related to a customer account
     * that has no open opportunity.
     */
    static final SegmentSql UPSELL_CUSTOMERS = new SegmentSql("upsell-customers", "upsell-customers.drl",
            with(ACCOUNTS, ACCOUNT_FIELDS, ACCOUNT_PEOPLE, OPPORTUNITIES, CUSTOMERS) + """
            SELECT DISTINCT ap.person FROM ap JOIN customer c ON c.account = ap.account
            WHERE NOT EXISTS (SELECT 1 FROM uopp o WHERE o.account = ap.account AND NOT o.closed)
            """);

    /**
     * rules/engaged-prospects.drl (on customer-accounts.drl): people at no customer account with at
     * least 3 page views in the 14 days before now.
     */
    static final SegmentSql ENGAGED_PROSPECTS = new SegmentSql("engaged-prospects", "engaged-prospects.drl",
            with(ACCOUNTS, ACCOUNT_FIELDS, ACCOUNT_PEOPLE, OPPORTUNITIES, CUSTOMERS, PAGE_VIEWS, """
            views AS (
              SELECT v.person, count(DISTINCT v.src || ':' || v.id) AS n FROM page_view v, params
              WHERE v.ts > params.now - INTERVAL 14 DAY GROUP BY v.person)""") + """
            SELECT v.person FROM views v
            WHERE v.n >= 3 AND NOT EXISTS (SELECT 1 FROM ap JOIN customer c ON c.account = ap.account WHERE ap.person = v.person)
            """);

    /**
     * rules/webinar-attendees.drl: status "Attended" in a campaign of type "Webinar" (rule 1), or a
     * member of a list named "Webinar recording requests" (rule 2); campaign and list ids are per source.
     */
    static final SegmentSql WEBINAR_ATTENDEES = new SegmentSql("webinar-attendees", "webinar-attendees.drl",
            with() + """
            SELECT p.email FROM campaign_member m
            JOIN person p ON p.src = m.src AND p.id = m.person_id
            JOIN campaign c ON c.src = m.src AND c.id = m.campaign_id
            WHERE m.status = 'Attended' AND c.type = 'Webinar'
            UNION
            SELECT p.email FROM marketing_list_member m
            JOIN person p ON p.src = m.src AND p.id = m.person_id
            JOIN marketing_list l ON l.src = m.src AND l.id = m.list_id
            WHERE l.name = 'Webinar recording requests'
            """);

    /**
     * rules/new-business-pipeline.drl: people in a contact role on an open opportunity of attribute
     * Type "New Business" created in the 30 days before now (createdDate and Type from the system of record).
     */
    static final SegmentSql NEW_BUSINESS_PIPELINE = new SegmentSql("new-business-pipeline", "new-business-pipeline.drl",
            with(ACCOUNTS, OPPORTUNITIES) + """
            SELECT DISTINCT p.email FROM opportunity_person r
            JOIN person p ON p.src = r.src AND p.id = r.person_id
            JOIN opp_comp c ON c.n = r.src || ':' || r.opportunity_id
            JOIN uopp o ON o.opp = c.comp, params
            WHERE NOT o.closed AND o.created > params.now - INTERVAL 30 DAY AND o.deal_type = 'New Business'
            """);

    /**
     * rules/industry-region-value.csv, one row: people related to a unified account whose industry
     * starts with {@code industry}, in one of {@code countries} (any when empty), that won more than
     * {@code minimum} in total.
     */
    static SegmentSql industryRegionValue(String id, String industry, List<String> countries, long minimum) {
        String country = countries.isEmpty() ? "" : " AND a.country IN ("
                + String.join(", ", countries.stream().map(c -> "'" + c + "'").toList()) + ")";
        return new SegmentSql(id, "industry-region-value.csv", with(ACCOUNTS, ACCOUNT_FIELDS, ACCOUNT_PEOPLE, OPPORTUNITIES, """
                won AS (SELECT o.account, sum(o.amount) AS total FROM uopp o WHERE o.won GROUP BY o.account)""") + """
                SELECT DISTINCT ap.person FROM ap JOIN uacc a ON a.account = ap.account JOIN won w ON w.account = ap.account
                WHERE starts_with(a.industry, '%s')%s AND w.total > %d
                """.formatted(industry, country, minimum));
    }

    /** Every shipped segment (customer-accounts.drl is a classification inside two of them). */
    public static final List<SegmentSql> SEGMENTS = List.of(HIGH_VALUE_NEW_PRODUCT, ENTERPRISE_AUTOMOTIVE, LATE_STAGE_DEALS,
            UPSELL_CUSTOMERS, ENGAGED_PROSPECTS, WEBINAR_ATTENDEES, NEW_BUSINESS_PIPELINE,
            industryRegionValue("automotive-emea-1m", "Automotive", List.of("DE", "FR", "GB", "IT"), 1_000_000),
            industryRegionValue("automotive-na-500k", "Automotive", List.of("US", "CA"), 500_000),
            industryRegionValue("banking-250k", "Banking", List.of(), 250_000));

    private final Connection db;

    public DuckDbBaseline(int threads, String memoryLimit) throws SQLException {
        this.db = DriverManager.getConnection("jdbc:duckdb:");
        try (Statement s = db.createStatement()) {
            s.execute("SET threads = " + threads);
            s.execute("SET memory_limit = '" + memoryLimit + "'");
            s.execute("SET TimeZone = 'UTC'");
        }
    }

    public String version() throws SQLException {
        try (Statement s = db.createStatement(); ResultSet rs = s.executeQuery("SELECT version()")) {
            rs.next();
            return rs.getString(1);
        }
    }

    /** Loads every batch file below {@code dir} into typed tables; returns the raw record count. */
    public long load(Path dir) throws SQLException {
        String glob = dir.toAbsolutePath() + "/*/*.ndjson";
        try (Statement s = db.createStatement()) {
            s.execute("CREATE OR REPLACE TABLE raw AS SELECT regexp_extract(filename, '/([^/]+)/[0-9]+\\.ndjson$', 1) AS src, *"
                    + " FROM read_json('" + glob + "', format = 'newline_delimited', filename = true, columns = {"
                    + "type: 'VARCHAR', id: 'VARCHAR', email: 'VARCHAR', firstName: 'VARCHAR', lastName: 'VARCHAR',"
                    + "title: 'VARCHAR', emailOptOut: 'BOOLEAN', country: 'VARCHAR', name: 'VARCHAR', domain: 'VARCHAR',"
                    + "industry: 'VARCHAR', employees: 'BIGINT', annualRevenue: 'DOUBLE', accountId: 'VARCHAR', personId: 'VARCHAR',"
                    + "opportunityId: 'VARCHAR', role: 'VARCHAR', amount: 'DOUBLE', isWon: 'BOOLEAN', isClosed: 'BOOLEAN',"
                    + "stage: 'VARCHAR', closeDate: 'VARCHAR', eventType: 'VARCHAR', timestamp: 'VARCHAR', url: 'VARCHAR',"
                    + "campaignId: 'VARCHAR', campaignType: 'VARCHAR', status: 'VARCHAR', listId: 'VARCHAR',"
                    + "createdDate: 'VARCHAR', attributes: 'JSON',"
                    + "sameAs: 'STRUCT(source VARCHAR, id VARCHAR)', accounts: 'STRUCT(source VARCHAR, id VARCHAR)[]'})");
            s.execute("CREATE OR REPLACE TABLE person AS SELECT src, id, lower(trim(email)) AS email, "
                    + "coalesce(emailOptOut, false) AS opt_out FROM raw WHERE type = 'person'");
            s.execute("CREATE OR REPLACE TABLE account AS SELECT src, id, industry, employees, annualRevenue AS annual_revenue, "
                    + "country, sameAs AS same_as FROM raw WHERE type = 'account'");
            s.execute("CREATE OR REPLACE TABLE account_person AS SELECT src, accountId AS account_id, personId AS person_id "
                    + "FROM raw WHERE type = 'accountPerson'");
            s.execute("CREATE OR REPLACE TABLE opportunity AS SELECT src, id, accountId AS account_id, amount, isWon AS won, "
                    + "isClosed AS closed, stage, CAST(createdDate AS TIMESTAMPTZ) AS created, "
                    + "json_extract_string(attributes, '$.Type') AS deal_type, sameAs AS same_as FROM raw WHERE type = 'opportunity'");
            s.execute("CREATE OR REPLACE TABLE opportunity_person AS SELECT src, opportunityId AS opportunity_id, "
                    + "personId AS person_id FROM raw WHERE type = 'opportunityPerson'");
            s.execute("CREATE OR REPLACE TABLE event AS SELECT src, id, personId AS person_id, eventType AS event_type, "
                    + "CAST(timestamp AS TIMESTAMPTZ) AS ts, url FROM raw WHERE type = 'event'");
            s.execute("CREATE OR REPLACE TABLE campaign AS SELECT src, id, name, campaignType AS type, status "
                    + "FROM raw WHERE type = 'campaign'");
            s.execute("CREATE OR REPLACE TABLE campaign_member AS SELECT src, campaignId AS campaign_id, personId AS person_id, "
                    + "status FROM raw WHERE type = 'campaignMember'");
            s.execute("CREATE OR REPLACE TABLE marketing_list AS SELECT src, id, name FROM raw WHERE type = 'marketingList'");
            s.execute("CREATE OR REPLACE TABLE marketing_list_member AS SELECT src, listId AS list_id, personId AS person_id "
                    + "FROM raw WHERE type = 'marketingListMember'");
            s.execute("CREATE OR REPLACE TABLE account_link AS SELECT id, unnest(accounts) AS acc FROM raw WHERE type = 'accountLink'");
            try (ResultSet rs = s.executeQuery("SELECT count(*) FROM raw")) {
                rs.next();
                long n = rs.getLong(1);
                s.execute("DROP TABLE raw");
                return n;
            }
        }
    }

    /** A segment's audience (normalized emails) at {@code now}; {@code threshold} only matters to high-value-new-product. */
    public Set<String> audience(SegmentSql segment, Instant now, double threshold) throws SQLException {
        Set<String> out = new TreeSet<>();
        try (PreparedStatement ps = db.prepareStatement(segment.sql())) {
            ps.setString(1, now.toString());
            ps.setDouble(2, threshold);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) out.add(rs.getString(1));
            }
        }
        return out;
    }

    /** The audience (normalized emails) of high-value-new-product. */
    public Set<String> highValue(Instant now, double threshold) throws SQLException {
        return audience(HIGH_VALUE_NEW_PRODUCT, now, threshold);
    }

    /** Every segment's audience, in {@link #SEGMENTS} order; $1M for high-value-new-product. */
    public Map<String, Set<String>> audiences(Instant now) throws SQLException {
        Map<String, Set<String>> out = new LinkedHashMap<>();
        for (SegmentSql s : SEGMENTS) out.put(s.id(), audience(s, now, 1e6));
        return out;
    }

    /** A person who would enter: unified accounts above the threshold, no recent visit; with a Marketo lead. */
    public record Candidate(String email, String leadSource, String leadId) {}

    /**
     * People who would enter high-value-new-product with one visit, with one of their Marketo leads.
     * Opted-out people are left out: they enter the segment but are never exported to a destination.
     */
    public List<Candidate> wouldEnter(Instant now, double threshold, int limit) throws SQLException {
        String sql = HIGH_VALUE_CTES + """
                SELECT t.person, min(p.src), arg_min(p.id, p.src) FROM total t JOIN person p ON p.email = t.person
                  AND p.src LIKE 'marketo-%', params
                WHERE t.total > params.threshold AND t.person NOT IN (SELECT person FROM visited)
                  AND t.person NOT IN (SELECT email FROM person WHERE opt_out)
                GROUP BY t.person ORDER BY hash(t.person) LIMIT\s""" + limit;
        List<Candidate> out = new ArrayList<>();
        try (PreparedStatement ps = db.prepareStatement(sql)) {
            ps.setString(1, now.toString());
            ps.setDouble(2, threshold);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) out.add(new Candidate(rs.getString(1), rs.getString(2), rs.getString(3)));
            }
        }
        return out;
    }

    /** Normalized emails of people any source says opted out (Cohort never exports them). */
    public Set<String> optedOut() throws SQLException {
        Set<String> out = new TreeSet<>();
        try (Statement s = db.createStatement(); ResultSet rs = s.executeQuery("SELECT DISTINCT email FROM person WHERE opt_out")) {
            while (rs.next()) out.add(rs.getString(1));
        }
        return out;
    }

    /** Lead id → normalized email of one Marketo source's person records (what that Marketo instance holds). */
    public Map<Long, String> leads(String source) throws SQLException {
        Map<Long, String> out = new LinkedHashMap<>();
        try (PreparedStatement ps = db.prepareStatement("SELECT id, email FROM person WHERE src = ? AND email IS NOT NULL")) {
            ps.setString(1, source);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) out.put(Long.parseLong(rs.getString(1)), rs.getString(2));
            }
        }
        return out;
    }

    /** Adds one page view (the "one change" of the refresh measurement). */
    public void addPageView(String source, String id, String personId, Instant ts, String url) throws SQLException {
        try (PreparedStatement ps = db.prepareStatement("INSERT INTO event VALUES (?, ?, ?, 'web.webpagedetails.pageViews', "
                + "CAST(? AS TIMESTAMPTZ), ?)")) {
            ps.setString(1, source);
            ps.setString(2, id);
            ps.setString(3, personId);
            ps.setString(4, ts.toString());
            ps.setString(5, url);
            ps.executeUpdate();
        }
    }

    public void deleteEvent(String source, String id) throws SQLException {
        try (PreparedStatement ps = db.prepareStatement("DELETE FROM event WHERE src = ? AND id = ?")) {
            ps.setString(1, source);
            ps.setString(2, id);
            ps.executeUpdate();
        }
    }

    @Override public void close() throws SQLException { db.close(); }
}
