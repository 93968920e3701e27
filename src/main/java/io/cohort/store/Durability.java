package io.cohort.store;

import java.util.Locale;

/**
 * Makes "acknowledged" mean "on disk" for the embedded database too. H2 keeps committed
 * transactions in memory for up to WRITE_DELAY (500 ms by default) before writing them to its
 * file, so a process killed in that window lost batches it had already acknowledged (seen by
 * CrashRecoveryIT). WRITE_DELAY=0 writes every commit to the file before the commit returns.
 * That survives a killed process; surviving a power loss needs PostgreSQL, which commits to its
 * log durably by default.
 *
 * <p>Also DB_CLOSE_ON_EXIT=FALSE: H2 otherwise closes the database from its own JVM shutdown hook,
 * at the same time as Dropwizard's orderly stop, and the evaluator's last checkpoint and the
 * dispatchers' last steps failed with "Database is already closed". The connection pool closes it
 * at the end of the stop instead.
 */
public final class Durability {
    private Durability() {}

    /**
     * The JDBC URL with WRITE_DELAY=0 and DB_CLOSE_ON_EXIT=FALSE added for an H2 file database that
     * does not set them.
     */
    public static String durableUrl(String url) {
        if (!isH2File(url)) return url;
        String u = url.toUpperCase(Locale.ROOT);
        String out = url;
        if (!u.contains(";WRITE_DELAY=")) out += ";WRITE_DELAY=0";
        if (!u.contains(";DB_CLOSE_ON_EXIT=")) out += ";DB_CLOSE_ON_EXIT=FALSE";
        return out;
    }

    /** True when the URL keeps H2's write delay: acknowledged batches may be lost on a crash. */
    public static boolean delaysWrites(String url) {
        String u = url.toUpperCase(Locale.ROOT);
        return isH2File(url) && u.contains(";WRITE_DELAY=") && !u.contains(";WRITE_DELAY=0;") && !u.endsWith(";WRITE_DELAY=0");
    }

    private static boolean isH2File(String url) {
        return url.startsWith("jdbc:h2:") && !url.startsWith("jdbc:h2:mem:");
    }
}
