package io.cohort.ingest.pull;

import io.cohort.ingest.pull.SyncStatusView.BackfillView;
import io.cohort.ingest.pull.SyncStatusView.ErrorView;
import io.cohort.ingest.pull.SyncStatusView.StreamView;
import java.time.Instant;

/** What one stream did, for operators. Written by the stream's runner thread, read by the API. */
public final class StreamStatus {
    private final String name;
    private final SyncStream.Kind kind;
    private volatile String state = "idle";
    private volatile Instant lastSuccess;
    private volatile Instant currentTo;
    private volatile long records;
    private volatile long rejected;
    private volatile String lastRejection;
    private volatile ErrorView lastError;
    private volatile java.time.Instant failingSince;
    private volatile Instant nextRunAt;
    private volatile BackfillView backfill;

    public StreamStatus(String name, SyncStream.Kind kind) {
        this.name = name;
        this.kind = kind;
    }

    public String name() { return name; }

    public synchronized void fetched(int n) { records += n; }

    /** Counted now (a dropped file refused whole: moved aside once). */
    public synchronized void rejected(int n, String example) {
        rejected += n;
        lastRejection = example;
    }

    /**
     * An item or record set aside, and why: "Marketo leads item id 1001", "leadScore: a number of …".
     *
     * @param version the item's id and last-modified stamp where the source has them (a Salesforce
     *                row's Id and SystemModstamp, a Marketo lead's id and updatedAt; a Marketo
     *                activity's id alone): it counts once per version, however often it is read
     *                again; null: counted each time its page is stored
     */
    public record SetAside(String what, String why, String version) {
        public SetAside(String what, String why) { this(what, why, null); }

        @Override public String toString() { return what + ": " + why; }
    }

    /** Set aside from the page under way, not yet counted (runner thread only). */
    private final java.util.List<SetAside> pending = new java.util.ArrayList<>();
    /** The item version each record of the page under way was mapped from, where known (runner thread only). */
    private final java.util.Map<Object, java.util.function.Supplier<String>> mappedFrom = new java.util.IdentityHashMap<>();

    /**
     * Set aside from the page under way: counted when the page is stored ({@link #stored}), so
     * once however often the page is fetched and mapped again after a failure.
     */
    public synchronized void setAside(SetAside s) { pending.add(s); }

    /** {@code record}, of the page under way, was mapped from this version of its item. */
    public synchronized void mappedFrom(Object record, java.util.function.Supplier<String> version) { mappedFrom.put(record, version); }

    /** The version of the item {@code record} of the page under way was mapped from; null when unknown. */
    public synchronized String versionOf(Object record) {
        java.util.function.Supplier<String> v = mappedFrom.get(record);
        return v == null ? null : v.get();
    }

    /** A new step: what a failed one set aside without storing its page is forgotten (its page is mapped again). */
    public synchronized void stepStarted() {
        pending.clear();
        mappedFrom.clear();
    }

    /**
     * The page is stored: what was set aside from it, and {@code invalid} besides, counted but for
     * versions counted before ({@code firstTime} false); those counted are returned to be logged.
     */
    public synchronized java.util.List<SetAside> stored(java.util.List<SetAside> invalid,
                                                        java.util.function.Predicate<String> firstTime) {
        java.util.List<SetAside> all = new java.util.ArrayList<>(pending);
        all.addAll(invalid);
        pending.clear();
        mappedFrom.clear();
        all.removeIf(a -> a.version() != null && !firstTime.test(a.version() + " " + a.what())); // each record of the item apart
        if (!all.isEmpty()) {
            rejected += all.size();
            lastRejection = all.get(0).toString();
        }
        return all;
    }

    /** The data is current up to this vendor time (the watermark the stream has reached). */
    public void currentTo(Instant t) { if (t != null) currentTo = t; }

    public void succeeded(Instant at) {
        lastSuccess = at;
        lastError = null;
        failingSince = null;
    }

    public void failed(Instant at, String message) {
        lastError = new ErrorView(at, message);
        if (failingSince == null) failingSince = at;
    }

    /** Since when every attempt failed; null while it works. */
    public Instant failingSince() { return failingSince; }

    public void state(String s) { state = s; }

    public void nextRunAt(Instant t) { nextRunAt = t; }

    public void backfill(BackfillView b) { backfill = b; }

    public long records() { return records; }

    public long rejectedCount() { return rejected; }

    public Instant lastSuccess() { return lastSuccess; }

    public Instant currentToTime() { return currentTo; }

    public ErrorView lastError() { return lastError; }

    public Instant nextRun() { return nextRunAt; }

    public StreamView view() {
        return new StreamView(name, kind.name().toLowerCase(java.util.Locale.ROOT), state, lastSuccess, currentTo,
                records, rejected, lastRejection, lastError, failingSince, nextRunAt, backfill);
    }
}
