package io.cohort.store;

import java.io.InputStream;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import javax.sql.DataSource;
import javax.xml.parsers.DocumentBuilderFactory;
import liquibase.Liquibase;
import liquibase.database.Database;
import liquibase.database.DatabaseFactory;
import liquibase.database.jvm.JdbcConnection;
import liquibase.exception.LiquibaseException;
import liquibase.resource.ClassLoaderResourceAccessor;
import org.w3c.dom.Element;
import org.w3c.dom.NamedNodeMap;
import org.w3c.dom.Node;

/** Applies the schema (src/main/resources/migrations.xml) to a database. Idempotent. */
public final class Migrations {
    public static final String CHANGELOG = "migrations.xml";

    private Migrations() {}

    /**
     * The advisory lock that lets one process at a time migrate a PostgreSQL database ("cohort-m"
     * in ASCII). Liquibase's own lock lives in a table it must first create: cluster processes
     * started together on a new database both created it, and one exited at start ("relation
     * databasechangelog already exists").
     */
    static final long MIGRATION_LOCK = 0x636f686f72742d6dL;

    public static void migrate(DataSource dataSource) {
        if (upToDate(dataSource)) return;
        // The lock on a session of its own: Liquibase closes the connection it is given.
        try (Connection lock = dataSource.getConnection()) {
            boolean postgres = "PostgreSQL".equals(lock.getMetaData().getDatabaseProductName());
            if (postgres) advisory(lock, "SELECT pg_advisory_lock(?)");
            try (Connection c = dataSource.getConnection()) {
                Database db = DatabaseFactory.getInstance().findCorrectDatabaseImplementation(new JdbcConnection(c));
                // Liquibase prints its summary to stdout by default; send it to the log instead.
                liquibase.Scope.child(liquibase.Scope.Attr.ui.name(), new liquibase.ui.LoggerUIService(), () -> {
                    try (Liquibase lb = new Liquibase(CHANGELOG, new ClassLoaderResourceAccessor(), db)) {
                        lb.update("");
                    }
                });
            } finally {
                // A session lock: released here, or the pooled connection would keep it.
                if (postgres) advisory(lock, "SELECT pg_advisory_unlock(?)");
            }
        } catch (SQLException | LiquibaseException e) {
            throw new IllegalStateException("database migration failed: " + e.getMessage(), e);
        } catch (Exception e) {
            throw new IllegalStateException("database migration failed: " + e.getMessage(), e);
        }
    }

    /**
     * Whether every changeset of the changelog that applies to this database is recorded as run:
     * then Liquibase would do nothing, and a restart does not start it (on an up-to-date store it
     * took 3.5 s of a cold start's CPU, parsing the changelog and checking each changeset, beside
     * the rules' first compile). Checksums are not compared: a shipped changeset is never edited
     * (migrations.xml), a change is a new one. Anything this does not understand (another
     * database, changeset attributes beyond id, author and dbms) answers false: Liquibase decides.
     */
    static boolean upToDate(DataSource dataSource) {
        try (Connection c = dataSource.getConnection()) {
            String dbms = switch (c.getMetaData().getDatabaseProductName()) {
                case "H2" -> "h2";
                case "PostgreSQL" -> "postgresql";
                default -> null;
            };
            Optional<Set<String>> wanted = dbms == null ? Optional.empty() : ChangeSets.of(dbms);
            if (wanted.isEmpty()) return false;
            Set<String> applied = new HashSet<>();
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT id, author FROM databasechangelog")) {
                while (rs.next()) applied.add(rs.getString(1) + "::" + rs.getString(2));
            }
            return applied.containsAll(wanted.get());
        } catch (SQLException e) {
            return false; // a new database (no changelog table yet), or one Liquibase must look at
        }
    }

    /** The changesets of {@link #CHANGELOG} and the files it includes, as {@code id::author}. */
    static final class ChangeSets {
        private static final Set<String> UNDERSTOOD = Set.of("id", "author", "dbms");

        private ChangeSets() {}

        /** Those that run on {@code dbms}; empty when the changelog says more than this reads. */
        static Optional<Set<String>> of(String dbms) {
            try {
                Set<String> out = new HashSet<>();
                Element root = parse(CHANGELOG);
                for (Element include : elements(root, "include")) {
                    if (!"true".equals(include.getAttribute("relativeToChangelogFile"))) return Optional.empty();
                    for (Element cs : elements(parse(include.getAttribute("file")), "changeSet")) {
                        NamedNodeMap attrs = cs.getAttributes();
                        for (int i = 0; i < attrs.getLength(); i++) {
                            if (!UNDERSTOOD.contains(attrs.item(i).getNodeName())) return Optional.empty();
                        }
                        String only = cs.getAttribute("dbms");
                        if (only.contains("!")) return Optional.empty();
                        if (only.isEmpty() || Arrays.stream(only.split(",")).map(String::trim).anyMatch(dbms::equals)) {
                            out.add(cs.getAttribute("id") + "::" + cs.getAttribute("author"));
                        }
                    }
                }
                if (!elements(root, "changeSet").isEmpty()) return Optional.empty(); // only includes, as shipped
                return Optional.of(out);
            } catch (Exception e) {
                return Optional.empty();
            }
        }

        private static Element parse(String resource) throws Exception {
            try (InputStream in = Migrations.class.getClassLoader().getResourceAsStream(resource)) {
                if (in == null) throw new IllegalStateException("no resource " + resource);
                DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
                f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
                return f.newDocumentBuilder().parse(in).getDocumentElement();
            }
        }

        private static List<Element> elements(Element root, String name) {
            List<Element> out = new ArrayList<>();
            for (Node n = root.getFirstChild(); n != null; n = n.getNextSibling()) {
                if (n instanceof Element e && e.getTagName().equals(name)) out.add(e);
            }
            return out;
        }
    }

    private static void advisory(Connection c, String sql) throws SQLException {
        try (var s = c.prepareStatement(sql)) {
            s.setLong(1, MIGRATION_LOCK);
            s.executeQuery().close();
        }
    }
}
