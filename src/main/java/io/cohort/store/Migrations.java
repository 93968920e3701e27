package io.cohort.store;

import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;
import liquibase.Liquibase;
import liquibase.database.Database;
import liquibase.database.DatabaseFactory;
import liquibase.database.jvm.JdbcConnection;
import liquibase.exception.LiquibaseException;
import liquibase.resource.ClassLoaderResourceAccessor;

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

    private static void advisory(Connection c, String sql) throws SQLException {
        try (var s = c.prepareStatement(sql)) {
            s.setLong(1, MIGRATION_LOCK);
            s.executeQuery().close();
        }
    }
}
