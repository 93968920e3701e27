package io.cohort.model;

import java.util.Arrays;
import java.util.Map;

/**
 * The events of one source person, in columns. Immutable: a change makes a new series, which lets
 * facts hold a series without copying it and lets the engine tell a changed {@link Activity} by
 * identity.
 *
 * <p>Why columns: events are ~80% of all records. As one object (and Drools fact) each, an event
 * cost ~700 bytes of heap; here it costs ~28 (a 64-bit hash of its id, epoch millis, and
 * references to shared type, URL and attribute values). The event id itself is kept in the store,
 * not here. Hash collisions of two ids of one source are possible in principle (~10⁻⁵ at 20M
 * events) and would make the later event replace the earlier.
 *
 * <p>Why runs: the events are held as a few sorted runs, like a log-structured merge tree. The
 * first, oldest and largest, is inline (a series read from a snapshot has only it); later ones sit
 * in {@link #runs}, and the last of them is a tail of at most {@link #TAIL_MAX} events that a new
 * event is inserted into (a small copy). A full tail is merged with the runs before it as long as
 * the one before is at most twice its size, so run sizes shrink geometrically (a binary counter)
 * and an event is copied O(log n) times in its life. Two earlier shapes cost per event in
 * proportion to the person's history: copying all columns for each event (~90% of what young
 * collections copied at 1M profiles and 5,000 events/s, and their pauses were the streaming p99),
 * then one tail joined into all columns every 8 events (~6 KB copied per event for people with
 * ~1,500 events in the window, as busy visitors and bots have). Unchanged runs are shared with the
 * previous series. Indexes ({@link #idAt}, {@link #at}) run over the runs one after the other,
 * which is not time order as a whole; {@link #forEach} gives time order.
 */
public final class EventSeries {
    /** The tail's size limit: every new event copies the tail. */
    static final int TAIL_MAX = 8;
    private static final Run[] NO_RUNS = new Run[0];
    private static final Run EMPTY_RUN = new Run(new long[0], new long[0], new String[0], new String[0], emptyAttrs(0));
    public static final EventSeries EMPTY = new EventSeries("", EMPTY_RUN, NO_RUNS);

    private final String source;
    // The first run, inline (every series has one; usually the only one): the oldest events.
    private final long[] ids;
    private final long[] at;
    private final String[] types;
    private final String[] urls;
    /** Null when every event's attributes are empty (most events have none): an array per person less. */
    private final Map<String, String>[] attrs;
    /** Later runs, in the order they were made; the last one may be the tail. Usually {@link #NO_RUNS}. */
    private final Run[] runs;

    /** One run's columns, sorted by time, arrival order among equal times; {@code attrs} null when all are empty. */
    private record Run(long[] ids, long[] at, String[] types, String[] urls, Map<String, String>[] attrs) {
        int size() { return at.length; }

        Map<String, String> attr(int i) { return attrAt(attrs, i); }

        /** The attributes as an array to change, made from all-empty when there is none. */
        Map<String, String>[] attrsArray() {
            if (attrs != null) return attrs;
            Map<String, String>[] a = emptyAttrs(size());
            Arrays.fill(a, Map.of());
            return a;
        }

        static Run single(long id, long epochMillis, String type, String url, Map<String, String> attributes) {
            Map<String, String>[] a = null;
            if (attributes == null || !attributes.isEmpty()) {
                a = emptyAttrs(1);
                a[0] = attributes;
            }
            return new Run(new long[] {id}, new long[] {epochMillis}, new String[] {type}, new String[] {url}, a);
        }

        /** With the event after every event of the run that is not later (arrival order among equal times). */
        Run with(long id, long epochMillis, String type, String url, Map<String, String> attributes) {
            int n = size();
            int pos = n;
            while (pos > 0 && at[pos - 1] > epochMillis) pos--;
            boolean noneYet = attrs == null && attributes != null && attributes.isEmpty();
            return new Run(insert(ids, pos, id), insert(at, pos, epochMillis), insert(types, pos, type, new String[n + 1]),
                    insert(urls, pos, url, new String[n + 1]), noneYet ? null : insert(attrsArray(), pos, attributes, emptyAttrs(n + 1)));
        }

