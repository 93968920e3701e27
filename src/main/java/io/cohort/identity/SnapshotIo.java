package io.cohort.identity;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The primitive encodings of a {@link GraphSnapshot}: variable-length integers and strings that
 * refer back to an earlier equal string. Which strings are shared is the writer's choice, made per
 * field: a field whose values rarely repeat (ids, emails) stops being looked up, one that repeats
 * (sources, countries, stages) keeps sharing, and the reader gets one String instance per distinct
 * value of it — a restart also leaves less heap behind than ingestion does.
 */
final class SnapshotIo {
    private SnapshotIo() {}

    private static final int NULL = 0;
    private static final int NEW_SHARED = 1;
    private static final int SHARED = 2;
    private static final int LITERAL = 3;
    /** Longer strings are never shared (text, URLs with query strings). */
    private static final int MAX_SHARED_LENGTH = 64;

    /** A writer's view of one field: whether its values are worth looking up. */
    static final class Slot {
        private final boolean always;
        private long seen;
        private long hits;
        /**
         * The field's recent values and their numbers, by hash: a field that repeats a few values
         * (event types, URLs, countries) finds them here instead of in the section's map of every
         * shared string, which holds every id and is too large to stay in the CPU's caches.
         */
        private final String[] recent;
        private final int[] recentIndex;

        /** The writer whose numbering {@link #recent} gives. */
        private final Out owner;

        Slot(boolean always, Out owner) {
            this.always = always;
            this.owner = owner;
            // Ids repeat too far apart for a small table (their relations come batches later).
            this.recent = always ? null : new String[RECENT];
            this.recentIndex = always ? null : new int[RECENT];
        }

        private static final int RECENT = 256;

        /** Whether this slot is {@code out}'s (a codec caches its slot: it must not reuse another writer's). */
        boolean of(Out out) { return owner == out; }

        /** The number of {@code s} when it is among this field's recent values, else -1. */
        int recent(String s) {
            if (recent == null) return -1;
            int h = s.hashCode();
            int i = (h ^ (h >>> 16)) & (RECENT - 1);
            String r = recent[i];
            return r == s || s.equals(r) ? recentIndex[i] : -1;
        }

        void remember(String s, int index) {
            if (recent == null) return;
            int h = s.hashCode();
            int i = (h ^ (h >>> 16)) & (RECENT - 1);
            recent[i] = s;
            recentIndex[i] = index;
        }

        boolean sharing() { return always || seen < 4_096 || hits * 8 >= seen; }

        /**
         * Record ids and the ids that refer to them ("PersonRecord.id", "AccountPersonRecord.personId",
         * "SourceRef.id") are always shared, though most are written once as a record's own id:
         * the relations written later refer back to it, and the reader makes one string per id
         * where it made one per mention (records read with Values.asGiven keep them as read).
         */
        static boolean isId(String name) { return name.endsWith(".id") || name.endsWith("Id"); }
    }

    static final class Out {
        final DataOutputStream out;
        /** Every shared string's number: open addressing, no entry object or boxed number per string (millions of ids). */
        private final org.eclipse.collections.impl.map.mutable.primitive.ObjectIntHashMap<String> shared;
        private final Map<String, Slot> slots = new HashMap<>();

        Out(DataOutputStream out) { this(out, 16); }

        /** @param expectedShared how many distinct strings are expected to be shared (the map is sized for them) */
        Out(DataOutputStream out, int expectedShared) {
            this.out = out;
            this.shared = new org.eclipse.collections.impl.map.mutable.primitive.ObjectIntHashMap<>(expectedShared);
        }

        Slot slot(String name) { return slots.computeIfAbsent(name, k -> new Slot(Slot.isId(k), this)); }

