package io.cohort.store;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.jdbi.v3.core.Jdbi;

/**
 * Test support: new databases as copies of one migrated once per test JVM (per kind: an H2 file,
 * an in-memory H2 database made from the file's SQL, and a template database per embedded
 * PostgreSQL server), instead of running Liquibase on every test's database. Migrating a fresh
 * store was ~14% of the integration tests' CPU, a child JVM started on a fresh file paid
 * Liquibase's cold start (~3 s of CPU) as well, and a unit test's in-memory store ~0.8 s.
 *
 * <p>Nothing here changes the service: an application started on a copy still runs its own
 * migration step ({@link Migrations#migrate}), which finds the copy up to date, as a restart
 * does. Tests about migrations (older schemas, {@code Migrations.upToDate}, processes migrating
 * together) and the commands' tests still migrate from scratch, and so does every database a test
 * makes itself without this class.
 *
 * <p>A copy must be what a fresh database is. The changesets create tables and sequences and
 * insert nothing; the store's identity ({@code store_identity}, a random id) is given at its first
 * use, by the service, never by a migration. The template is checked before it is used: every
 * table but Liquibase's own is empty and no sequence has been drawn from. A changeset that one day
 * inserts rows stops every test here until someone decides whether the rows may be shared by
 * copies (then add the table to {@link #SAME_FOR_EVERY_STORE}) or must differ per store (then
 * they cannot come from a template). Liquibase's own rows (when each changeset ran, a deployment
 * id) are shared by copies; nothing of Cohort reads more of them than the changeset ids.
 *
 * <p>{@code -Dcohort.migratedTemplates=false} migrates every database from scratch instead (to
 * compare, or to rule the copies out when something looks odd).
 */
public final class MigratedTemplates {
    public static final boolean ENABLED = Boolean.parseBoolean(System.getProperty("cohort.migratedTemplates", "true"));
    /** Tables whose rows, if a changeset ever wrote some, are the same for every store. */
    static final Set<String> SAME_FOR_EVERY_STORE = Set.of("databasechangelog", "databasechangeloglock");
    static final String POSTGRES_TEMPLATE = "cohort_migrated_template";

