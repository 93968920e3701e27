package io.cohort.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cohort.store.InstanceLock;
import io.cohort.store.InstanceLock.Kind;
import io.cohort.store.SharedPostgres;
import io.dropwizard.db.DataSourceFactory;
import io.dropwizard.testing.ConfigOverride;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One single-mode process per PostgreSQL database (store.InstanceLock): a second service, an
 * import beside a running service, or a cluster node beside a single-mode one is refused with the
 * holder's name, and the running one keeps serving; any number of cluster nodes share it; a
 * process waiting for one that stops goes on; a lost lock connection is taken again unless
 * another process took the database meanwhile.
 */
class InstanceLockIT {
    static EmbeddedPostgres pg;
    private static final AtomicInteger DATABASES = new AtomicInteger();

    /** The test JVM's server ({@link SharedPostgres}): each test makes a database of its own on it. */
    @BeforeAll static void startPostgres() { pg = SharedPostgres.server(); }

    @TempDir Path tmp;

    /** A database of its own per test: advisory locks are per database. */
    private static String newDatabase() throws Exception {
        String name = "lock" + DATABASES.incrementAndGet();
        try (Connection c = pg.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        }
        return pg.getJdbcUrl("postgres", name);
    }

    private static DataSourceFactory db(String url) {
        DataSourceFactory f = new DataSourceFactory();
        f.setDriverClass("org.postgresql.Driver");
        f.setUrl(url);
        f.setUser("postgres");
        f.setPassword("postgres");
        return f;
    }

    private static InstanceLock take(String url, Kind kind, String role, Duration wait) throws Exception {
        return InstanceLock.acquire(db(url), kind, role, wait).orElseThrow();
    }

