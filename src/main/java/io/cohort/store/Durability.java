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

    /**
     * Why this JVM must not open {@code url}, or empty. H2 2.4.240's storage engine failed commits
     * with {@code MVStoreException: Position 0} under ZGC, twice on this project's bench machine
     * (Java 17's ZGC on 2026-12-03, Java 25's generational ZGC on 2026-12-04; the symptom of
     * h2database/h2database#4374), and the failed commits left records that every later batch
     * naming them waits on until it times out. Not seen with G1 in any run.
     *
     * @param collectors the names of this JVM's garbage collectors (its GarbageCollectorMXBeans)
     */
    public static java.util.Optional<String> unsafeCollector(String url, java.util.Collection<String> collectors) {
        if (!url.startsWith("jdbc:h2:") || collectors.stream().noneMatch(n -> n.startsWith("ZGC"))) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of("the embedded H2 database (database.url " + url.replaceAll(";.*", "")
                + ") is not safe under ZGC: H2 2.4.240 failed commits with \"MVStoreException: Position 0\" under it"
                + " and left records locked for good (docs/operations.md, \"Use PostgreSQL when the data matters\")."
                + " Start the JVM without -XX:+UseZGC (G1, the default), or use PostgreSQL");
    }

    /**
     * The file an embedded H2 database keeps its data in ({@code <path>.mv.db}), for URLs of the
     * forms {@code jdbc:h2:file:<path>} and {@code jdbc:h2:<path>}; empty for an in-memory or
     * remote database, or another of H2's file-system prefixes (nothing on this host to watch).
     */
    public static java.util.Optional<java.nio.file.Path> h2File(String url) {
        if (!isH2File(url)) return java.util.Optional.empty();
        String rest = url.substring("jdbc:h2:".length());
        int semi = rest.indexOf(';');
        if (semi >= 0) rest = rest.substring(0, semi);
        if (rest.startsWith("file:")) rest = rest.substring("file:".length());
        // tcp:, ssl:, zip:, nio:, split: … name other places or file systems; a Windows drive (C:) is a path.
        if (rest.isEmpty() || rest.indexOf(':') > 1) return java.util.Optional.empty();
        if (rest.startsWith("~")) rest = System.getProperty("user.home") + rest.substring(1);
        return java.util.Optional.of(java.nio.file.Path.of(rest + ".mv.db"));
    }

    private static boolean isH2File(String url) {
        return url.startsWith("jdbc:h2:") && !url.startsWith("jdbc:h2:mem:");
    }
}
