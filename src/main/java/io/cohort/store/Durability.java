package io.cohort.store;

import java.util.Locale;

/**
 * Makes "acknowledged" mean "on disk" for the embedded database too. H2 keeps committed
 * transactions in memory for up to WRITE_DELAY (500 ms by default) before writing them to its
 * file, so a process killed in that window lost batches it had already acknowledged (seen by
 * CrashRecoveryIT). WRITE_DELAY=0 writes every commit to the file before the commit returns.
 * That survives a killed process; surviving a power loss needs PostgreSQL, which commits to its
 * log durably by default.
 */
public final class Durability {
    private Durability() {}

    /** The JDBC URL with WRITE_DELAY=0 added for an H2 file database that does not set it. */
    public static String durableUrl(String url) {
        if (!isH2File(url) || url.toUpperCase(Locale.ROOT).contains(";WRITE_DELAY=")) return url;
        return url + ";WRITE_DELAY=0";
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
