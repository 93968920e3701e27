package io.cohort.model;

import java.util.Arrays;
import java.util.Map;

/**
 * The events of one source person, in columns. Immutable: a change makes a new series (copy on
 * write), which lets facts hold a series without copying it and lets the engine tell a changed
 * {@link Activity} by identity.
 *
 * <p>Why columns: events are ~80% of all records. As one object (and Drools fact) each, an event
 * cost ~700 bytes of heap; here it costs ~28 (a 64-bit hash of its id, epoch millis, and
 * references to shared type, URL and attribute values). The event id itself is kept in the store,
 * not here. Hash collisions of two ids of one source are possible in principle (~10⁻⁵ at 20M
 * events) and would make the later event replace the earlier.
 *
 * <p>Why a tail: a new event goes into a short tail of at most {@link #TAIL_MAX} events, sorted
 * by time apart from the older columns, which the new series shares with the previous one instead
 * of copying them. Copying whole columns for every streamed event made each new series a young
 * object that lives on in the graph: at 1M profiles and 5,000 events/s those copies were ~90% of
 * what young collections copied, and their pauses were the streaming p99. The tail is joined into
 * new columns (one copy) when it is full. So indexes ({@link #idAt}, {@link #at}) run over the
 * columns, then the tail: not in time order as a whole; {@link #forEach} gives time order.
 */
public final class EventSeries {
    /** Events held apart from the columns before they are joined in (a few: each new one copies them). */
    static final int TAIL_MAX = 8;
    private static final Tail NO_TAIL = new Tail(new long[0], new long[0], new String[0], new String[0], emptyAttrs(0));
    public static final EventSeries EMPTY = new EventSeries("", new long[0], new long[0], new String[0],
            new String[0], emptyAttrs(0), NO_TAIL);

    private final String source;
    // The columns: older events, oldest first, shared by the series that only changed the tail since.
    private final long[] ids;
    private final long[] at;
    private final String[] types;
    private final String[] urls;
    private final Map<String, String>[] attrs;
    /** The events added since the columns were made, oldest first; usually {@link #NO_TAIL}. */
    private final Tail tail;

    /** The tail's columns (a small copy per new event). */
    private record Tail(long[] ids, long[] at, String[] types, String[] urls, Map<String, String>[] attrs) {
        int size() { return at.length; }

        /** With the event after every event of the tail that is not later (arrival order among equal times). */
        Tail with(long id, long epochMillis, String type, String url, Map<String, String> attributes) {
            int n = size();
            int pos = n;
            while (pos > 0 && at[pos - 1] > epochMillis) pos--;
            return new Tail(insert(ids, pos, id), insert(at, pos, epochMillis), insert(types, pos, type, new String[n + 1]),
                    insert(urls, pos, url, new String[n + 1]), insert(attrs, pos, attributes, emptyAttrs(n + 1)));
        }

        Tail without(int i) {
            int n = size() - 1;
            return n == 0 ? NO_TAIL : new Tail(remove(ids, i), remove(at, i), remove(types, i, new String[n]),
                    remove(urls, i, new String[n]), remove(attrs, i, emptyAttrs(n)));
        }

        Tail after(long epochMillis) {
            int from = countUpTo(at, epochMillis);
            if (from == 0) return this;
            int n = size();
            return from == n ? NO_TAIL : new Tail(Arrays.copyOfRange(ids, from, n), Arrays.copyOfRange(at, from, n),
                    Arrays.copyOfRange(types, from, n), Arrays.copyOfRange(urls, from, n), Arrays.copyOfRange(attrs, from, n));
        }
    }

