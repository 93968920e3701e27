package io.cohort.store;

import io.dropwizard.db.DataSourceFactory;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which Cohort processes may use one PostgreSQL database at the same time. A single-mode service
 * numbers batches in memory, so a second one on the same database (a rolling deploy that starts
 * the new process before stopping the old one, a copy started by mistake, an {@code import} while
 * the service runs) would hand out the same numbers and lose or repeat audience changes without
 * a word. So single mode and {@code import} hold PostgreSQL's advisory lock exclusively, and
 * cluster nodes (which coordinate through the ingest log) hold it shared: any number of cluster
 * nodes, or exactly one single-mode process, never both.
 *
 * <p>The lock is a session lock on a connection of its own, outside the pool (a pooled connection
 * may be closed by the pool at any time, which would release it silently). The connection
 * names its process ({@code application_name}), so one that waits can say which process holds
 * the database. H2 needs none of this: the embedded file database is locked by H2 itself.
 */
public final class InstanceLock implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(InstanceLock.class);
    /** The advisory lock key: "CohortLK" in ASCII; both halves below 2^31, so they read back the same as oids. */
    static final long KEY = 0x436f686f72744c4bL;
    private static final Duration RETRY = Duration.ofMillis(500);

    /**
     * {@link #acquire}, for a service: a refusal is an IllegalStateException saying "refusing to
     * start", as the service's other start-up checks do.
     */
    public static Optional<InstanceLock> forService(DataSourceFactory database, Kind kind, String role, Duration wait)
            throws SQLException, InterruptedException {
        try {
            return acquire(database, kind, role, wait);
        } catch (Refused e) {
            throw new IllegalStateException("refusing to start: " + e.getMessage());
        }
    }

    /** Exclusive: a single-mode service or an offline writer. Shared: a cluster node. */
    public enum Kind {
        EXCLUSIVE("pg_try_advisory_lock"), SHARED("pg_try_advisory_lock_shared");

        private final String function;

        Kind(String function) { this.function = function; }
    }

    /** Another process holds the database in a way this one cannot share. */
    public static final class Refused extends Exception {
        Refused(String message) { super(message); }
    }

    private final DataSourceFactory database;
    private final Kind kind;
    private final String name;
    private Connection held;

    private InstanceLock(DataSourceFactory database, Kind kind, String name, Connection held) {
        this.database = database;
        this.kind = kind;
        this.name = name;
        this.held = held;
    }

    /** True when {@code url} is a database this lock guards (PostgreSQL). */
    public static boolean guards(String url) { return url != null && url.startsWith("jdbc:postgresql:"); }

    /**
     * Takes the lock, waiting up to {@code wait} for processes that hold it otherwise to stop;
     * empty for databases it does not guard.
     *
     * @param role what this process is, as other processes are told ("single-mode service", "import")
     * @throws Refused when the wait ends with the lock still held otherwise: the message names the holders
     */
    public static Optional<InstanceLock> acquire(DataSourceFactory database, Kind kind, String role, Duration wait)
            throws Refused, SQLException, InterruptedException {
        if (!guards(database.getUrl())) return Optional.empty();
        String name = applicationName(role);
        long deadline = System.nanoTime() + wait.toNanos();
        // One connection for the whole wait: a refused try leaves nothing on the session.
        Connection c = connect(database, name);
        boolean granted = false;
        try {
            boolean told = false;
            while (!(granted = tryLock(c, kind))) {
                List<String> holders = holders(c, kind);
                if (System.nanoTime() >= deadline) {
                    throw new Refused("another Cohort process uses this database (" + String.join("; ", holders) + "), so this "
                            + role + " cannot run beside it: single mode runs one process per database (batches are numbered in "
                            + "memory), an import needs the service stopped, and cluster nodes cannot share it with a "
                            + "single-mode process. Stop the other process first (under Kubernetes, deploy single mode with "
                            + "strategy Recreate, not RollingUpdate), or run every process with cluster.mode: kafka."
                            + (wait.isZero() ? "" : " Waited " + wait.toMillis() + " ms (cluster.instanceLockWait)."));
                }
                if (!told) {
                    LOG.warn("another Cohort process uses this database ({}): waiting up to {} ms for it to stop", String.join("; ", holders),
                            wait.toMillis());
                    told = true;
                }
                Thread.sleep(Math.min(RETRY.toMillis(), Math.max(1, (deadline - System.nanoTime()) / 1_000_000)));
            }
            if (told) LOG.info("the database is free: {} continues", role);
            return Optional.of(new InstanceLock(database, kind, name, c));
        } finally {
            if (!granted) c.close();
        }
    }

    /**
     * Checks that the lock is still held (its connection alive); when the connection was lost (a
     * database restart, a killed backend), takes the lock again on a new one. Empty when held;
     * otherwise what is wrong, for the health check.
     */
    public synchronized Optional<String> check() {
        try {
            if (held != null && held.isValid(5)) return Optional.empty();
        } catch (SQLException e) {
            // fall through: reconnect
        }
        closeQuietly();
        try {
            Connection c = connect(database, name);
            if (tryLock(c, kind)) {
                held = c;
                LOG.warn("the connection holding the database's instance lock was lost; the lock is held again");
                return Optional.empty();
            }
            List<String> holders = holders(c, kind);
            c.close();
            return Optional.of("the connection holding the database's instance lock was lost, and another process holds it now ("
                    + String.join("; ", holders) + "): two processes may be numbering batches on one database; stop one of them");
        } catch (SQLException e) {
            return Optional.of("the connection holding the database's instance lock was lost and the database does not answer: " + e.getMessage());
        }
    }

    @Override public synchronized void close() { closeQuietly(); }

    private void closeQuietly() {
        if (held == null) return;
        try {
            held.close(); // ends the session: PostgreSQL releases its advisory locks
        } catch (SQLException e) {
            LOG.debug("closing the instance lock's connection", e);
        }
        held = null;
    }

    private static Connection connect(DataSourceFactory database, String name) throws SQLException {
        try {
            Class.forName(database.getDriverClass()); // registers the driver, as the pool does
        } catch (ClassNotFoundException e) {
            throw new SQLException("database.driverClass " + database.getDriverClass() + " is not on the class path", e);
        }
        Properties p = new Properties();
        database.getProperties().forEach(p::setProperty);
        if (database.getUser() != null) p.setProperty("user", database.getUser());
        if (database.getPassword() != null) p.setProperty("password", database.getPassword());
        p.setProperty("ApplicationName", name);
        p.setProperty("tcpKeepAlive", "true");
        Connection c = DriverManager.getConnection(database.getUrl(), p);
        c.setAutoCommit(true);
        return c;
    }

    private static boolean tryLock(Connection c, Kind kind) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT " + kind.function + "(?)")) {
            s.setLong(1, KEY);
            try (ResultSet r = s.executeQuery()) {
                r.next();
                return r.getBoolean(1);
            }
        }
    }

    /** The processes holding the lock in a mode {@code kind} cannot share, as PostgreSQL knows them. */
    private static List<String> holders(Connection c, Kind kind) throws SQLException {
        List<String> out = new ArrayList<>();
        try (PreparedStatement s = c.prepareStatement("SELECT a.application_name, a.client_addr::text, a.backend_start, l.mode "
                + "FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid "
                + "WHERE l.locktype = 'advisory' AND l.granted AND l.classid::bigint = ? AND l.objid::bigint = ? AND l.objsubid = 1 "
                + "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
                + "AND l.pid <> pg_backend_pid() ORDER BY a.backend_start")) {
            s.setLong(1, KEY >>> 32);
            s.setLong(2, KEY & 0xFFFFFFFFL);
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    boolean shared = "ShareLock".equals(r.getString(4));
                    if (kind == Kind.SHARED && shared) continue; // not what stands in the way
                    String app = r.getString(1);
                    String from = r.getString(2);
                    out.add((app == null || app.isBlank() ? "a process" : app) + (from == null ? "" : " from " + from)
                            + (r.getTimestamp(3) == null ? "" : ", connected since " + r.getTimestamp(3).toInstant()));
                }
            }
        }
        if (out.isEmpty()) out.add("a process that has just let go, or that this database user may not see");
        return out;
    }

    /** "cohort single-mode service on host-a, pid 4711", within PostgreSQL's 63 bytes. */
    static String applicationName(String role) {
        String host;
        try {
            host = java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.net.UnknownHostException e) {
            host = "unknown host";
        }
        String s = "cohort " + role + " on " + host + ", pid " + ProcessHandle.current().pid();
        // application_name is ASCII-printable only (others become '?'); 63 bytes at most.
        s = s.replaceAll("[^\\x20-\\x7e]", "?");
        return s.length() <= 63 ? s : s.substring(0, 63);
    }
}
