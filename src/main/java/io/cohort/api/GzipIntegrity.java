package io.cohort.api;

import java.nio.ByteBuffer;
import java.util.Locale;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;
import java.util.zip.ZipException;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * Checks the end of every {@code Content-Encoding: gzip} request body, which Jetty's inflation does
 * not: it never compares the CRC-32 of the trailer (RFC 1952 lets a decoder skip it), and a body
 * cut inside the trailer ends as if whole. A body damaged in transit (a flipped byte in an id,
 * "crc-good" arriving as "crc-EVIL") was answered 200 and stored as another record than was sent.
 *
 * <p>Wraps the server's handler, outside Jetty's GzipHandler, and reads along the raw bytes as they
 * are read: each gzip member is inflated once more (into a scratch buffer, counted, never kept) for
 * its CRC-32 and length. When the body ends cut short or a member's CRC-32 or length does not match,
 * the body's last read is a {@link ZipException} instead, which the resource reading it answers
 * with a 400 (request body is not valid gzip), nothing stored. Bytes it cannot read as a gzip
 * member (garbage after the last one) are left to Jetty, which refuses them already.
 */
public final class GzipIntegrity extends Handler.Wrapper {

    public GzipIntegrity(Handler handler) {
        super(handler);
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        String encoding = request.getHeaders().get(HttpHeader.CONTENT_ENCODING);
        if (encoding == null || !encoding.strip().toLowerCase(Locale.ROOT).equals("gzip")) {
            return super.handle(request, response, callback);
        }
        return super.handle(new Checked(request), response, callback);
    }

    /** The request, its raw body read through a {@link Check}. */
    private static final class Checked extends Request.Wrapper {
        private final Check check = new Check();
        private boolean failed;

        Checked(Request request) {
            super(request);
        }

        @Override
        public Content.Chunk read() {
            Content.Chunk chunk = super.read();
            if (chunk == null || failed || Content.Chunk.isFailure(chunk)) return chunk;
            String problem = check.update(chunk.getByteBuffer());
            if (problem == null && chunk.isLast()) problem = check.end();
            if (problem == null) return chunk;
            failed = true;
            check.close();
            chunk.release();
            return Content.Chunk.from(new ZipException(problem), true);
        }
    }

    /**
     * Reads a gzip stream (one member or several, concatenated) as it arrives, in any pieces; says
     * what is wrong with it as soon as that is known, or at its end. Package-private for its test.
     */
    static final class Check {
        private enum State { HEADER, EXTRA_LENGTH, EXTRA, NAME, COMMENT, HEADER_CRC, DATA, TRAILER, BETWEEN, GAVE_UP }

        private static final int FHCRC = 2, FEXTRA = 4, FNAME = 8, FCOMMENT = 16;
        private final Inflater inflater = new Inflater(true);
        private final CRC32 crc = new CRC32();
        private final byte[] scratch = new byte[16 * 1024];
        private final byte[] fixed = new byte[10];
        private State state = State.HEADER;
        private int have;
        private int flags;
        private int extraLeft;
        private long inflated;
        private long seen;
        private int members;

        /** Reads the next bytes (the buffer is left as it was); returns what is wrong, or null. */
        String update(ByteBuffer bytes) {
            if (bytes == null || !bytes.hasRemaining() || state == State.GAVE_UP) return null;
            ByteBuffer b = bytes.slice();
            seen += b.remaining();
            try {
                while (b.hasRemaining() && state != State.GAVE_UP) {
                    String problem = step(b);
                    if (problem != null) return problem;
                }
            } catch (DataFormatException e) {
                state = State.GAVE_UP; // Jetty's own inflation fails on the same bytes, and says so
            }
            return null;
        }

        /** The body ended: null when it ended after a whole member, else what is missing. */
        String end() {
            close();
            if (state == State.GAVE_UP || seen == 0) return null;
            if (state == State.BETWEEN) return null;
            return "the gzip data is truncated (it ends inside its " + (state == State.DATA ? "compressed data"
                    : state == State.TRAILER ? "trailer, before its CRC-32 and length" : "header") + ")";
        }

