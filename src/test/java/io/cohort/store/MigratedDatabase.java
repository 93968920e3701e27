package io.cohort.store;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.jdbi.v3.core.Jdbi;

/** A new database on a test's embedded PostgreSQL server, with the service's schema. */
public final class MigratedDatabase {
    private MigratedDatabase() {}

    /** Creates database {@code name} on {@code pg} with the schema (a copy of a migrated template, {@link MigratedTemplates}) and returns it. */
    public static Jdbi create(EmbeddedPostgres pg, String name) {
        MigratedTemplates.postgres(pg, name);
        return Jdbi.create(pg.getDatabase("postgres", name));
    }
}