        Run without(int i) {
            int n = size() - 1;
            return n == 0 ? EMPTY_RUN : new Run(remove(ids, i), remove(at, i), remove(types, i, new String[n]),
                    remove(urls, i, new String[n]), attrs == null ? null : remove(attrs, i, emptyAttrs(n)));
        }

        Run after(long epochMillis) { return slice(countUpTo(at, epochMillis), size()); }

        Run upTo(long epochMillis) { return slice(0, countUpTo(at, epochMillis)); }

        /** The events from index {@code from} to {@code to} (exclusive): this same run when that is all of it. */
        private Run slice(int from, int to) {
            if (from == 0 && to == size()) return this;
            return from >= to ? EMPTY_RUN : new Run(Arrays.copyOfRange(ids, from, to), Arrays.copyOfRange(at, from, to),
                    Arrays.copyOfRange(types, from, to), Arrays.copyOfRange(urls, from, to),
                    attrs == null ? null : Arrays.copyOfRange(attrs, from, to));
        }

        /** Both runs as one, {@code older}'s events first at equal times (they arrived first). */
        static Run merge(Run older, Run newer) {
            int a = older.size();
            int b = newer.size();
            int n = a + b;
            long[] ids = new long[n];
            long[] at = new long[n];
            String[] types = new String[n];
            String[] urls = new String[n];
            Map<String, String>[] attrs = older.attrs == null && newer.attrs == null ? null : emptyAttrs(n);
            for (int o = 0, i = 0, j = 0; o < n; o++) {
                Run from;
                int k;
                if (i < a && (j >= b || older.at[i] <= newer.at[j])) {
                    from = older;
                    k = i++;
                } else {
                    from = newer;
                    k = j++;
                }
                ids[o] = from.ids[k];
                at[o] = from.at[k];
                types[o] = from.types[k];
                urls[o] = from.urls[k];
                if (attrs != null) attrs[o] = from.attr(k);
            }
            return new Run(ids, at, types, urls, attrs);
        }
    }

    private EventSeries(String source, Run first, Run[] runs) {
        if (first.size() == 0 && runs.length > 0) { // the first run emptied: the next one takes its place
            first = runs[0];
            runs = runs.length == 1 ? NO_RUNS : Arrays.copyOfRange(runs, 1, runs.length);
        }
        this.source = source;
        this.ids = first.ids;
        this.at = first.at;
        this.types = first.types;
        this.urls = first.urls;
        this.attrs = first.attrs;
        this.runs = runs;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, String>[] emptyAttrs(int n) { return (Map<String, String>[]) new Map[n]; }

    private static Map<String, String> attrAt(Map<String, String>[] attrs, int i) { return attrs == null ? Map.of() : attrs[i]; }

    private Run first() { return new Run(ids, at, types, urls, attrs); }

    public String source() { return source; }

    public int size() {
        int n = at.length;
        for (Run r : runs) n += r.size();
        return n;
    }

    /** The id hash of the event at {@code i} (the runs one after the other). */
    public long idAt(int i) {
        long p = locate(i);
        int r = (int) (p >>> 32);
        return r == 0 ? ids[(int) p] : runs[r - 1].ids[(int) p];
    }

    long at(int i) {
        long p = locate(i);
        int r = (int) (p >>> 32);
        return r == 0 ? at[(int) p] : runs[r - 1].at[(int) p];
    }

    String type(int i) {
        long p = locate(i);
        int r = (int) (p >>> 32);
        return r == 0 ? types[(int) p] : runs[r - 1].types[(int) p];
    }

    String url(int i) {
        long p = locate(i);
        int r = (int) (p >>> 32);
        return r == 0 ? urls[(int) p] : runs[r - 1].urls[(int) p];
    }

    Map<String, String> attrs(int i) {
        long p = locate(i);
        int r = (int) (p >>> 32);
        return r == 0 ? attrAt(attrs, (int) p) : runs[r - 1].attr((int) p);
    }

    /** Where index {@code i} is: (run number, 0 for the first run) in the high half, the index in it in the low. */
    private long locate(int i) {
        if (i < at.length) return i;
        i -= at.length;
        for (int r = 0; r < runs.length; r++) {
            if (i < runs[r].size()) return ((long) (r + 1) << 32) | i;
            i -= runs[r].size();
        }
        throw new IndexOutOfBoundsException(i);
    }

    /** The time (epoch millis) of the earliest event strictly after {@code millis}, or Long.MAX_VALUE. */
    public long firstAfter(long millis) {
        long best = firstAfter(at, millis);
        for (Run r : runs) best = Math.min(best, firstAfter(r.at, millis));
        return best;
    }

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
        int n = count(at, types, urls, attrs, eventType, pathPrefix, attr, value, after);
        for (Run r : runs) n += count(r.at, r.types, r.urls, r.attrs, eventType, pathPrefix, attr, value, after);
        return n;
    }

