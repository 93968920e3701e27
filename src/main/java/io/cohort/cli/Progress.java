package io.cohort.cli;

import java.io.PrintStream;

/**
 * A one-line progress display on stderr: files done, records, records per second. Rewritten in
 * place on a terminal; one line every few seconds when stderr is a file or a pipe.
 */
final class Progress {
    private final PrintStream err;
    private final int files;
    private final boolean terminal = System.console() != null;
    private final long started = System.nanoTime();
    private long lastPrint;
    private int filesDone;
    private long records;
    private long rejected;

    Progress(PrintStream err, int files) {
        this.err = err;
        this.files = files;
    }

    void records(int n) { records += n; show(false); }

    void rejected(int n) { rejected += n; }

    void fileDone() { filesDone++; show(false); }

    long elapsedMillis() { return (System.nanoTime() - started) / 1_000_000; }

    long perSecond() { return records * 1000 / Math.max(1, elapsedMillis()); }

    void finish() {
        show(true);
        if (terminal) err.println();
    }

    private void show(boolean force) {
        long now = System.nanoTime();
        long every = terminal ? 200_000_000L : 5_000_000_000L;
        if (!force && now - lastPrint < every) return;
        lastPrint = now;
        String line = String.format("files %d/%d, %,d records (%,d/s)%s", filesDone, files, records, perSecond(),
                rejected == 0 ? "" : String.format(", %,d rejected", rejected));
        if (terminal) err.print("\r" + line);
        else err.println(line);
        err.flush();
    }
}
