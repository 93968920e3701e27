package io.cohort.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import javax.management.ObjectName;

/** Heap figures of this JVM (the service runs in it): after a full GC, peaks, class histograms. */
final class HeapProbe {
    private static final MemoryMXBean MEMORY = ManagementFactory.getMemoryMXBean();

    private HeapProbe() {}

    /** Used heap after full collections, in bytes. */
    static long usedAfterGc() throws InterruptedException {
        long best = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            MEMORY.gc();
            Thread.sleep(150);
            best = Math.min(best, MEMORY.getHeapMemoryUsage().getUsed());
        }
        return best;
    }

    /** Samples used heap (garbage included) every few ms until stopped: the peak while it ran. */
    static final class PeakSampler implements AutoCloseable {
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final AtomicLong peak = new AtomicLong();
        private final Thread thread;

        PeakSampler() {
            thread = new Thread(() -> {
                while (running.get()) {
                    peak.accumulateAndGet(MEMORY.getHeapMemoryUsage().getUsed(), Math::max);
                    try {
                        Thread.sleep(5);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "bench-heap-sampler");
            thread.setDaemon(true);
            thread.start();
        }

        long peak() { return peak.get(); }

        @Override public void close() throws InterruptedException {
            running.set(false);
            thread.join();
        }
    }

    /**
     * The live set's peak while it ran: a full collection every {@code periodMillis}, then the heap
     * in use. {@link AfterGcPeak} also counts old garbage that no collection has reached yet; this
     * does not, but each full collection stops the service (for measuring memory only, not time).
     */
    static final class LivePeak implements AutoCloseable {
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final AtomicLong peak = new AtomicLong();
        private final AtomicLong samples = new AtomicLong();
        private final Thread thread;

        LivePeak(long periodMillis) {
            thread = new Thread(() -> {
                while (running.get()) {
                    try {
                        Thread.sleep(periodMillis);
                    } catch (InterruptedException e) {
                        return;
                    }
                    MEMORY.gc();
                    peak.accumulateAndGet(MEMORY.getHeapMemoryUsage().getUsed(), Math::max);
                    samples.incrementAndGet();
                }
            }, "bench-live-sampler");
            thread.setDaemon(true);
            thread.start();
        }

        long peak() { return peak.get(); }

        long samples() { return samples.get(); }

        @Override public void close() throws InterruptedException {
            running.set(false);
            thread.interrupt();
            thread.join();
        }
    }

    /**
     * The largest heap in use right after any collection while it ran: close to the live set at
     * its peak (an old generation not yet collected counts), where {@link PeakSampler} also counts
     * the young garbage a collector chose to leave for later.
     */
    static final class AfterGcPeak implements AutoCloseable {
        private final AtomicLong peak = new AtomicLong();
        private final List<Runnable> removals = new ArrayList<>();

        AfterGcPeak() {
            java.util.Set<String> heapPools = new java.util.HashSet<>();
            for (var pool : ManagementFactory.getMemoryPoolMXBeans()) {
                if (pool.getType() == java.lang.management.MemoryType.HEAP) heapPools.add(pool.getName());
            }
            for (var gc : ManagementFactory.getGarbageCollectorMXBeans()) {
                var emitter = (javax.management.NotificationEmitter) gc;
                javax.management.NotificationListener l = (n, handback) -> {
                    if (!n.getType().equals(com.sun.management.GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION)) return;
                    var info = com.sun.management.GarbageCollectionNotificationInfo.from(
                            (javax.management.openmbean.CompositeData) n.getUserData());
                    long used = 0;
                    for (var e : info.getGcInfo().getMemoryUsageAfterGc().entrySet()) {
                        if (heapPools.contains(e.getKey())) used += e.getValue().getUsed();
                    }
                    peak.accumulateAndGet(used, Math::max);
                };
                emitter.addNotificationListener(l, null, null);
                removals.add(() -> {
                    try {
                        emitter.removeNotificationListener(l);
                    } catch (javax.management.ListenerNotFoundException gone) {
                        // already removed
                    }
                });
            }
        }

        long peak() { return peak.get(); }

        @Override public void close() { removals.forEach(Runnable::run); }
    }

    /** Live instances of each named class (from a class histogram, so after a full GC). */
    static String counts(String... classes) {
        List<String> h = histogram(100_000);
        StringBuilder out = new StringBuilder();
        for (String c : classes) {
            long n = 0;
            for (String l : h) {
                String[] f = l.trim().split("\\s+");
                if (f.length >= 4 && f[3].equals(c)) n = Long.parseLong(f[1]);
            }
            out.append(out.length() == 0 ? "" : ", ").append(c.substring(c.lastIndexOf('.') + 1)).append('=').append(n);
        }
        return out.toString();
    }

    /** The top {@code n} lines of a class histogram (live objects: it forces a full GC). */
    static List<String> histogram(int n) {
        try {
            String h = (String) ManagementFactory.getPlatformMBeanServer().invoke(
                    new ObjectName("com.sun.management:type=DiagnosticCommand"), "gcClassHistogram",
                    new Object[] {new String[0]}, new String[] {String[].class.getName()});
            List<String> lines = new ArrayList<>(Arrays.asList(h.split("\n")));
            return lines.subList(0, Math.min(lines.size(), n + 2));
        } catch (Exception e) {
            return List.of("(class histogram unavailable: " + e + ")");
        }
    }

    /** CPU time this process has used (all threads), in ns: less sensitive to a shared machine than wall time. */
    static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    /** Current 1-minute load average of the machine (other engineers share it). */
    static String load() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim().split(" ")[0];
        } catch (Exception e) {
            return "?";
        }
    }
}