    private static int count(long[] at, String[] types, String[] urls, Map<String, String>[] attrs, String eventType,
                             String pathPrefix, String attr, String value, long after) {
        int n = 0;
        for (int i = at.length - 1; i >= 0 && at[i] > after; i--) {
            if (eventType != null && !types[i].equals(eventType)) continue;
            if (pathPrefix != null && !Event.pathStartsWith(urls[i], pathPrefix)) continue;
            if (attr != null && !java.util.Objects.equals(attrAt(attrs, i).get(attr), value)) continue;
            n++;
        }
        return n;
    }

    /** The time of the latest event of {@code eventType}, or Long.MIN_VALUE. */
    long last(String eventType) {
        long best = last(at, types, eventType);
        for (Run r : runs) best = Math.max(best, last(r.at, r.types, eventType));
        return best;
    }

    private static long last(long[] at, String[] types, String eventType) {
        for (int i = at.length - 1; i >= 0; i--) if (types[i].equals(eventType)) return at[i];
        return Long.MIN_VALUE;
    }

    /** Index of the event with id hash {@code id}, or -1. */
    public int indexOf(long id) {
        for (int i = 0; i < ids.length; i++) if (ids[i] == id) return i;
        int offset = ids.length;
        for (Run r : runs) {
            for (int i = 0; i < r.ids.length; i++) if (r.ids[i] == id) return offset + i;
            offset += r.size();
        }
        return -1;
    }

    /** Whether the event of id hash {@code id} is here with exactly these values. */
    public boolean holds(long id, long epochMillis, String type, String url, Map<String, String> attributes) {
        int i = indexOf(id);
        return i >= 0 && at(i) == epochMillis && java.util.Objects.equals(type(i), type)
                && java.util.Objects.equals(url(i), url) && java.util.Objects.equals(attrs(i), attributes);
    }

    /** This series with the event added (or replaced, when its id hash is already here). */
    public EventSeries with(String source, long id, long epochMillis, String type, String url,
                            Map<String, String> attributes) {
        EventSeries base = without(id); // this same series when the id is not here
        Run[] rs = base.runs;
        int k = rs.length;
        if (base.at.length == 0) return new EventSeries(source, Run.single(id, epochMillis, type, url, attributes), NO_RUNS);
        if (k > 0 && rs[k - 1].size() < TAIL_MAX) {
            rs = rs.clone();
            rs[k - 1] = rs[k - 1].with(id, epochMillis, type, url, attributes);
            return new EventSeries(source, base.first(), rs);
        }
        // No tail, or a full one: merge it into the runs before it while they are not much larger; then a new tail.
        Run[] all = new Run[k + 2];
        all[0] = base.first();
        System.arraycopy(rs, 0, all, 1, k);
        int n = k + 1;
        while (n >= 2 && all[n - 2].size() <= 2 * all[n - 1].size()) { // n is 1 when there is no tail
            all[n - 2] = Run.merge(all[n - 2], all[n - 1]);
            n--;
        }
        all[n++] = Run.single(id, epochMillis, type, url, attributes);
        return new EventSeries(source, all[0], Arrays.copyOfRange(all, 1, n));
    }

