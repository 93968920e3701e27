package io.cohort.store;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The copies tests start on are what a freshly migrated store is: the same schema, found up to
 * date by the service's migration step, and each its own store (its own random id, given at its
 * first use), never the template's or another copy's.
 */
class MigratedTemplatesTest {
    @TempDir Path tmp;

    @org.junit.jupiter.api.BeforeEach
    void on() { org.junit.jupiter.api.Assumptions.assumeTrue(MigratedTemplates.ENABLED, "-Dcohort.migratedTemplates=false"); }

    @Test
    void anH2CopyIsAFreshStoreOfItsOwn() throws Exception {
        MigratedTemplates.h2(tmp.resolve("a/db/cohort"));
        MigratedTemplates.h2(tmp.resolve("b/db/cohort"));
        DataSource a = h2(tmp.resolve("a/db/cohort")), b = h2(tmp.resolve("b/db/cohort"));
        DataSource scratch = h2(tmp.resolve("scratch/db/cohort"));
        Migrations.migrate(scratch);

        assertThat(Migrations.upToDate(a)).isTrue();
        assertThat(schema(a)).isEqualTo(schema(scratch)).hasSizeGreaterThan(100);
        assertFreshAndDistinct(a, b);

        // A database that is there already is left as it is (a restart, an older schema).
        MigratedTemplates.h2(tmp.resolve("a/db/cohort"));
        assertThat(count(a, "SELECT COUNT(*) FROM store_identity")).isEqualTo(1);
    }

    @Test
    void anInMemoryH2CopyIsAFreshStoreOfItsOwn() throws Exception {
        DataSource a = MigratedTemplates.h2Memory("copy-a"), b = MigratedTemplates.h2Memory("copy-b");
        JdbcDataSource scratch = new JdbcDataSource();
        scratch.setURL("jdbc:h2:mem:scratch-" + System.nanoTime() + ";MODE=PostgreSQL;DB_CLOSE_DELAY=-1");
        Migrations.migrate(scratch);

        assertThat(Migrations.upToDate(a)).isTrue();
        assertThat(schema(a)).isEqualTo(schema(scratch)).hasSizeGreaterThan(100);
        assertFreshAndDistinct(a, b);
    }

    @Test
    void aPostgresCopyIsAFreshStoreOfItsOwn() throws Exception {
        EmbeddedPostgres pg = SharedPostgres.server(); // the template is made once per server, maybe by another test already
        MigratedTemplates.postgres(pg, "copy_a");
        MigratedTemplates.postgres(pg, "copy_b");
        Jdbi.create(pg.getPostgresDatabase()).useHandle(h -> h.execute("CREATE DATABASE scratch"));
        Migrations.migrate(pg.getDatabase("postgres", "scratch"));
        DataSource a = pg.getDatabase("postgres", "copy_a"), b = pg.getDatabase("postgres", "copy_b");

        assertThat(Migrations.upToDate(a)).isTrue();
        assertThat(schema(a)).isEqualTo(schema(pg.getDatabase("postgres", "scratch"))).hasSizeGreaterThan(100);
        assertFreshAndDistinct(a, b);
        assertThat(count(a, "SELECT nextval('cluster_change_seq')")).as("as a fresh store's").isEqualTo(1_000_000_000_000L);
    }

    private static void assertFreshAndDistinct(DataSource a, DataSource b) throws SQLException {
        assertThat(count(a, "SELECT COUNT(*) FROM store_identity")).isZero();
        String idA = new RecordStore(Jdbi.create(a), new ObjectMapper()).position().storeId();
        String idB = new RecordStore(Jdbi.create(b), new ObjectMapper()).position().storeId();
        assertThat(idA).isNotBlank().isNotEqualTo(idB);
        assertThat(count(b, "SELECT COUNT(*) FROM store_identity")).isEqualTo(1);
    }

    private static DataSource h2(Path base) {
        JdbcDataSource ds = new JdbcDataSource();
        ds.setURL(Durability.durableUrl("jdbc:h2:file:" + base.toAbsolutePath() + ";MODE=PostgreSQL"));
        ds.setUser("sa");
        ds.setPassword("");
        return ds;
    }

    /** Every column of the public schema (table, column, type, nullability, default), and every index. */
    private static List<String> schema(DataSource ds) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Connection c = ds.getConnection()) {
            String schema = c.getMetaData().getDatabaseProductName().equals("H2") ? "PUBLIC" : "public";
            try (ResultSet rs = c.getMetaData().getColumns(null, schema, "%", "%")) {
                while (rs.next()) {
                    out.add(rs.getString("TABLE_NAME") + "." + rs.getString("COLUMN_NAME") + " " + rs.getString("TYPE_NAME")
                            + "(" + rs.getInt("COLUMN_SIZE") + ") " + rs.getString("IS_NULLABLE") + " " + rs.getString("COLUMN_DEF"));
                }
            }
            List<String> tables = new ArrayList<>();
            try (ResultSet rs = c.getMetaData().getTables(null, schema, "%", new String[] {"TABLE"})) {
                while (rs.next()) tables.add(rs.getString("TABLE_NAME"));
            }
            for (String t : tables) {
                try (ResultSet rs = c.getMetaData().getIndexInfo(null, schema, t, false, false)) {
                    // H2 names a primary key's index itself (PRIMARY_KEY_8F), differently in each database that creates it.
                    while (rs.next()) out.add("index " + t + " " + rs.getString("INDEX_NAME").replaceAll("^PRIMARY_KEY_[0-9A-F]+$", "PRIMARY_KEY")
                            + " " + rs.getString("COLUMN_NAME"));
                }
            }
        }
        out.sort(null);
        return out;
    }

    private static long count(DataSource ds, String sql) throws SQLException {
        try (Connection c = ds.getConnection(); ResultSet rs = c.createStatement().executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
