package io.cohort.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

/** The gzip checks Jetty's inflation skips, read in pieces of any size as a body arrives. */
public class GzipIntegrityTest {
    static final byte[] TEXT = "{\"records\":[{\"type\":\"person\",\"id\":\"crc-good\"}]}".repeat(50).getBytes(StandardCharsets.UTF_8);

    static byte[] gzip(byte[] data) throws Exception {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(b)) {
            out.write(data);
        }
        return b.toByteArray();
    }

    /** A member whose header has every optional part: extra field, file name, comment, header CRC. */
    public static byte[] gzipWithAllHeaderParts(byte[] data) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(new byte[] {0x1F, (byte) 0x8B, 8, 4 | 8 | 16 | 2, 0, 0, 0, 0, 0, (byte) 255});
        b.writeBytes(new byte[] {3, 0, 'a', 'b', 'c'});
        b.writeBytes("name.json\0".getBytes(StandardCharsets.ISO_8859_1));
        b.writeBytes("a comment\0".getBytes(StandardCharsets.ISO_8859_1));
        b.writeBytes(new byte[] {0x12, 0x34});
        Deflater d = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
        d.setInput(data);
        d.finish();
        byte[] buf = new byte[data.length + 1024];
        int n = d.deflate(buf);
        d.end();
        b.write(buf, 0, n);
        CRC32 crc = new CRC32();
        crc.update(data);
        b.writeBytes(le32(crc.getValue()));
        b.writeBytes(le32(data.length));
        return b.toByteArray();
    }

    static byte[] le32(long v) {
        return new byte[] {(byte) v, (byte) (v >> 8), (byte) (v >> 16), (byte) (v >> 24)};
    }

    /** What the check says of {@code body} read in pieces of {@code piece} bytes; null: nothing wrong. */
    static String check(byte[] body, int piece) {
        GzipIntegrity.Check c = new GzipIntegrity.Check();
        for (int at = 0; at < body.length; at += piece) {
            String problem = c.update(ByteBuffer.wrap(body, at, Math.min(piece, body.length - at)));
            if (problem != null) {
                c.close();
                return problem;
            }
        }
        return c.end();
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (byte[] p : parts) b.writeBytes(p);
        return b.toByteArray();
    }

    @Test
    void wholeStreamsPassInPiecesOfAnySize() throws Exception {
        byte[] plain = gzip(TEXT);
        byte[] full = gzipWithAllHeaderParts(TEXT);
        byte[] two = concat(gzip(TEXT), gzip("x".getBytes()));
        byte[] empty = gzip(new byte[0]);
        for (int piece : new int[] {1, 2, 3, 7, 10, 64, 1 << 20}) {
            assertThat(check(plain, piece)).as("piece %d", piece).isNull();
            assertThat(check(full, piece)).as("all header parts, piece %d", piece).isNull();
            assertThat(check(two, piece)).as("two members, piece %d", piece).isNull();
            assertThat(check(empty, piece)).as("empty, piece %d", piece).isNull();
        }
    }

    @Test
    void aDamagedByteOrAWrongLengthIsNamed() throws Exception {
        byte[] stored = storedGzip(TEXT);
        int at = indexOf(stored, "crc-good".getBytes());
        byte[] flipped = stored.clone();
        System.arraycopy("EVIL".getBytes(), 0, flipped, at + 4, 4); // still valid deflate (a stored block), other text
        byte[] wrongCrc = gzip(TEXT);
        wrongCrc[wrongCrc.length - 8] ^= 1;
        byte[] wrongLength = gzip(TEXT);
        wrongLength[wrongLength.length - 1] ^= 1;
        byte[] secondDamaged = concat(gzip(TEXT), wrongCrc);
        for (int piece : new int[] {1, 5, 1 << 20}) {
            assertThat(check(flipped, piece)).contains("CRC-32");
            assertThat(check(wrongCrc, piece)).contains("CRC-32");
            assertThat(check(wrongLength, piece)).contains("length");
            assertThat(check(secondDamaged, piece)).contains("CRC-32", "member 2");
        }
    }

    @Test
    void aStreamCutAnywhereIsTruncated() throws Exception {
        byte[] full = gzipWithAllHeaderParts(TEXT);
        for (int cut = 1; cut < full.length; cut++) {
            assertThat(check(Arrays.copyOf(full, cut), 3)).as("cut at %d of %d", cut, full.length).contains("truncated");
        }
        byte[] two = concat(gzip(TEXT), gzip(TEXT));
        assertThat(check(Arrays.copyOf(two, two.length - 4), 1 << 20)).contains("truncated", "trailer");
    }

    /** What Jetty refuses itself (it is no gzip, or garbage follows) is left to it: no second opinion. */
    @Test
    void bytesThatAreNoGzipAreLeftToJetty() throws Exception {
        assertThat(check("this is not gzip at all".getBytes(), 4)).isNull();
        assertThat(check(concat(gzip(TEXT), "garbage".getBytes()), 4)).isNull();
        assertThat(check(new byte[0], 1)).isNull();
    }

    /** A gzip stream of stored (uncompressed) deflate blocks: its text is in it as it is. */
    public static byte[] storedGzip(byte[] data) throws Exception {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(b) {
            { def.setLevel(Deflater.NO_COMPRESSION); }
        }) {
            out.write(data);
        }
        return b.toByteArray();
    }

    public static int indexOf(byte[] in, byte[] what) {
        outer:
        for (int i = 0; i + what.length <= in.length; i++) {
            for (int j = 0; j < what.length; j++) if (in[i + j] != what[j]) continue outer;
            return i;
        }
        throw new AssertionError("not found");
    }
}
