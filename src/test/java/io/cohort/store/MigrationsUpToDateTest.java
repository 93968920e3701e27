package io.cohort.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What tells a restart that the database is up to date, so that it does not start Liquibase (3.5 s
 * of a cold start's CPU; docs/benchmarks.md round 32): every changeset of the files that applies to
 * the database is recorded. A new database, or one missing any such changeset, is migrated by
 * Liquibase as before, on H2 and PostgreSQL.
 */
class MigrationsUpToDateTest {
    @TempDir Path dir;

    @Test
    void theChangeSetsReadAreThoseOfTheFilesForEachDatabase() throws Exception {
        Pattern changeSet = Pattern.compile("<changeSet id=\"([^\"]+)\" author=\"([^\"]+)\"(?: dbms=\"([^\"]+)\")?>");
        Set<String> h2 = new java.util.HashSet<>();
        Set<String> pg = new java.util.HashSet<>();
        try (Stream<Path> files = Files.list(Path.of("src/main/resources/db"))) {
            for (Path f : files.toList()) {
                Matcher m = changeSet.matcher(Files.readString(f));
                while (m.find()) {
                    String key = m.group(1) + "::" + m.group(2);
                    if (m.group(3) == null || m.group(3).equals("h2")) h2.add(key);
                    if (m.group(3) == null || m.group(3).equals("postgresql")) pg.add(key);
                }
            }
        }
        assertThat(Migrations.ChangeSets.of("h2")).contains(h2);
        assertThat(Migrations.ChangeSets.of("postgresql")).contains(pg);
        assertThat(h2).contains("013-outbox-email-backfill-h2::cohort").doesNotContain("013-outbox-email-backfill-pg::cohort");
    }

    @Test
    void h2() throws Exception {
        JdbcDataSource ds = new JdbcDataSource();
        ds.setURL("jdbc:h2:file:" + dir.resolve("db") + ";MODE=PostgreSQL");
        ds.setUser("sa");
        upToDateOnlyWithEveryChangeSetRecorded(ds);
    }

    @Test
    void postgres() throws Exception {
        upToDateOnlyWithEveryChangeSetRecorded(SharedPostgres.dataSource(SharedPostgres.newDatabase("up_to_date")));
    }

    private static void upToDateOnlyWithEveryChangeSetRecorded(DataSource ds) {
        Jdbi jdbi = Jdbi.create(ds);
        assertThat(Migrations.upToDate(ds)).as("a new database").isFalse();
        Migrations.migrate(ds);
        assertThat(Migrations.upToDate(ds)).as("after the migration").isTrue();

        // The last changeset missing (a jar of a newer version on this database): migrated as before.
        jdbi.useHandle(h -> {
            h.execute("DROP TABLE cluster_manual_clock");
            h.execute("DELETE FROM databasechangelog WHERE id = '028-cluster-manual-clock'");
        });
        assertThat(Migrations.upToDate(ds)).as("a changeset missing").isFalse();
        Migrations.migrate(ds);
        int rows = jdbi.withHandle(h -> h.createQuery("SELECT COUNT(*) FROM cluster_manual_clock").mapTo(Integer.class).one());
        assertThat(rows).as("the table is back").isZero();
        assertThat(Migrations.upToDate(ds)).isTrue();
    }
}