    private static int holders(String url) throws Exception {
        try (Connection c = pg.getPostgresDatabase().getConnection(); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database "
                     + "WHERE l.locktype = 'advisory' AND l.granted AND d.datname = '" + url.replaceAll(".*/([a-z0-9]+).*", "$1") + "'")) {
            r.next();
            return r.getInt(1);
        }
    }

    @Test
    void clusterNodesShareTheDatabaseAndNothingElseDoes() throws Exception {
        String url = newDatabase();
        try (InstanceLock a = take(url, Kind.SHARED, "cluster node a", Duration.ZERO);
             InstanceLock b = take(url, Kind.SHARED, "cluster node b", Duration.ZERO)) {
            assertThat(holders(url)).isEqualTo(2);
            assertThatThrownBy(() -> take(url, Kind.EXCLUSIVE, "import", Duration.ZERO))
                    .isInstanceOf(InstanceLock.Refused.class)
                    .hasMessageContaining("cohort cluster node a on ")
                    .hasMessageContaining("cohort cluster node b on ")
                    .hasMessageContaining("Stop the other process first");
        }
        assertThat(holders(url)).isZero(); // closing lets go
        try (InstanceLock single = take(url, Kind.EXCLUSIVE, "single-mode service", Duration.ZERO)) {
            assertThatThrownBy(() -> take(url, Kind.SHARED, "cluster node c", Duration.ZERO))
                    .isInstanceOf(InstanceLock.Refused.class).hasMessageContaining("cohort single-mode service on ");
            assertThatThrownBy(() -> take(url, Kind.EXCLUSIVE, "single-mode service", Duration.ZERO))
                    .isInstanceOf(InstanceLock.Refused.class).hasMessageContaining("cohort single-mode service on ");
            assertThat(holders(url)).isEqualTo(1);
        }
        // Another database is not this one's business.
        try (InstanceLock here = take(url, Kind.EXCLUSIVE, "single-mode service", Duration.ZERO);
             InstanceLock there = take(newDatabase(), Kind.EXCLUSIVE, "single-mode service", Duration.ZERO)) {
            assertThat(here.check()).isEmpty();
            assertThat(there.check()).isEmpty();
        }
    }

    @Test
    void aProcessWaitingForOneThatStopsGoesOn() throws Exception {
        String url = newDatabase();
        InstanceLock old = take(url, Kind.EXCLUSIVE, "single-mode service", Duration.ZERO);
        CompletableFuture.runAsync(old::close, CompletableFuture.delayedExecutor(1500, TimeUnit.MILLISECONDS));
        long t0 = System.nanoTime();
        try (InstanceLock next = take(url, Kind.EXCLUSIVE, "single-mode service", Duration.ofSeconds(60))) {
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(Duration.ofMillis(1400));
            assertThat(next.check()).isEmpty();
            assertThat(holders(url)).isEqualTo(1);
        }
        // A wait that ends with the holder still there is a refusal, after the wait.
        try (InstanceLock held = take(url, Kind.EXCLUSIVE, "single-mode service", Duration.ZERO)) {
            long t1 = System.nanoTime();
            assertThatThrownBy(() -> take(url, Kind.EXCLUSIVE, "single-mode service", Duration.ofMillis(1200)))
                    .isInstanceOf(InstanceLock.Refused.class).hasMessageContaining("Waited 1200 ms");
            assertThat(Duration.ofNanos(System.nanoTime() - t1)).isGreaterThanOrEqualTo(Duration.ofMillis(1100));
        }
    }

    @Test
    void aLostLockConnectionIsTakenAgainUnlessAnotherProcessTookTheDatabase() throws Exception {
        String url = newDatabase();
        try (InstanceLock lock = take(url, Kind.EXCLUSIVE, "single-mode service", Duration.ZERO)) {
            assertThat(lock.check()).isEmpty();
            terminate(url, "cohort single-mode service%");
            assertThat(holders(url)).isZero();
            assertThat(lock.check()).as("nobody else holds it: taken again").isEmpty();
            assertThat(holders(url)).isEqualTo(1);

            terminate(url, "cohort single-mode service%");
            try (InstanceLock other = take(url, Kind.EXCLUSIVE, "import", Duration.ZERO)) {
                assertThat(lock.check()).get().asString()
                        .contains("another process holds it now (cohort import on ")
                        .contains("stop one of them");
            }
            assertThat(lock.check()).as("free again: taken again").isEmpty();
        }
    }

    private static void terminate(String url, String applicationLike) throws Exception {
        String dbName = url.replaceAll(".*/([a-z0-9]+).*", "$1");
        try (Connection c = pg.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
            s.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + dbName
                    + "' AND application_name LIKE '" + applicationLike + "'");
        }
        // pg_terminate_backend signals; the backend (and its locks) goes a moment later.
        for (int i = 0; i < 100 && holders(url) > 0; i++) Thread.sleep(50);
    }

    @Test
    void aSecondServiceAndAnImportAreRefusedWhileTheFirstKeepsServing() throws Exception {
        String url = newDatabase();
        try (CohortApp first = new CohortApp(tmp.resolve("first"), url, pgConfig())) {
            first.start();
            first.task("clock?set=2026-11-25T00:00:00Z");
            BodeaScenarioIT.load(first, "crm-1", "crm-2");
            long stored = count(url, "SELECT count(*) FROM source_record");
            assertThat(stored).isPositive();

            CohortApp second = new CohortApp(tmp.resolve("second"), url, pgConfig());
            assertThatThrownBy(second::start).satisfies(t -> Assertions.assertThat(rootMessage(t))
                    .startsWith("refusing to start: another Cohort process uses this database (cohort single-mode service on ")
                    .contains("single mode runs one process per database")
                    .contains("strategy Recreate"));
            second.stop();

            CommandsIT.Run imported = CommandsIT.cli("import", pgConfigFile(tmp.resolve("import"), url), "src/test/resources/bodea-canonical");
            assertThat(imported.failure()).as(imported.toString()).isPresent();
            assertThat(imported.out()).contains("import refused: another Cohort process uses this database (cohort single-mode service on ");
            assertThat(count(url, "SELECT count(*) FROM source_record")).as("the refused import stored nothing").isEqualTo(stored);

            // The first one never noticed: it still holds the database and takes data.
            assertThat(first.admin("/healthcheck").body()).contains("\"database-instance\"").contains("holds the database's instance lock");
            BodeaScenarioIT.load(first, "marketo-1", "marketo-2", "mdm");
            assertThat(BodeaScenarioIT.members(first)).containsExactly("p2@townsend.com");
        }
        // Every override was put back: later apps of this JVM start on their own configuration.
        assertThat(System.getProperties().stringPropertyNames()).noneMatch(k -> k.startsWith("dw."));
        // The first one stopped: the next one starts on the same database and serves what it stored.
        try (CohortApp next = new CohortApp(tmp.resolve("second"), url, pgConfig())) {
            next.start();
            next.task("clock?set=2026-11-25T00:00:00Z");
            assertThat(BodeaScenarioIT.members(next)).containsExactly("p2@townsend.com");
        }
    }

    /**
     * New overrides for each app: an override remembers the system property it replaced and puts
     * it back at the app's stop, so one array shared by two apps running at once left
     * "database.driverClass: org.postgresql.Driver" behind for every later test of this JVM.
     */
    private static ConfigOverride[] pgConfig() {
        return new ConfigOverride[] {
            ConfigOverride.config("database.driverClass", "org.postgresql.Driver"),
            ConfigOverride.config("database.user", "postgres"),
            ConfigOverride.config("database.password", "postgres"),
            ConfigOverride.config("cluster.instanceLockWait", "1s")
        };
    }

    private static String rootMessage(Throwable t) {
        while (t.getCause() != null && t.getCause() != t) t = t.getCause();
        return t.getMessage();
    }

    private static long count(String url, String sql) throws Exception {
        try (Connection c = java.sql.DriverManager.getConnection(url, "postgres", "postgres");
             ResultSet r = c.createStatement().executeQuery(sql)) {
            r.next();
            return r.getLong(1);
        }
    }

    /** test-config.yml on this PostgreSQL database, as an operator's config.yml for the import command. */
    private static String pgConfigFile(Path dir, String url) throws Exception {
        Files.createDirectories(dir);
        String yml = Files.readString(Path.of("src/test/resources/test-config.yml"))
                .replace("driverClass: org.h2.Driver", "driverClass: org.postgresql.Driver")
                .replace("url: jdbc:h2:mem:placeholder", "url: \"" + url + "\"")
                .replace("user: sa", "user: postgres")
                .replace("password: \"\"", "password: postgres")
                .replace("rulesDirectory: rules", "rulesDirectory: " + Path.of("rules").toAbsolutePath());
        assertThat(yml).contains("org.postgresql.Driver").contains(url).contains("password: postgres");
        Path f = dir.resolve("config.yml");
        Files.writeString(f, yml);
        return f.toString();
    }
}
