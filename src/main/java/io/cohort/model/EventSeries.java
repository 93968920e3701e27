package io.cohort.model;

import java.util.Arrays;
import java.util.Map;

/**
 * The events of one source person, in columns, oldest first. Immutable: a change makes a new
 * series (copy on write; a person has tens of events, so the copy is cheap), which lets facts hold
 * a series without copying it and lets the engine tell a changed {@link Activity} by identity.
 *
 * <p>Why columns: events are ~80% of all records. As one object (and Drools fact) each, an event
 * cost ~700 bytes of heap; here it costs ~28 (a 64-bit hash of its id, epoch millis, and
 * references to shared type, URL and attribute values). The event id itself is kept in the store,
 * not here. Hash collisions of two ids of one source are possible in principle (~10⁻⁵ at 20M
 * events) and would make the later event replace the earlier.
 */
public final class EventSeries {
    public static final EventSeries EMPTY = new EventSeries("", new long[0], new long[0], new String[0],
            new String[0], emptyAttrs(0));

    private final String source;
    private final long[] ids;
    private final long[] at;
    private final String[] types;
    private final String[] urls;
    private final Map<String, String>[] attrs;

    private EventSeries(String source, long[] ids, long[] at, String[] types, String[] urls,
                        Map<String, String>[] attrs) {
        this.source = source;
        this.ids = ids;
        this.at = at;
        this.types = types;
        this.urls = urls;
        this.attrs = attrs;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, String>[] emptyAttrs(int n) { return (Map<String, String>[]) new Map[n]; }

    public String source() { return source; }

    public int size() { return at.length; }

    /** The id hash of the event at {@code i}. */
    public long idAt(int i) { return ids[i]; }

    long at(int i) { return at[i]; }

    String type(int i) { return types[i]; }

    String url(int i) { return urls[i]; }

    Map<String, String> attrs(int i) { return attrs[i]; }

    /** The time (epoch millis) of the earliest event strictly after {@code millis}, or Long.MAX_VALUE. */
    public long firstAfter(long millis) {
        int lo = 0;
        int hi = at.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (at[mid] <= millis) lo = mid + 1;
            else hi = mid;
        }
        return lo < at.length ? at[lo] : Long.MAX_VALUE;
    }

    /** Index of the event with id hash {@code id}, or -1. */
    public int indexOf(long id) {
        for (int i = 0; i < ids.length; i++) if (ids[i] == id) return i;
        return -1;
    }

    /** This series with the event added (or replaced, when its id hash is already here). */
    public EventSeries with(String source, long id, long epochMillis, String type, String url,
                            Map<String, String> attributes) {
        EventSeries base = indexOf(id) >= 0 ? without(id) : this;
        int n = base.size();
        int pos = n;
        while (pos > 0 && base.at[pos - 1] > epochMillis) pos--;
        long[] ids2 = insert(base.ids, pos, id);
        long[] at2 = insert(base.at, pos, epochMillis);
        String[] types2 = insert(base.types, pos, type, new String[n + 1]);
        String[] urls2 = insert(base.urls, pos, url, new String[n + 1]);
        Map<String, String>[] attrs2 = insert(base.attrs, pos, attributes, emptyAttrs(n + 1));
        return new EventSeries(source, ids2, at2, types2, urls2, attrs2);
    }

    /** This series without the event of id hash {@code id} (this same series when it is not here). */
    public EventSeries without(long id) {
        int i = indexOf(id);
        if (i < 0) return this;
        if (size() == 1) return EMPTY;
        return new EventSeries(source, remove(ids, i), remove(at, i), remove(types, i, new String[size() - 1]),
                remove(urls, i, new String[size() - 1]), remove(attrs, i, emptyAttrs(size() - 1)));
    }

    /** This series without the events at or before {@code epochMillis} (this same series when none is). */
    public EventSeries after(long epochMillis) {
        int from = 0;
        while (from < at.length && at[from] <= epochMillis) from++;
        if (from == 0) return this;
        if (from == at.length) return EMPTY;
        int n = at.length;
        return new EventSeries(source, Arrays.copyOfRange(ids, from, n), Arrays.copyOfRange(at, from, n),
                Arrays.copyOfRange(types, from, n), Arrays.copyOfRange(urls, from, n),
                Arrays.copyOfRange(attrs, from, n));
    }

    /** Receives the events of a series, oldest first (for the graph snapshot). */
    public interface Visitor {
        void event(long id, long epochMillis, String type, String url, Map<String, String> attributes);
    }

    public void forEach(Visitor v) {
        for (int i = 0; i < at.length; i++) v.event(ids[i], at[i], types[i], urls[i], attrs[i]);
    }

    /**
     * A series from its columns, oldest first, as {@link #forEach} gave them (the graph snapshot;
     * the arrays are taken, not copied). Not reachable from rules: the sandbox allows no static call here.
     */
    public static EventSeries of(String source, long[] ids, long[] at, String[] types, String[] urls,
                                 Map<String, String>[] attributes) {
        int n = ids.length;
        if (at.length != n || types.length != n || urls.length != n || attributes.length != n) {
            throw new IllegalArgumentException("columns of different lengths");
        }
        for (int i = 1; i < n; i++) if (at[i] < at[i - 1]) throw new IllegalArgumentException("events out of order");
        return n == 0 ? EMPTY : new EventSeries(source, ids, at, types, urls, attributes);
    }

    /** The event at {@code i} as a value, for reading (the API, explanations, rules using events()). */
    Event event(int i, String personId) {
        return new Event(source, personId, types[i], java.time.Instant.ofEpochMilli(at[i]), urls[i], attrs[i]);
    }

    private static long[] insert(long[] a, int pos, long v) {
        long[] out = new long[a.length + 1];
        System.arraycopy(a, 0, out, 0, pos);
        out[pos] = v;
        System.arraycopy(a, pos, out, pos + 1, a.length - pos);
        return out;
    }

    private static <T> T[] insert(T[] a, int pos, T v, T[] out) {
        System.arraycopy(a, 0, out, 0, pos);
        out[pos] = v;
        System.arraycopy(a, pos, out, pos + 1, a.length - pos);
        return out;
    }

    private static long[] remove(long[] a, int i) {
        long[] out = new long[a.length - 1];
        System.arraycopy(a, 0, out, 0, i);
        System.arraycopy(a, i + 1, out, i, a.length - i - 1);
        return out;
    }

    private static <T> T[] remove(T[] a, int i, T[] out) {
        System.arraycopy(a, 0, out, 0, i);
        System.arraycopy(a, i + 1, out, i, a.length - i - 1);
        return out;
    }

    /** 64-bit hash of an event's (source, id), the key of the event in a series. */
    public static long idHash(String source, String id) {
        long h = 0xcbf29ce484222325L;
        for (int i = 0; i < source.length(); i++) h = (h ^ source.charAt(i)) * 0x100000001b3L;
        h = (h ^ 0) * 0x100000001b3L;
        for (int i = 0; i < id.length(); i++) h = (h ^ id.charAt(i)) * 0x100000001b3L;
        // fmix64 (MurmurHash3): spreads FNV's weak low bits.
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return h;
    }

    @Override public String toString() { return "EventSeries[" + source + ", " + size() + " events]"; }
}