    /** This series without the event of id hash {@code id} (this same series when it is not here). */
    public EventSeries without(long id) {
        int i = indexOf(id);
        if (i < 0) return this;
        if (size() == 1) return EMPTY;
        long p = locate(i);
        int r = (int) (p >>> 32) - 1;
        if (r < 0) return new EventSeries(source, first().without((int) p), runs);
        Run kept = runs[r].without((int) p);
        Run[] rs;
        if (kept.size() > 0) {
            rs = runs.clone();
            rs[r] = kept;
        } else {
            rs = new Run[runs.length - 1];
            System.arraycopy(runs, 0, rs, 0, r);
            System.arraycopy(runs, r + 1, rs, r, runs.length - r - 1);
        }
        return new EventSeries(source, first(), rs);
    }

    /** This series without the events at or before {@code epochMillis} (this same series when none is). */
    public EventSeries after(long epochMillis) { return keep(r -> r.after(epochMillis)); }

    /**
     * This series without the events after {@code epochMillis} (this same series when none is): what
     * rules see at that time, when a source dated an event ahead of the clock.
     */
    public EventSeries upTo(long epochMillis) { return keep(r -> r.upTo(epochMillis)); }

    /** This series with each run cut by {@code cut} (this same series when no run changed). */
    private EventSeries keep(java.util.function.UnaryOperator<Run> cut) {
        Run first = first();
        Run keptFirst = cut.apply(first);
        boolean changed = keptFirst != first;
        Run[] kept = new Run[runs.length];
        int n = 0;
        for (Run r : runs) {
            Run k = cut.apply(r);
            changed |= k != r;
            if (k.size() > 0) kept[n++] = k;
        }
        if (!changed) return this;
        if (keptFirst.size() == 0 && n == 0) return EMPTY;
        return new EventSeries(source, keptFirst, n == 0 ? NO_RUNS : Arrays.copyOf(kept, n));
    }

    /** Whether this series holds its first run in the same arrays as {@code other} (tests). */
    boolean sharesColumnsWith(EventSeries other) { return ids == other.ids && at == other.at && types == other.types; }

    /** How many runs hold the events (tests). */
    int runCount() { return (at.length > 0 ? 1 : 0) + runs.length; }

    /** Receives the events of a series, oldest first (for the graph snapshot). */
    public interface Visitor {
        void event(long id, long epochMillis, String type, String url, Map<String, String> attributes);
    }

    /** The events in time order (at equal times, in the order they arrived: earlier runs first). */
    public void forEach(Visitor v) {
        if (runs.length == 0) {
            for (int i = 0; i < at.length; i++) v.event(ids[i], at[i], types[i], urls[i], attrAt(attrs, i));
            return;
        }
        Run[] all = new Run[runs.length + 1];
        all[0] = first();
        System.arraycopy(runs, 0, all, 1, runs.length);
        int[] pos = new int[all.length];
        for (int left = size(); left > 0; left--) {
            int best = -1;
            for (int r = 0; r < all.length; r++) {
                if (pos[r] < all[r].size() && (best < 0 || all[r].at[pos[r]] < all[best].at[pos[best]])) best = r;
            }
            Run r = all[best];
            int i = pos[best]++;
            v.event(r.ids[i], r.at[i], r.types[i], r.urls[i], r.attr(i));
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
        boolean allEmpty = true;
        for (Map<String, String> a : attributes) allEmpty &= a != null && a.isEmpty();
        return n == 0 ? EMPTY : new EventSeries(source, new Run(ids, at, types, urls, allEmpty ? null : attributes), NO_RUNS);
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

    /**
     * The key of an event in a series: a 64-bit SipHash-2-4 of its (source, id) under the graph's
     * secret {@code key}. Keyed because ids come from outside: under the unkeyed hash this replaced
     * (FNV-1a, then an invertible mix), a meet-in-the-middle search found in ~10 s an id that
     * collided with a chosen event of another source, and posting it silently removed that event
     * from its person's Activity while the store still held it. Without the key (random per graph,
     * never served) a collision can only be stumbled on.
     */
    public static long idHash(long[] key, String source, String id) {
        return com.google.common.hash.Hashing.sipHash24(key[0], key[1]).newHasher(8 + 2 * (source.length() + id.length()))
                .putInt(source.length()).putUnencodedChars(source).putUnencodedChars(id).hash().asLong();
    }

    @Override public String toString() { return "EventSeries[" + source + ", " + size() + " events]"; }
}