    private EventSeries(String source, long[] ids, long[] at, String[] types, String[] urls,
                        Map<String, String>[] attrs, Tail tail) {
        this.source = source;
        this.ids = ids;
        this.at = at;
        this.types = types;
        this.urls = urls;
        this.attrs = attrs;
        this.tail = tail;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, String>[] emptyAttrs(int n) { return (Map<String, String>[]) new Map[n]; }

    public String source() { return source; }

    public int size() { return at.length + tail.size(); }

    /** The id hash of the event at {@code i} (columns, then tail). */
    public long idAt(int i) { return i < ids.length ? ids[i] : tail.ids[i - ids.length]; }

    long at(int i) { return i < at.length ? at[i] : tail.at[i - at.length]; }

    String type(int i) { return i < types.length ? types[i] : tail.types[i - types.length]; }

    String url(int i) { return i < urls.length ? urls[i] : tail.urls[i - urls.length]; }

    Map<String, String> attrs(int i) { return i < attrs.length ? attrs[i] : tail.attrs[i - attrs.length]; }

    /** The time (epoch millis) of the earliest event strictly after {@code millis}, or Long.MAX_VALUE. */
    public long firstAfter(long millis) { return Math.min(firstAfter(at, millis), firstAfter(tail.at, millis)); }

    private static long firstAfter(long[] at, long millis) {
        int i = countUpTo(at, millis);
        return i < at.length ? at[i] : Long.MAX_VALUE;
    }

    /** How many of the sorted {@code at} are at or before {@code millis}. */
    private static int countUpTo(long[] at, long millis) {
        int lo = 0;
        int hi = at.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (at[mid] <= millis) lo = mid + 1;
            else hi = mid;
        }
        return lo;
    }

    /** Events strictly after {@code after} matching every given (non-null) condition (see {@link Activity}). */
    int count(String eventType, String pathPrefix, String attr, String value, long after) {
        return count(at, types, urls, attrs, eventType, pathPrefix, attr, value, after)
                + count(tail.at, tail.types, tail.urls, tail.attrs, eventType, pathPrefix, attr, value, after);
    }

    private static int count(long[] at, String[] types, String[] urls, Map<String, String>[] attrs, String eventType,
                             String pathPrefix, String attr, String value, long after) {
        int n = 0;
        for (int i = at.length - 1; i >= 0 && at[i] > after; i--) {
            if (eventType != null && !types[i].equals(eventType)) continue;
            if (pathPrefix != null && !Event.pathStartsWith(urls[i], pathPrefix)) continue;
            if (attr != null && !java.util.Objects.equals(attrs[i].get(attr), value)) continue;
            n++;
        }
        return n;
    }

    /** The time of the latest event of {@code eventType}, or Long.MIN_VALUE. */
    long last(String eventType) { return Math.max(last(at, types, eventType), last(tail.at, tail.types, eventType)); }

    private static long last(long[] at, String[] types, String eventType) {
        for (int i = at.length - 1; i >= 0; i--) if (types[i].equals(eventType)) return at[i];
        return Long.MIN_VALUE;
    }

    /** Index of the event with id hash {@code id}, or -1. */
    public int indexOf(long id) {
        for (int i = 0; i < ids.length; i++) if (ids[i] == id) return i;
        for (int i = 0; i < tail.ids.length; i++) if (tail.ids[i] == id) return ids.length + i;
        return -1;
    }

    /** This series with the event added (or replaced, when its id hash is already here). */
    public EventSeries with(String source, long id, long epochMillis, String type, String url,
                            Map<String, String> attributes) {
        EventSeries base = indexOf(id) >= 0 ? without(id) : this;
        if (base.tail.size() < TAIL_MAX) {
            return new EventSeries(source, base.ids, base.at, base.types, base.urls, base.attrs,
                    base.tail.with(id, epochMillis, type, url, attributes));
        }
        return base.joined(source, id, epochMillis, type, url, attributes);
    }

