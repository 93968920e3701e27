package io.cohort.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cohort.identity.GraphSnapshot;
import io.cohort.identity.ProfileGraph;
import io.cohort.ingest.IngestLimits;
import io.cohort.ingest.RecordParser;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * How long a restart spends reading the graph snapshot, without a database or a service around it:
 * the part of "restart with unchanged rules → ready" that grows with the data. Builds the graph of
 * a generated data set in memory (the bench's generator, in its batches), writes its snapshot once,
 * then reads it back several times in this JVM, printing wall, CPU and GC time per read.
 *
 * <pre>java -Xmx10g -cp … io.cohort.bench.SnapshotReadTime &lt;profiles&gt; &lt;cross&gt; &lt;snapshot file&gt; [reads] [histo]</pre>
 * An existing file is reused (delete it to rebuild); its stamp is whatever it was written with.
 * {@code histo} prints the live objects (count, bytes) after the last read, top classes first:
 * what the loaded graph keeps, deterministic where times are not.
 */
public final class SnapshotReadTime {
    private SnapshotReadTime() {}

    public static void main(String[] args) throws Exception {
        int profiles = Integer.parseInt(args[0]);
        double cross = Double.parseDouble(args[1]);
        Path file = Path.of(args[2]);
        int reads = args.length > 3 ? Integer.parseInt(args[3]) : 3;
        boolean histo = args.length > 4 && args[4].equals("histo");
        if (!Files.exists(file)) build(profiles, cross, file);
        GraphSnapshot.Stamp stamp = GraphSnapshot.stamp(file).orElseThrow();
        for (int i = 0; i < reads; i++) {
            System.gc();
            long gc0 = gcMillis();
            long cpu0 = HeapProbe.cpuNanos();
            // The records section is read on this thread: the read's critical path, apart from the GC's threads.
            long records0 = ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
            long t0 = System.nanoTime();
            ProfileGraph graph = new ProfileGraph();
            GraphSnapshot.Figures f = GraphSnapshot.read(file, stamp, graph, 0);
            long wall = (System.nanoTime() - t0) / 1_000_000;
            long recordsCpu = (ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime() - records0) / 1_000_000;
            System.out.printf("read %d: %,d ms wall, %,d ms CPU (all threads; %,d ms the records thread), %,d ms GC; %,d records, %,d events, %,d people, %,d bytes%n",
                    i + 1, wall, (HeapProbe.cpuNanos() - cpu0) / 1_000_000, recordsCpu, gcMillis() - gc0, f.records(), f.events(),
                    graph.personIds().size(), f.bytes());
            if (i == reads - 1) {
                System.out.printf("heap after GC with the graph: %,d bytes%n", HeapProbe.usedAfterGc());
                if (histo) {
                    List<String> h = HeapProbe.histogram(Integer.MAX_VALUE - 2);
                    h.subList(0, Math.min(h.size(), 42)).forEach(System.out::println);
                    System.out.println(h.get(h.size() - 1)); // the total
                }
                java.lang.ref.Reference.reachabilityFence(graph);
            }
        }
    }

    private static void build(int profiles, double cross, Path file) throws Exception {
        long t0 = System.nanoTime();
        DataGenerator g = new DataGenerator(42, Bench.NOW, cross);
        RecordParser parser = new RecordParser(new IngestLimits());
        ProfileGraph graph = new ProfileGraph();
        long seq = 0;
        long records = 0;
        for (int c = 0; c < DataGenerator.companiesFor(profiles); c++) {
            for (var e : g.company(c).bySource().entrySet()) {
                List<JsonNode> batch = new ArrayList<>(e.getValue().size());
                for (ObjectNode n : e.getValue()) batch.add(n);
                graph.apply(e.getKey(), parser.parse(batch), ++seq);
                records += batch.size();
            }
        }
        Files.createDirectories(file.toAbsolutePath().getParent());
        var f = GraphSnapshot.write(graph, file, new GraphSnapshot.Stamp("bench", seq, Bench.NOW.toEpochMilli()));
        System.out.printf("built %,d records in %,d ms; snapshot %,d records, %,d events, %,d bytes in %,d ms%n",
                records, (System.nanoTime() - t0) / 1_000_000, f.records(), f.events(), f.bytes(), f.millis());
    }

    static long gcMillis() {
        long n = 0;
        for (GarbageCollectorMXBean b : ManagementFactory.getGarbageCollectorMXBeans()) n += Math.max(0, b.getCollectionTime());
        return n;
    }
}
