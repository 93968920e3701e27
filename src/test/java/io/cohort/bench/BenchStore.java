package io.cohort.bench;

import io.dropwizard.testing.ConfigOverride;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.List;
import java.util.Locale;

/**
 * Where a bench run's service keeps its database: H2 files in the run directory (the default, as
 * the service's embedded default), or PostgreSQL ({@code db=postgres}, or {@code -Dbench.db=postgres}
 * for the by-hand tools), as production runs. PostgreSQL is an embedded server (the tests' zonky
 * binaries) with its data in {@code <data>/pg}, one database per run directory, kept between runs
 * like the H2 files (reuse=true) and dropped when a run starts afresh. It commits durably
 * ({@code synchronous_commit=on}; zonky turns it off by default), as the service's acknowledgments
 * promise. A child JVM (the cold start) is given the server's port ({@code -Dbench.pgPort}); a
 * by-hand tool without one starts the server itself.
 */
final class BenchStore {
    static final String DB = "bench.db";
    static final String PORT = "bench.pgPort";
    private static EmbeddedPostgres server;

    private BenchStore() {}

    static boolean postgres() {
        String db = System.getProperty(DB, "h2");
        if (!List.of("h2", "postgres").contains(db)) throw new IllegalArgumentException("db=" + db + ": h2 or postgres");
        return db.equals("postgres");
    }

    /** "H2 files" or "PostgreSQL <version>, embedded", for the report. */
    static String describe(Path run) {
        if (!postgres()) return "H2 2.x files in " + run.resolve("db");
        try (Connection c = connect(run.getParent(), "postgres")) {
            return "PostgreSQL " + c.getMetaData().getDatabaseProductVersion() + " (embedded, data in " + data(run) + ", "
                    + "synchronous_commit=on), database " + database(run);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The service's database settings for a run directory (its database created when missing). */
    static List<ConfigOverride> overrides(Path run) {
        if (!postgres()) {
            // -Dbench.h2Settings=";CACHE_SIZE=4096": H2 settings to measure (by-hand tools; none by default).
            return List.of(ConfigOverride.config("database.url", "jdbc:h2:file:" + run.resolve("db/cohort").toAbsolutePath()
                    + ";MODE=PostgreSQL" + System.getProperty("bench.h2Settings", "")));
        }
        if (!exists(run)) execute(run, "CREATE DATABASE " + database(run));
        return List.of(ConfigOverride.config("database.url", url(run.getParent(), database(run))),
                ConfigOverride.config("database.driverClass", "org.postgresql.Driver"),
                ConfigOverride.config("database.user", "postgres"),
                ConfigOverride.config("database.password", "postgres"));
    }

    /** Whether the run directory has a store an earlier run left (reuse=true). */
    static boolean exists(Path run) {
        if (!postgres()) return java.nio.file.Files.isDirectory(run.resolve("db"));
        try (Connection c = connect(run.getParent(), "postgres");
             var s = c.prepareStatement("SELECT 1 FROM pg_database WHERE datname = ?")) {
            s.setString(1, database(run));
            return s.executeQuery().next();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Drops the run directory's database (a run that starts afresh); H2's files go with the directory. */
    static void wipe(Path run) {
        if (postgres()) execute(run, "DROP DATABASE IF EXISTS " + database(run));
    }

    /** One statement on the server's maintenance database (CREATE/DROP DATABASE run outside transactions). */
    private static void execute(Path run, String sql) {
        try (Connection c = connect(run.getParent(), "postgres"); var s = c.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** JVM options that point a child JVM at this JVM's server (none for H2). */
    static List<String> childOptions(Path run) {
        if (!postgres()) return List.of();
        return List.of("-D" + DB + "=postgres", "-D" + PORT + "=" + port(run.getParent()));
    }

    /**
     * The run directory of a data set's store: "run-100000" on H2, "run-100000-postgres" on
     * PostgreSQL, so that a fresh run on one does not delete the other's store (a fresh run
     * starts by deleting its directory, which holds H2's files).
     */
    static String runDirectory(int profiles) { return "run-" + profiles + (postgres() ? "-postgres" : ""); }

    /** "run-100000" → "run_100000": a database name of letters, digits and underscores only. */
    static String database(Path run) {
        return run.getFileName().toString().toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]", "_");
    }

    private static Path data(Path run) { return run.getParent().resolve("pg").toAbsolutePath(); }

    private static String url(Path root, String db) { return "jdbc:postgresql://localhost:" + port(root) + "/" + db; }

    private static Connection connect(Path root, String db) throws SQLException {
        return DriverManager.getConnection(url(root, db), "postgres", "postgres");
    }

    /** The server's port: another JVM's (bench.pgPort), else this JVM's, started on first use. */
    private static synchronized int port(Path root) {
        String given = System.getProperty(PORT);
        if (given != null) return Integer.parseInt(given);
        if (server == null) {
            try {
                server = EmbeddedPostgres.builder()
                        .setDataDirectory(root.resolve("pg").toAbsolutePath())
                        .setCleanDataDirectory(false)
                        .setServerConfig("synchronous_commit", "on")
                        .setServerConfig("shared_buffers", "1GB")
                        .setServerConfig("max_wal_size", "4GB")
                        .start();
            } catch (IOException e) {
                throw new IllegalStateException("the embedded PostgreSQL did not start in " + root.resolve("pg"), e);
            }
            EmbeddedPostgres s = server;
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    s.close();
                } catch (IOException e) {
                    // the JVM is going anyway; the server's own shutdown follows its postmaster's
                }
            }, "bench-postgres-stop"));
        }
        return server.getPort();
    }
}
