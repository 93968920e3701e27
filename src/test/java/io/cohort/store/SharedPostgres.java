package io.cohort.store;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;

/**
 * Test support: one embedded PostgreSQL server per test JVM, for the tests that need databases of
 * their own but not a server of their own. Starting and stopping a server (initdb, then waiting
 * for it to accept and to shut down) took ~6 s here for each class that made one, most of it
 * waiting; a database on a running server takes a tenth of a second. Each test asks for new
 * databases ({@link #newDatabase}), so nothing one test stores is seen by another (nor its
 * advisory locks: they are per database); the server closes as the JVM exits.
 *
 * <p>A test that stops or restarts its server (the outage tests) or configures it keeps a server
 * of its own; the cluster tests share theirs (ClusterFixture).
 */
public final class SharedPostgres {
    private static EmbeddedPostgres server;
    private static int databases;

    private SharedPostgres() {}

    /** The server, started at the first call in this JVM. */
    public static synchronized EmbeddedPostgres server() {
        if (server == null) {
            try {
                EmbeddedPostgres started = EmbeddedPostgres.builder().start();
                Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                    try {
                        started.close();
                    } catch (IOException ignored) {
                        // the JVM is going: nothing left to tell
                    }
                }, "shared-postgres-stop"));
                server = started;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return server;
    }

    /** Creates an empty database named {@code prefix} and a number new in this JVM; returns its name. */
    public static synchronized String newDatabase(String prefix) {
        String name = prefix + "_" + (++databases);
        try (Connection c = server().getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException("CREATE DATABASE " + name + ": " + e.getMessage(), e);
        }
        return name;
    }

    /** Database {@code name} of the server, as user postgres. */
    public static DataSource dataSource(String name) {
        return server().getDatabase("postgres", name);
    }

    /** The JDBC URL of database {@code name} (user and password: postgres). */
    public static String jdbcUrl(String name) {
        return server().getJdbcUrl("postgres", name);
    }
}