        private String step(ByteBuffer b) throws DataFormatException {
            switch (state) {
                case BETWEEN -> {
                    // Another member follows (concatenated gzip), or bytes that are none: Jetty's to refuse.
                    inflater.reset();
                    crc.reset();
                    inflated = 0;
                    have = 0;
                    state = State.HEADER;
                }
                case HEADER -> {
                    while (have < fixed.length && b.hasRemaining()) {
                        fixed[have++] = b.get();
                        // Not the start of a gzip member (ID1, ID2, deflate): garbage, Jetty's to refuse.
                        if (have <= 3 && (fixed[have - 1] & 0xFF) != new int[] {0x1F, 0x8B, 8}[have - 1]) {
                            state = State.GAVE_UP;
                            return null;
                        }
                    }
                    if (have < fixed.length) return null;
                    flags = fixed[3] & 0xFF;
                    next(0);
                }
                case EXTRA_LENGTH -> {
                    while (have < 2 && b.hasRemaining()) fixed[have++] = b.get();
                    if (have < 2) return null;
                    extraLeft = (fixed[0] & 0xFF) | (fixed[1] & 0xFF) << 8;
                    have = 0;
                    state = State.EXTRA;
                }
                case EXTRA -> {
                    int n = Math.min(extraLeft, b.remaining());
                    b.position(b.position() + n);
                    extraLeft -= n;
                    if (extraLeft == 0) next(1);
                }
                case NAME, COMMENT -> {
                    while (b.hasRemaining()) {
                        if (b.get() == 0) {
                            next(state == State.NAME ? 2 : 3);
                            break;
                        }
                    }
                }
                case HEADER_CRC -> {
                    while (have < 2 && b.hasRemaining()) {
                        b.get();
                        have++;
                    }
                    if (have < 2) return null;
                    have = 0;
                    state = State.DATA;
                }
                case DATA -> {
                    int before = b.position();
                    inflater.setInput(b); // inflating advances b past what it consumed
                    int n;
                    while (!inflater.finished() && (n = inflater.inflate(scratch)) > 0) {
                        crc.update(scratch, 0, n);
                        inflated += n;
                    }
                    if (inflater.finished()) {
                        state = State.TRAILER;
                        have = 0;
                    } else if (b.position() == before && b.hasRemaining()) {
                        state = State.GAVE_UP; // no progress: not data this reads; Jetty's to judge
                    }
                }
                case TRAILER -> {
                    while (have < 8 && b.hasRemaining()) fixed[have++] = b.get();
                    if (have < 8) return null;
                    long expectedCrc = le32(0);
                    long expectedSize = le32(4);
                    members++;
                    if (expectedCrc != crc.getValue()) {
                        return "the CRC-32 of gzip member " + members + " does not match its data: the body was damaged on its way";
                    }
                    if (expectedSize != (inflated & 0xFFFFFFFFL)) {
                        return "the length in the trailer of gzip member " + members + " does not match its data";
                    }
                    state = State.BETWEEN;
                }
                default -> throw new IllegalStateException(state.name());
            }
            return null;
        }

        /**
         * The first optional header part, from {@code part} on (0 extra field, 1 file name, 2
         * comment, 3 header CRC), that the member has; else its compressed data.
         */
        private void next(int part) {
            have = 0;
            if (part <= 0 && (flags & FEXTRA) != 0) state = State.EXTRA_LENGTH;
            else if (part <= 1 && (flags & FNAME) != 0) state = State.NAME;
            else if (part <= 2 && (flags & FCOMMENT) != 0) state = State.COMMENT;
            else if (part <= 3 && (flags & FHCRC) != 0) state = State.HEADER_CRC;
            else state = State.DATA;
        }

        /** Frees the inflater's native memory; the check reads nothing more. */
        void close() {
            inflater.end();
        }

        private long le32(int at) {
            return (fixed[at] & 0xFFL) | (fixed[at + 1] & 0xFFL) << 8 | (fixed[at + 2] & 0xFFL) << 16 | (fixed[at + 3] & 0xFFL) << 24;
        }
    }
}
