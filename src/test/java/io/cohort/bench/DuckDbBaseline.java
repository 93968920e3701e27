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
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * What a user would pick instead: the same NDJSON landed in embedded DuckDB and the segment written
 * as SQL. Reached through plain JDBC, so it compiles without DuckDB; the driver is on the class path
 * only in the {@code bench} Maven profile.
 *
 * <p>The SQL implements Cohort's semantics, not a simplification of them: people are unified by
 * normalized email; source accounts by MDM links and {@code sameAs} transitively (connected
 * components by a recursive CTE); a CRM opportunity and its Marketo copy are one opportunity whose
 * values come from the system of record (the record that is not a copy); (account, person)
 * relations stated by several sources count once.
 */
public final class DuckDbBaseline implements AutoCloseable {
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
                    + "industry: 'VARCHAR', employees: 'BIGINT', accountId: 'VARCHAR', personId: 'VARCHAR',"
                    + "opportunityId: 'VARCHAR', role: 'VARCHAR', amount: 'DOUBLE', isWon: 'BOOLEAN', isClosed: 'BOOLEAN',"
                    + "stage: 'VARCHAR', closeDate: 'VARCHAR', eventType: 'VARCHAR', timestamp: 'VARCHAR', url: 'VARCHAR',"
                    + "sameAs: 'STRUCT(source VARCHAR, id VARCHAR)', accounts: 'STRUCT(source VARCHAR, id VARCHAR)[]'})");
            s.execute("CREATE OR REPLACE TABLE person AS SELECT src, id, lower(trim(email)) AS email FROM raw WHERE type = 'person'");
            s.execute("CREATE OR REPLACE TABLE account AS SELECT src, id, sameAs FROM raw WHERE type = 'account'");
            s.execute("CREATE OR REPLACE TABLE account_person AS SELECT src, accountId AS account_id, personId AS person_id "
                    + "FROM raw WHERE type = 'accountPerson'");
            s.execute("CREATE OR REPLACE TABLE opportunity AS SELECT src, id, accountId AS account_id, amount, isWon AS won, sameAs "
                    + "FROM raw WHERE type = 'opportunity'");
            s.execute("CREATE OR REPLACE TABLE event AS SELECT src, id, personId AS person_id, eventType AS event_type, "
                    + "CAST(timestamp AS TIMESTAMPTZ) AS ts, url FROM raw WHERE type = 'event'");
            s.execute("CREATE OR REPLACE TABLE account_link AS SELECT id, unnest(accounts) AS acc FROM raw WHERE type = 'accountLink'");
            try (ResultSet rs = s.executeQuery("SELECT count(*) FROM raw")) {
                rs.next();
                long n = rs.getLong(1);
                s.execute("DROP TABLE raw");
                return n;
            }
        }
    }

    /**
     * high-value-new-product as SQL: people whose unified accounts won more than {@code threshold} in
     * total and who viewed a page under /products/new in the 30 days before {@code now}.
     */
    public static String highValueNewProduct() {
        return """
            WITH RECURSIVE
            acc_edge AS (
              SELECT src || ':' || id AS a, sameAs.source || ':' || sameAs.id AS b FROM account WHERE sameAs IS NOT NULL
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
            acc_comp AS (SELECT n, min(m) AS comp FROM acc_reach GROUP BY n),
            opp_edge AS (SELECT src || ':' || id AS a, sameAs.source || ':' || sameAs.id AS b FROM opportunity WHERE sameAs IS NOT NULL),
            opp_edge2 AS (SELECT a, b FROM opp_edge UNION SELECT b, a FROM opp_edge),
            opp_reach(n, m) AS (
              SELECT src || ':' || id, src || ':' || id FROM opportunity
              UNION
              SELECT r.n, e.b FROM opp_reach r JOIN opp_edge2 e ON e.a = r.m),
            opp_comp AS (SELECT n, min(m) AS comp FROM opp_reach GROUP BY n),
            -- The system of record (not a copy) outranks its copies: its values win.
            ranked AS (
              SELECT c.comp, o.*, (o.sameAs IS NULL) AS sor FROM opportunity o JOIN opp_comp c ON c.n = o.src || ':' || o.id),
            uopp AS (
              SELECT comp,
                     arg_max(CASE WHEN account_id IS NULL THEN NULL ELSE src || ':' || account_id END, (sor, src, id)) AS master_acc,
                     arg_max(amount, (sor, src, id)) FILTER (WHERE amount IS NOT NULL) AS amount,
                     arg_max(won, (sor, src, id)) FILTER (WHERE won IS NOT NULL) AS won
              FROM ranked GROUP BY comp),
            won_by_account AS (
              SELECT ac.comp AS account, u.amount FROM uopp u JOIN acc_comp ac ON ac.n = u.master_acc WHERE u.won),
            ap AS (
              SELECT DISTINCT ac.comp AS account, p.email AS person
              FROM account_person r
              JOIN person p ON p.src = r.src AND p.id = r.person_id
              JOIN acc_comp ac ON ac.n = r.src || ':' || r.account_id),
            total AS (
              SELECT ap.person, sum(w.amount) AS total FROM ap JOIN won_by_account w ON w.account = ap.account GROUP BY ap.person),
            visited AS (
              SELECT DISTINCT p.email AS person
              FROM event e JOIN person p ON p.src = e.src AND p.id = e.person_id
              WHERE e.event_type = 'web.webpagedetails.pageViews'
                AND e.ts > CAST(? AS TIMESTAMPTZ) - INTERVAL 30 DAY
                AND CASE WHEN strpos(e.url, '://') = 0 THEN regexp_extract(e.url, '^([^?#]*)', 1)
                         ELSE coalesce(nullif(regexp_extract(e.url, '^[^:]*://[^/]*(/[^?#]*)', 1), ''), '/') END
                    LIKE '/products/new%')
            SELECT t.person FROM total t JOIN visited v ON v.person = t.person WHERE t.total > ?
            """;
    }

    /** The audience (normalized emails) of high-value-new-product. */
    public Set<String> highValue(Instant now, double threshold) throws SQLException {
        Set<String> out = new TreeSet<>();
        try (PreparedStatement ps = db.prepareStatement(highValueNewProduct())) {
            ps.setString(1, now.toString());
            ps.setDouble(2, threshold);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) out.add(rs.getString(1));
            }
        }
        return out;
    }

    /** A person who would enter: unified accounts above the threshold, no recent visit; with a Marketo lead. */
    public record Candidate(String email, String leadSource, String leadId) {}

    public List<Candidate> wouldEnter(Instant now, double threshold, int limit) throws SQLException {
        String sql = highValueNewProduct()
                .replace("SELECT t.person FROM total t JOIN visited v ON v.person = t.person WHERE t.total > ?",
                        "SELECT t.person, min(p.src), min(p.id) FROM total t JOIN person p ON p.email = t.person "
                                + "AND p.src LIKE 'marketo-%' WHERE t.total > ? AND t.person NOT IN (SELECT person FROM visited) "
                                + "GROUP BY t.person ORDER BY hash(t.person) LIMIT " + limit);
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