        void string(String s, Slot slot) throws IOException {
            if (s == null) {
                out.writeByte(NULL);
                return;
            }
            if (s.length() <= MAX_SHARED_LENGTH && slot.sharing()) {
                slot.seen++;
                int r = slot.recent(s);
                if (r >= 0) {
                    slot.hits++;
                    out.writeByte(SHARED);
                    varLong(r);
                    return;
                }
                int next = shared.size();
                // One lookup whether it is new or not: every number given before is below the next.
                int i = shared.getIfAbsentPut(s, next);
                if (i != next) {
                    slot.hits++;
                    slot.remember(s, i);
                    out.writeByte(SHARED);
                    varLong(i);
                    return;
                }
                slot.remember(s, next);
                out.writeByte(NEW_SHARED);
            } else {
                out.writeByte(LITERAL);
            }
            utf(s);
        }

        private void utf(String s) throws IOException {
            byte[] b = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            varLong(b.length);
            out.write(b);
        }

        void varLong(long v) throws IOException {
            while ((v & ~0x7FL) != 0) {
                out.writeByte((int) ((v & 0x7F) | 0x80));
                v >>>= 7;
            }
            out.writeByte((int) v);
        }

        void zigZag(long v) throws IOException { varLong((v << 1) ^ (v >> 63)); }
    }

    /**
     * The writer's byte stream: counts what was written and keeps a CRC-32C of the current section,
     * so that sections can be found and checked by a reader that starts in the middle of the file.
     */
    static final class SectionOutput extends java.io.OutputStream {
        private final java.io.OutputStream out;
        private final java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        /**
         * Its own buffer, unsynchronized, checksummed a buffer at a time: a snapshot is written one
         * byte or variable-length number at a time, and a buffered stream's lock and a checksum per
         * byte were a quarter of a large checkpoint's time.
         */
        private final byte[] buf = new byte[1 << 16];
        private int count;
        /** Where in {@link #buf} the bytes not yet checksummed begin. */
        private int unsummed;
        private long flushed;

        /** @param out unbuffered: this buffers */
        SectionOutput(java.io.OutputStream out) { this.out = out; }

        @Override public void write(int b) throws IOException {
            if (count == buf.length) drain();
            buf[count++] = (byte) b;
        }

        @Override public void write(byte[] b, int off, int len) throws IOException {
            while (len > 0) {
                if (count == buf.length) drain();
                int n = Math.min(len, buf.length - count);
                System.arraycopy(b, off, buf, count, n);
                count += n;
                off += n;
                len -= n;
            }
        }

        private void sum() {
            crc.update(buf, unsummed, count - unsummed);
            unsummed = count;
        }

        private void drain() throws IOException {
            sum();
            out.write(buf, 0, count);
            flushed += count;
            count = 0;
            unsummed = 0;
        }

        /** Bytes written so far: the offset in the file of what is written next. */
        long position() { return flushed + count; }

        /** Starts a section here: returns its offset in the file. */
        long section() {
            sum();
            crc.reset();
            return position();
        }

        long crc() {
            sum();
            return crc.getValue();
        }

        @Override public void flush() throws IOException {
            drain();
            out.flush();
        }

        @Override public void close() throws IOException {
            flush();
            out.close();
        }
    }

    /**
     * A buffered stream over exactly one section of the file, without the lock BufferedInputStream
     * takes on every byte (most of a snapshot's read time went there: it is read one
     * variable-length number at a time). It reads no byte past the section and checksums what it
     * reads, so {@link #finish} tells whether the section was read whole and undamaged.
     */
    static final class FastInput extends java.io.InputStream {
        private final java.io.InputStream raw;
        private final byte[] buf = new byte[1 << 16];
        private final java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        private long remaining;
        private long filled;
        private int pos;
        private int limit;

        /** @param length how many bytes the section has (Long.MAX_VALUE: up to the end of the stream) */
        FastInput(java.io.InputStream raw, long length) {
            this.raw = raw;
            this.remaining = length;
        }

        FastInput(java.io.InputStream raw) { this(raw, Long.MAX_VALUE); }

        @Override public int read() throws IOException {
            if (pos == limit && !fill()) return -1;
            return buf[pos++] & 0xFF;
        }

