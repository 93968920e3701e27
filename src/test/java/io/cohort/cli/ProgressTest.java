package io.cohort.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** What an operator sees while importing: percent of the bytes, rate, ETA; rewritten on a terminal, plain lines otherwise. */
class ProgressTest {
    final AtomicLong now = new AtomicLong(1_000_000_000L);
    final ByteArrayOutputStream buf = new ByteArrayOutputStream();
    final PrintStream err = new PrintStream(buf, true, StandardCharsets.UTF_8);

    String printed() { return buf.toString(StandardCharsets.UTF_8); }

    @Test
    void aTerminalGetsOneLineRewrittenInPlaceWithPercentRateAndEta() {
        Progress p = new Progress(err, 4L << 20, true, now::get);
        now.addAndGet(10_000_000_000L); // 10 s in: a quarter of 4 MB, 25,000 records
        p.position(1L << 20);
        p.records(25_000);
        assertThat(printed()).isEqualTo("\rimport:  25% of 4.0 MB, 25,000 records (2,500/s), ETA 30s\u001b[K");
        now.addAndGet(100_000_000L); // 0.1 s later: not yet redrawn
        p.records(10);
        assertThat(printed()).doesNotContain("25,010");
        now.addAndGet(20_000_000_000L);
        p.rejected(3);
        p.fileDone(4L << 20);
        p.finish();
        assertThat(printed()).contains("\rimport: 100% of 4.0 MB, 25,010 records").contains("3 rejected").endsWith("ETA -\u001b[K\n");
    }

    @Test
    void aLogOrPipeGetsAPlainLineEveryFewSeconds() {
        Progress p = new Progress(err, 1000, false, now::get);
        for (int s = 1; s <= 12; s++) {
            now.addAndGet(1_000_000_000L);
            p.position(s * 50L);
            p.records(100);
        }
        // At 5 s and 10 s (every 5 s), no carriage returns or escape codes.
        assertThat(printed().lines()).containsExactly(
                "import:  25% of 1000 B, 500 records (100/s), ETA 15s",
                "import:  50% of 1000 B, 1,000 records (100/s), ETA 10s");
        assertThat(printed()).doesNotContain("\r").doesNotContain("\u001b");
        assertThat(Progress.duration(3725)).isEqualTo("1h02m");
    }
}
