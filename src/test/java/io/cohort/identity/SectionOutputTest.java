package io.cohort.identity;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.Random;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;

/**
 * The snapshot writer's own buffer: whatever mix of single bytes and arrays is written, across
 * however many buffer drains, the stream gets exactly those bytes, positions count them, and each
 * section's checksum is the CRC-32C of that section's bytes alone. (The graph tests' snapshots are
 * smaller than one buffer; a 1M-profile snapshot crosses ~9,000 drains.)
 */
class SectionOutputTest {
    @Test
    void bytesPositionsAndSectionChecksumsAreExactAcrossDrains() throws Exception {
        Random rnd = new Random(17);
        for (int round = 0; round < 20; round++) {
            ByteArrayOutputStream sink = new ByteArrayOutputStream();
            SnapshotIo.SectionOutput out = new SnapshotIo.SectionOutput(sink);
            ByteArrayOutputStream expected = new ByteArrayOutputStream();
            int sections = 1 + rnd.nextInt(4);
            long start = 0;
            for (int s = 0; s < sections; s++) {
                if (s > 0) assertThat(out.section()).isEqualTo(expected.size());
                start = expected.size();
                int len = rnd.nextInt(3 * (1 << 16));
                while (expected.size() - start < len) {
                    if (rnd.nextInt(3) == 0) {
                        byte[] b = new byte[rnd.nextInt(70_000)];
                        rnd.nextBytes(b);
                        int off = b.length == 0 ? 0 : rnd.nextInt(b.length);
                        out.write(b, off, b.length - off);
                        expected.write(b, off, b.length - off);
                    } else {
                        int b = rnd.nextInt(256);
                        out.write(b);
                        expected.write(b);
                    }
                    assertThat(out.position()).isEqualTo(expected.size());
                }
                byte[] all = expected.toByteArray();
                CRC32C crc = new CRC32C();
                crc.update(all, (int) start, all.length - (int) start);
                assertThat(out.crc()).as("round %d, section %d", round, s).isEqualTo(crc.getValue());
            }
            out.flush();
            assertThat(Arrays.equals(sink.toByteArray(), expected.toByteArray())).as("round %d: the bytes written", round).isTrue();
        }
    }
}