        int readByte() throws IOException {
            if (pos == limit && !fill()) throw new java.io.EOFException("the snapshot ends early");
            return buf[pos++] & 0xFF;
        }

        /** A big-endian long, as DataOutputStream writes it (event ids: most of the events' bytes). */
        long readLong() throws IOException {
            if (limit - pos < 8) {
                long v = 0;
                for (int i = 0; i < 8; i++) v = (v << 8) | readByte();
                return v;
            }
            long v = 0;
            for (int i = 0; i < 8; i++) v = (v << 8) | (buf[pos++] & 0xFF);
            return v;
        }

        /** {@code n} bytes as UTF-8 text, decoded from the buffer when they are in it (no copy). */
        String utf8(int n) throws IOException {
            if (limit - pos >= n) {
                String s = new String(buf, pos, n, java.nio.charset.StandardCharsets.UTF_8);
                pos += n;
                return s;
            }
            byte[] b = readNBytes(n);
            if (b.length != n) throw new java.io.EOFException("snapshot ends inside a string");
            return new String(b, java.nio.charset.StandardCharsets.UTF_8);
        }

        @Override public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) return 0;
            if (pos == limit && !fill()) return -1;
            int n = Math.min(len, limit - pos);
            System.arraycopy(buf, pos, b, off, n);
            pos += n;
            return n;
        }

        private boolean fill() throws IOException {
            if (remaining <= 0) return false;
            int n = raw.read(buf, 0, (int) Math.min(buf.length, remaining));
            if (n <= 0) return false;
            crc.update(buf, 0, n);
            remaining -= n;
            filled += n;
            pos = 0;
            limit = n;
            return true;
        }

        /** Bytes read from this section so far. */
        long consumed() { return filled - (limit - pos); }

        /**
         * Checks that the section was read to its last byte and nothing more, and that its bytes
         * are those written.
         */
        void finish(String section, long expectedCrc) throws IOException {
            if (pos != limit || remaining != 0) throw new IOException("the snapshot's " + section + " section has bytes left unread");
            if (crc.getValue() != expectedCrc) throw new IOException("the snapshot's " + section + " section is damaged (checksum)");
        }

        @Override public void close() throws IOException { raw.close(); }
    }

    static final class In {
        final DataInputStream in;
        private final FastInput raw;
        private final List<String> shared = new ArrayList<>();

        In(FastInput raw) {
            this.raw = raw;
            this.in = new DataInputStream(raw);
        }

        String string() throws IOException {
            int tag = raw.readByte();
            return switch (tag) {
                case NULL -> null;
                case SHARED -> {
                    long i = varLong();
                    if (i < 0 || i >= shared.size()) throw new IOException("string reference " + i + " out of range");
                    yield shared.get((int) i);
                }
                case NEW_SHARED -> {
                    // The one instance of this value in the graph read (records read with
                    // Values.asGiven keep it). Not interned: putting ~3M new strings in the JVM's
                    // table was most of what interning cost a 1M read.
                    String s = utf();
                    shared.add(s);
                    yield s;
                }
                case LITERAL -> utf();
                default -> throw new IOException("unknown string tag " + tag);
            };
        }

        private String utf() throws IOException {
            long n = varLong();
            if (n < 0 || n > 16 * 1024 * 1024) throw new IOException("string length " + n + " out of range");
            return raw.utf8((int) n);
        }

        long varLong() throws IOException {
            long v = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                int b = raw.readByte();
                v |= (long) (b & 0x7F) << shift;
                if ((b & 0x80) == 0) return v;
            }
            throw new IOException("malformed variable-length number");
        }

        long readLong() throws IOException { return raw.readLong(); }

        long zigZag() throws IOException {
            long v = varLong();
            return (v >>> 1) ^ -(v & 1);
        }

        int count(int max) throws IOException {
            long n = varLong();
            if (n < 0 || n > max) throw new IOException("count " + n + " out of range");
            return (int) n;
        }
    }
}
