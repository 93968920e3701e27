package io.cohort.cli;

import java.io.PrintStream;
import java.util.function.LongSupplier;

/**
 * Progress of a bulk load on stderr: percent of the bytes of all files, records stored and
 * rejected, records per second and the time left at the current rate. On a terminal one line
 * rewritten in place a few times a second; otherwise (a log file, a pipe) a plain line every
 * five seconds.
 */
final class Progress {
    private static final long TERMINAL_EVERY = 200_000_000L;
    private static final long PLAIN_EVERY = 5_000_000_000L;

    private final PrintStream err;
    private final long totalBytes;
    private final boolean terminal;
    private final LongSupplier nanos;
    private final long started;
    private long lastPrint;
    private long doneBytes;  // bytes of finished files
    private long fileBytes;  // bytes read of the current file
    private long records;
    private long rejected;

    Progress(PrintStream err, long totalBytes) {
        this(err, totalBytes, System.console() != null, System::nanoTime);
    }

    Progress(PrintStream err, long totalBytes, boolean terminal, LongSupplier nanos) {
        this.err = err;
        this.totalBytes = totalBytes;
        this.terminal = terminal;
        this.nanos = nanos;
        this.started = nanos.getAsLong();
        this.lastPrint = started;
    }

    void records(long n) { records += n; show(false); }

    void rejected(long n) { rejected += n; show(false); }

    /** How far into the current file reading got (shown with the next records). */
    void position(long bytesOfFile) { fileBytes = bytesOfFile; }

    void fileDone(long size) { doneBytes += size; fileBytes = 0; show(false); }

    long records() { return records; }

    long elapsedMillis() { return (nanos.getAsLong() - started) / 1_000_000; }

    long perSecond() { return records * 1000 / Math.max(1, elapsedMillis()); }

    void finish() {
        show(true);
        if (terminal) err.println();
    }

    private void show(boolean force) {
        long now = nanos.getAsLong();
        if (!force && now - lastPrint < (terminal ? TERMINAL_EVERY : PLAIN_EVERY)) return;
        lastPrint = now;
        String line = line(now);
        if (terminal) err.print("\r" + line + "\u001b[K"); // erase what a longer previous line left
        else err.println(line);
        err.flush();
    }

    String line(long now) {
        long read = Math.min(totalBytes, doneBytes + fileBytes);
        double fraction = totalBytes == 0 ? 1 : (double) read / totalBytes;
        long elapsedNanos = Math.max(1, now - started);
        String eta = fraction <= 0 || fraction >= 1 ? "-" : duration((long) (elapsedNanos / fraction - elapsedNanos) / 1_000_000_000L);
        return String.format("import: %3d%% of %s, %,d records (%,d/s)%s, ETA %s", (int) Math.floor(fraction * 100),
                size(totalBytes), records, records * 1_000_000_000L / elapsedNanos,
                rejected == 0 ? "" : String.format(", %,d rejected", rejected), eta);
    }

    static String duration(long seconds) {
        if (seconds >= 3600) return String.format("%dh%02dm", seconds / 3600, seconds % 3600 / 60);
        if (seconds >= 60) return String.format("%dm%02ds", seconds / 60, seconds % 60);
        return seconds + "s";
    }

    static String size(long bytes) {
        if (bytes >= 1L << 30) return String.format("%.1f GB", bytes / (double) (1L << 30));
        if (bytes >= 1L << 20) return String.format("%.1f MB", bytes / (double) (1L << 20));
        if (bytes >= 1L << 10) return String.format("%.1f KB", bytes / (double) (1L << 10));
        return bytes + " B";
    }
}
