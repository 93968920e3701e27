package io.cohort.bench;

import io.cohort.identity.GraphSnapshot;
import io.cohort.identity.ProfileGraph;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;

/**
 * How long a checkpoint holds the graph still: reads a snapshot a bench run left (e.g.
 * data/bench/run-1000000/graph.snapshot) into a graph, then writes it to another file several
 * times in this JVM, printing for each write the time the graph was held (encoding), the time of
 * making the file durable (fsync and rename, after the graph is released) and the CPU used. The
 * output is left for comparing with the input (the same graph and stamp give the same bytes).
 *
 * <pre>java -Xmx10g -cp … io.cohort.bench.SnapshotWriteTime &lt;snapshot file&gt; &lt;output file&gt; [writes] [whole]</pre>
 * {@code whole}: time {@code GraphSnapshot.write} only (held and durable as one), which older
 * versions of the service classes also have, to compare with them.
 */
public final class SnapshotWriteTime {
    private SnapshotWriteTime() {}

    public static void main(String[] args) throws Exception {
        Path in = Path.of(args[0]);
        Path out = Path.of(args[1]);
        int writes = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        boolean whole = args.length > 3 && args[3].equals("whole");
        GraphSnapshot.Stamp stamp = GraphSnapshot.stamp(in).orElseThrow();
        ProfileGraph graph = new ProfileGraph();
        GraphSnapshot.Figures r = GraphSnapshot.read(in, stamp, graph, 0);
        System.out.printf("read %,d records, %,d events, %,d bytes in %,d ms%n", r.records(), r.events(), r.bytes(), r.millis());
        var threads = ManagementFactory.getThreadMXBean();
        for (int i = 0; i < writes; i++) {
            System.gc();
            long cpu0 = HeapProbe.cpuNanos();
            long thread0 = threads.getCurrentThreadCpuTime();
            long t0 = System.nanoTime();
            if (whole) {
                GraphSnapshot.Figures f = GraphSnapshot.write(graph, out, stamp);
                System.out.printf("write %d: %,d ms (this thread's CPU %,d ms); %,d ms CPU (all threads); %,d bytes%n", i + 1,
                        (System.nanoTime() - t0) / 1_000_000, (threads.getCurrentThreadCpuTime() - thread0) / 1_000_000,
                        (HeapProbe.cpuNanos() - cpu0) / 1_000_000, f.bytes());
                continue;
            }
            GraphSnapshot.Encoded encoded = GraphSnapshot.encode(graph, out, stamp);
            long held = System.nanoTime() - t0;
            long threadCpu = threads.getCurrentThreadCpuTime() - thread0;
            GraphSnapshot.Figures f = encoded.commit();
            long all = System.nanoTime() - t0;
            System.out.printf("write %d: graph held %,d ms (this thread's CPU %,d ms), then durable in %,d ms; %,d ms CPU (all threads); %,d bytes%n",
                    i + 1, held / 1_000_000, threadCpu / 1_000_000, (all - held) / 1_000_000, (HeapProbe.cpuNanos() - cpu0) / 1_000_000,
                    f.bytes());
        }
        java.lang.ref.Reference.reachabilityFence(graph);
    }
}
