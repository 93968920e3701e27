package io.cohort.store;

import java.sql.Connection;
import javax.sql.DataSource;
import liquibase.Liquibase;
import liquibase.database.Database;
import liquibase.database.DatabaseFactory;
import liquibase.database.jvm.JdbcConnection;
import liquibase.resource.ClassLoaderResourceAccessor;

/** A database as an older release left it: for tests of what a later changeset does to existing rows. */
public final class OlderSchema {
    private OlderSchema() {}

    /** An H2 file database in {@code dir}, in the mode the service runs it. */
    public static DataSource h2(java.nio.file.Path dir) {
        org.h2.jdbcx.JdbcDataSource ds = new org.h2.jdbcx.JdbcDataSource();
        ds.setURL("jdbc:h2:file:" + dir.resolve("db").toAbsolutePath() + ";MODE=PostgreSQL");
        ds.setUser("sa");
        return ds;
    }

    /** Applies the changesets that come before {@code changeSetId}, as an older release had. */
    public static void migrateUpTo(DataSource ds, String changeSetId) throws Exception {
        try (Connection c = ds.getConnection()) {
            Database db = DatabaseFactory.getInstance().findCorrectDatabaseImplementation(new JdbcConnection(c));
            try (Liquibase lb = new Liquibase(Migrations.CHANGELOG, new ClassLoaderResourceAccessor(), db)) {
                var sets = lb.getDatabaseChangeLog().getChangeSets();
                int before = 0;
                while (!sets.get(before).getId().equals(changeSetId)) before++;
                lb.update(before, "");
            }
        }
    }
}