    private static Path h2Template;
    /** The template as SQL statements (H2's SCRIPT), for in-memory copies. */
    private static List<String> h2Script;
    /** The servers (by identity: a test may start another on the same port) that have the template. */
    private static final Set<EmbeddedPostgres> postgresTemplates = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());

    private MigratedTemplates() {}

    /**
     * Puts a migrated H2 database at {@code base} (a file URL's path: {@code base.mv.db} is the
     * file) unless one is there already, as the service opens it ({@code jdbc:h2:file:base;MODE=PostgreSQL}).
     */
    public static void h2(Path base) {
        if (!ENABLED) return;
        Path file = base.resolveSibling(base.getFileName() + ".mv.db");
        if (Files.exists(file)) return;
        try {
            Path template = h2Template();
            Files.createDirectories(file.getParent());
            Files.copy(template, file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static synchronized Path h2Template() throws IOException {
        if (h2Template != null) return h2Template;
        Path dir = Files.createTempDirectory("cohort-h2-template");
        Path base = dir.resolve("cohort");
        JdbcDataSource ds = new JdbcDataSource();
        ds.setURL(Durability.durableUrl("jdbc:h2:file:" + base.toAbsolutePath() + ";MODE=PostgreSQL"));
        ds.setUser("sa");
        ds.setPassword("");
        Migrations.migrate(ds);
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            checkFresh(c, "PUBLIC");
            List<String> script = new ArrayList<>();
            try (ResultSet rs = s.executeQuery("SCRIPT")) {
                while (rs.next()) script.add(rs.getString(1));
            }
            h2Script = List.copyOf(script);
            s.execute("SHUTDOWN"); // closed and written out: the file is copied as it is
        } catch (SQLException e) {
            throw new IllegalStateException("the migrated H2 template: " + e.getMessage(), e);
        }
        // The data is all in cohort.mv.db (a cohort.trace.db beside it holds H2's log of the
        // migration's first look for a changelog table, as in a service's directory).
        Path file = dir.resolve("cohort.mv.db");
        if (!Files.isRegularFile(file)) throw new IllegalStateException("the H2 template made no " + file);
        dir.toFile().deleteOnExit(); // after its files: deleted in the reverse order
        try (var made = Files.list(dir)) {
            made.forEach(p -> p.toFile().deleteOnExit());
        }
        return h2Template = file;
    }

    /**
     * A new in-memory H2 database ({@code jdbc:h2:mem:}, kept until the JVM exits) with the
     * service's schema: the migrated template's SQL (H2's {@code SCRIPT}) run into it, as a unit
     * test's store. Unique per call; {@code prefix} names it in messages.
     */
    public static JdbcDataSource h2Memory(String prefix) {
        JdbcDataSource ds = new JdbcDataSource();
        ds.setURL("jdbc:h2:mem:" + prefix + "-" + java.util.UUID.randomUUID() + ";MODE=PostgreSQL;DB_CLOSE_DELAY=-1");
        ds.setUser("sa");
        ds.setPassword("");
        if (!ENABLED) {
            Migrations.migrate(ds);
            return ds;
        }
        try {
            List<String> script;
            synchronized (MigratedTemplates.class) {
                h2Template();
                script = h2Script;
            }
            try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
                for (String sql : script) s.execute(sql);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (SQLException e) {
            throw new IllegalStateException("copying the migrated H2 template into memory: " + e.getMessage(), e);
        }
        return ds;
    }

    /**
     * Creates database {@code name} on {@code pg} with the service's schema: a copy of a template
     * migrated once per server ({@code CREATE DATABASE … TEMPLATE}).
     */
    public static void postgres(EmbeddedPostgres pg, String name) {
        Jdbi server = Jdbi.create(pg.getPostgresDatabase());
        if (!ENABLED) {
            server.useHandle(h -> h.execute("CREATE DATABASE " + name));
            Migrations.migrate(pg.getDatabase("postgres", name));
            return;
        }
        synchronized (MigratedTemplates.class) {
            if (!postgresTemplates.contains(pg)) {
                server.useHandle(h -> h.execute("CREATE DATABASE " + POSTGRES_TEMPLATE));
                DataSource template = pg.getDatabase("postgres", POSTGRES_TEMPLATE);
                Migrations.migrate(template);
                try (Connection c = template.getConnection()) {
                    checkFresh(c, "public");
                } catch (SQLException e) {
                    throw new IllegalStateException("the migrated PostgreSQL template: " + e.getMessage(), e);
                }
                // Nobody connects to it again (a copy needs it without sessions): marked so.
                server.useHandle(h -> h.execute("ALTER DATABASE " + POSTGRES_TEMPLATE + " WITH IS_TEMPLATE true ALLOW_CONNECTIONS false"));
                postgresTemplates.add(pg);
            }
            server.useHandle(h -> h.execute("CREATE DATABASE " + name + " TEMPLATE " + POSTGRES_TEMPLATE));
        }
    }

    /** That the migrated {@code schema} holds what a fresh store holds: no rows but Liquibase's, no sequence drawn from. */
    private static void checkFresh(Connection c, String schema) throws SQLException {
        List<String> tables = new ArrayList<>();
        try (ResultSet rs = c.getMetaData().getTables(null, schema, "%", new String[] {"TABLE"})) {
            while (rs.next()) tables.add(rs.getString("TABLE_NAME"));
        }
        if (tables.size() < 10) throw new IllegalStateException("the template has too few tables to be migrated: " + tables);
        List<String> written = new ArrayList<>();
        try (Statement s = c.createStatement()) {
            for (String t : tables) {
                if (SAME_FOR_EVERY_STORE.contains(t.toLowerCase(java.util.Locale.ROOT))) continue;
                try (ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM " + schema + ".\"" + t + "\"")) {
                    rs.next();
                    if (rs.getLong(1) > 0) written.add(t);
                }
            }
            // H2: a drawn sequence's base value moved past its start; PostgreSQL: last_value is set once drawn.
            String drawn = c.getMetaData().getDatabaseProductName().equals("H2")
                    ? "SELECT sequence_name FROM information_schema.sequences WHERE sequence_schema = '" + schema
                            + "' AND base_value <> start_value"
                    : "SELECT sequencename FROM pg_sequences WHERE schemaname = '" + schema + "' AND last_value IS NOT NULL";
            try (ResultSet rs = s.executeQuery(drawn)) {
                while (rs.next()) written.add("sequence " + rs.getString(1));
            }
        }
        if (!written.isEmpty()) {
            throw new IllegalStateException("the migrations wrote " + written + ": copies of one migrated template would share"
                    + " those rows, where every fresh store makes its own (a random id, a creation time). Decide per table"
                    + " (io.cohort.store.MigratedTemplates): the same for every store, or made per store (then no template)");
        }
    }
}
