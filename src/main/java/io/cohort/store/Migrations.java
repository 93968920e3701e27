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

    public static void migrate(DataSource dataSource) {
        try (Connection c = dataSource.getConnection()) {
            Database db = DatabaseFactory.getInstance().findCorrectDatabaseImplementation(new JdbcConnection(c));
            // Liquibase prints its summary to stdout by default; send it to the log instead.
            liquibase.Scope.child(liquibase.Scope.Attr.ui.name(), new liquibase.ui.LoggerUIService(), () -> {
                try (Liquibase lb = new Liquibase(CHANGELOG, new ClassLoaderResourceAccessor(), db)) {
                    lb.update("");
                }
            });
        } catch (SQLException | LiquibaseException e) {
            throw new IllegalStateException("database migration failed: " + e.getMessage(), e);
        } catch (Exception e) {
            throw new IllegalStateException("database migration failed: " + e.getMessage(), e);
        }
    }
}