    /**
     * Columns and tail merged into new columns with the event in its place: after every event not
     * later than it, and the columns' events before the tail's at equal times (both as they arrived).
     */
    private EventSeries joined(String source, long id, long epochMillis, String type, String url, Map<String, String> attributes) {
        int b = at.length;
        int k = tail.size();
        int n = b + k + 1;
        long[] ids2 = new long[n];
        long[] at2 = new long[n];
        String[] types2 = new String[n];
        String[] urls2 = new String[n];
        Map<String, String>[] attrs2 = emptyAttrs(n);
        boolean placed = false;
        for (int o = 0, i = 0, j = 0; o < n; o++) {
            boolean fromColumns = i < b && (j >= k || at[i] <= tail.at[j]);
            long next = fromColumns ? at[i] : j < k ? tail.at[j] : Long.MAX_VALUE;
            if (!placed && next > epochMillis) {
                ids2[o] = id;
                at2[o] = epochMillis;
                types2[o] = type;
                urls2[o] = url;
                attrs2[o] = attributes;
                placed = true;
            } else if (fromColumns) {
                ids2[o] = ids[i];
                at2[o] = at[i];
                types2[o] = types[i];
                urls2[o] = urls[i];
                attrs2[o] = attrs[i++];
            } else {
                ids2[o] = tail.ids[j];
                at2[o] = tail.at[j];
                types2[o] = tail.types[j];
                urls2[o] = tail.urls[j];
                attrs2[o] = tail.attrs[j++];
            }
        }
        return new EventSeries(source, ids2, at2, types2, urls2, attrs2, NO_TAIL);
    }

    /** This series without the event of id hash {@code id} (this same series when it is not here). */
    public EventSeries without(long id) {
        int i = indexOf(id);
        if (i < 0) return this;
        if (size() == 1) return EMPTY;
        int b = at.length;
        if (i >= b) return new EventSeries(source, ids, at, types, urls, attrs, tail.without(i - b));
        return new EventSeries(source, remove(ids, i), remove(at, i), remove(types, i, new String[b - 1]),
                remove(urls, i, new String[b - 1]), remove(attrs, i, emptyAttrs(b - 1)), tail);
    }

    /** This series without the events at or before {@code epochMillis} (this same series when none is). */
    public EventSeries after(long epochMillis) {
        int from = countUpTo(at, epochMillis);
        Tail kept = tail.after(epochMillis);
        if (from == 0 && kept == tail) return this;
        int b = at.length;
        if (from == b && kept.size() == 0) return EMPTY;
        return new EventSeries(source, Arrays.copyOfRange(ids, from, b), Arrays.copyOfRange(at, from, b),
                Arrays.copyOfRange(types, from, b), Arrays.copyOfRange(urls, from, b), Arrays.copyOfRange(attrs, from, b), kept);
    }

    /** Whether this series holds its older events in the same arrays as {@code other} (tests). */
    boolean sharesColumnsWith(EventSeries other) { return ids == other.ids && at == other.at && types == other.types; }

    /** Receives the events of a series, oldest first (for the graph snapshot). */
    public interface Visitor {
        void event(long id, long epochMillis, String type, String url, Map<String, String> attributes);
    }

    /** The events in time order (columns before tail at equal times: the order they arrived in). */
    public void forEach(Visitor v) {
        int b = at.length;
        int k = tail.size();
        for (int i = 0, j = 0; i < b || j < k; ) {
            if (i < b && (j >= k || at[i] <= tail.at[j])) {
                v.event(ids[i], at[i], types[i], urls[i], attrs[i]);
                i++;
            } else {
                v.event(tail.ids[j], tail.at[j], tail.types[j], tail.urls[j], tail.attrs[j]);
                j++;
            }
        }
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
        return n == 0 ? EMPTY : new EventSeries(source, ids, at, types, urls, attributes, NO_TAIL);
    }

    /** The event at {@code i} as a value, for reading (the API, explanations, rules using events()). */
    Event event(int i, String personId) {
        return new Event(source, personId, type(i), java.time.Instant.ofEpochMilli(at(i)), url(i), attrs(i));
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
