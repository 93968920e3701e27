package io.cohort.bench;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Cold start in a fresh JVM, as a real restart is: the service starts on the loaded store, and we
 * measure start time, the service's own load+evaluate time (from its log), peak heap, heap after GC
 * and what the live objects are; writes every segment's members ("segment TAB email" lines, and
 * "segment TAB" for each segment, so that empty ones are listed too). Run by {@link Bench} as a child process; prints "RESULT key value"
 * lines. A fresh JVM matters: a service stopped in-process stays reachable (Jersey/HK2 and Jetty keep
 * references), which would count the old instance's heap in the new one.
 */
public final class ColdStart {
    private static final Pattern STARTUP = Pattern.compile("start-up: ready in (\\d+) ms");

    private ColdStart() {}

    public static void main(String[] args) throws Exception {
        Path work = Path.of(args[0]);
        Path log = Path.of(args[1]);
        String now = args[2];
        Path members = Path.of(args[3]);
        long h0 = HeapProbe.usedAfterGc();
        BenchApp app = new BenchApp(work, log);
        long peak;
        long t;
        long cold;
        long cpu = HeapProbe.cpuNanos();
        try (var sampler = new HeapProbe.PeakSampler()) {
            t = System.nanoTime();
            app.startNoWait();
            result("portsNanos", System.nanoTime() - t);
            app.awaitReady();
            cold = System.nanoTime() - t;
            peak = sampler.peak();
        }
        result("coldCpuNanos", HeapProbe.cpuNanos() - cpu);
        result("coldNanos", cold);
        result("peakHeap", peak);
        result("heapBefore", h0);
        Matcher m = null;
        boolean fromSnapshot = false;
        for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
            Matcher x = STARTUP.matcher(line);
            if (x.find()) m = x;
            // The last start's way of loading the graph (the log holds every run's lines).
            if (line.contains("profile graph read from snapshot")) fromSnapshot = true;
            else if (line.contains("start-up: loading ")) fromSnapshot = false;
        }
        result("fromSnapshot", fromSnapshot ? 1 : 0);
        result("evalMillis", m == null ? -1 : Long.parseLong(m.group(1)));
        result("heapLoaded", HeapProbe.usedAfterGc());
        result("evaluations", app.services().evaluator().stats().evaluations());
        for (String l : HeapProbe.histogram(30)) System.out.println("HIST " + l);
        t = System.nanoTime();
        app.task("clock?set=" + now);
        result("tickNanos", System.nanoTime() - t);
        List<String> lines = new ArrayList<>();
        app.allMembers().forEach((segment, emails) -> {
            lines.add(segment + "\t");
            emails.forEach(e -> lines.add(segment + "\t" + e));
        });
        Files.write(members, lines, StandardCharsets.UTF_8);
        app.stop();
        System.out.flush();
        System.exit(0);
    }

    private static void result(String key, long value) { System.out.println("RESULT " + key + " " + value); }
}
