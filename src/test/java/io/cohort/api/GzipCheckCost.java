package io.cohort.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.cohort.ingest.IngestLimits;
import io.cohort.ingest.RecordParser;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * What {@link GzipIntegrity}'s second inflation costs, beside what a gzip batch costs anyway:
 * Jetty's inflation, the JSON reading and the record parsing of the same body. Prints figures,
 * asserts nothing (not a test):
 *
 * <pre>java -cp target/classes:target/test-classes:$(cat cp.txt) io.cohort.api.GzipCheckCost [megabytes=50] [rounds=7]</pre>
 *
 * <p>Measured on the 2-core development machine, 52.4 MB of NDJSON events (171,317) gzipped to
 * 3.0 MB, median of 7: Jetty's inflation 55 ms, the check 56 ms (about 940 MB/s of inflated
 * bytes), JSON reading 3,052 ms, record parsing 3,048 ms. The check doubles the inflation, which
 * is 1% of what the body costs before it is stored; inflating once (Jetty's inflation off, the
 * JDK's GZIPInputStream, which checks the trailer, in its place) would save that 1% and take
 * over Jetty's refusals: GZIPInputStream ignores bytes after the last member that are no gzip
 * header, which Jetty refuses. Kept as it is.
 *
 * <p>JSON reading and record parsing since (branch jsonspeed: one parser over the NDJSON bytes,
 * instants of the common form read by hand), base and new runs alternated, medians of 4 runs on
 * the shared 2 cores (load 10 to 15): 52.4 MB, 5 rounds: reading 1,970 → 1,164 ms (this thread's
 * CPU 864 → 664, the rest mostly GC: the 171,317 trees are all live until parsed), parsing 1,659 →
 * 695 ms (CPU 990 → 188). A batch as sent (3.1 MB, 10,356 records, under ingest.maxRecordsPerBatch),
 * 30 rounds: reading 135 → 76 ms, parsing 110 → 43; 150 rounds (JIT warm): reading 11.5 → 10.5
 * ms, parsing 22.5 → 12. The wall clock swings by half between runs: compare CPU and GC columns.
 */
public final class GzipCheckCost {
    public static void main(String[] args) throws Exception {
        int mb = args.length > 0 ? Integer.parseInt(args[0]) : 50;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 7;
        byte[] ndjson = ndjson(mb * 1024L * 1024);
        byte[] gz = gzip(ndjson);
        System.out.printf("body: %.1f MB NDJSON (%d records), %.1f MB gzip%n", ndjson.length / 1e6, lines(ndjson), gz.length / 1e6);

        JsonBodies bodies = new JsonBodies(IngestLimits.none());
        RecordParser parser = new RecordParser(IngestLimits.none());
        long[] inflate = new long[rounds], check = new long[rounds], json = new long[rounds], parse = new long[rounds];
        // The machine is shared: this thread's CPU time and the collector's, beside the wall clock.
        long[] jsonCpu = new long[rounds], parseCpu = new long[rounds], jsonGc = new long[rounds], parseGc = new long[rounds];
        var threads = java.lang.management.ManagementFactory.getThreadMXBean();
        for (int r = 0; r < rounds; r++) {
            long t = System.nanoTime();
            long n = inflate(gz);
            inflate[r] = System.nanoTime() - t;
            if (n != ndjson.length) throw new IllegalStateException("inflated " + n);

            t = System.nanoTime();
            String problem = check(gz);
            check[r] = System.nanoTime() - t;
            if (problem != null) throw new IllegalStateException(problem);

            long gc = gcMillis(), cpu = threads.getCurrentThreadCpuTime();
            t = System.nanoTime();
            List<JsonNode> records = bodies.records(ndjson, true);
            json[r] = System.nanoTime() - t;
            jsonCpu[r] = threads.getCurrentThreadCpuTime() - cpu;
            jsonGc[r] = (gcMillis() - gc) * 1_000_000;

            gc = gcMillis();
            cpu = threads.getCurrentThreadCpuTime();
            t = System.nanoTime();
            parser.parse(records);
            parse[r] = System.nanoTime() - t;
            parseCpu[r] = threads.getCurrentThreadCpuTime() - cpu;
            parseGc[r] = (gcMillis() - gc) * 1_000_000;
        }
        double in = median(inflate), ch = median(check), js = median(json), pa = median(parse);
        System.out.printf("median of %d rounds, ms: Jetty's inflation %.0f | GzipIntegrity's check %.0f | JSON reading %.0f | record parsing %.0f%n",
                rounds, in, ch, js, pa);
        System.out.printf("median of %d rounds, ms: JSON reading CPU %.0f, GC %.0f | record parsing CPU %.0f, GC %.0f%n",
                rounds, median(jsonCpu), median(jsonGc), median(parseCpu), median(parseGc));
        System.out.printf("the check adds %.0f%% to the inflation, %.1f%% to inflation + JSON + parsing (%.0f MB/s inflated)%n",
                100 * ch / in, 100 * ch / (in + js + pa), ndjson.length / 1e6 / (ch / 1000));
    }

    /** The collectors' time so far (their threads', not counted in this thread's CPU time). */
    static long gcMillis() {
        long ms = 0;
        for (var gc : java.lang.management.ManagementFactory.getGarbageCollectorMXBeans()) ms += Math.max(0, gc.getCollectionTime());
        return ms;
    }

    /** As Jetty reads it: inflated in 64 KiB pieces, nothing kept. */
    static long inflate(byte[] gz) throws Exception {
        byte[] buf = new byte[64 * 1024];
        long total = 0;
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(gz), 64 * 1024)) {
            for (int n; (n = in.read(buf)) > 0; ) total += n;
        }
        return total;
    }

    /** As GzipIntegrity reads along: the raw body in 64 KiB chunks. */
    static String check(byte[] gz) {
        GzipIntegrity.Check c = new GzipIntegrity.Check();
        for (int at = 0; at < gz.length; at += 64 * 1024) {
            String problem = c.update(ByteBuffer.wrap(gz, at, Math.min(64 * 1024, gz.length - at)));
            if (problem != null) return problem;
        }
        return c.end();
    }

    static byte[] ndjson(long size) {
        ByteArrayOutputStream out = new ByteArrayOutputStream((int) size + 1024);
        for (int i = 0; out.size() < size; i++) {
            out.writeBytes(("{\"type\":\"event\",\"id\":\"E-" + i + "\",\"personId\":\"003-P" + (i % 50_000)
                    + "\",\"eventType\":\"web.webpagedetails.pageViews\",\"timestamp\":\"2026-11-" + (10 + i % 15) + "T10:" + (10 + i % 50)
                    + ":00Z\",\"url\":\"https://www.bodea.com/products/p" + (i % 300) + "?utm_source=email&utm_campaign=c" + (i % 40)
                    + "\",\"attributes\":{\"clientIpAddress\":\"203.0.113." + (i % 250) + "\",\"userAgent\":\"Mozilla/5.0 (X11; Linux x86_64)\"}}\n")
                    .getBytes(StandardCharsets.UTF_8));
        }
        return out.toByteArray();
    }

    static byte[] gzip(byte[] data) throws Exception {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(b)) {
            out.write(data);
        }
        return b.toByteArray();
    }

    static long lines(byte[] b) {
        long n = 0;
        for (byte x : b) if (x == '\n') n++;
        return n;
    }

    static double median(long[] nanos) {
        long[] s = nanos.clone();
        Arrays.sort(s);
        return s[s.length / 2] / 1e6;
    }
}
