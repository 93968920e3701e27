package io.cohort.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cohort.store.RecordStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * By hand, on a store a bench run left: makes the state a crash leaves some batches after a clean
 * stop, for measuring a restart from the snapshot plus what changed since (docs/benchmarks.md,
 * round 39). Starts the service (it reads the clean stop's snapshot), copies that snapshot to
 * {@code graph.snapshot.clean}, sends {@code batches} batches of 20 changes of stored people (new
 * titles, emails moved to another person's (merges and splits), deletes, deleted people sent
 * again), then halts the JVM without a stop, as SIGKILL does. Args: the run directory, a log
 * file, the number of batches, a seed. Then: copy graph.snapshot.clean back to graph.snapshot (the
 * crash left the clean stop's file in place anyway) and time a start with RestartTime.
 */
public final class CrashAfterBatches {
    private static final ObjectMapper JSON = new ObjectMapper();

    private CrashAfterBatches() {}

    public static void main(String[] a) throws Exception {
        Path dir = Path.of(a[0]);
        int batches = Integer.parseInt(a[2]);
        Random rnd = new Random(Long.parseLong(a[3]));
        BenchApp app = new BenchApp(dir, Path.of(a[1]));
        app.start();
        Files.copy(app.snapshot(), dir.resolve("graph.snapshot.clean"), StandardCopyOption.REPLACE_EXISTING);
        RecordStore store = app.services().store();
        List<String> sources = new ArrayList<>();
        List<List<String>> keys = new ArrayList<>();
        for (String s : app.services().pipeline().sources().keySet()) {
            List<String> k = store.keys(s, "person", "");
            if (!k.isEmpty()) {
                sources.add(s);
                keys.add(k);
            }
        }
        List<ObjectNode> deleted = new ArrayList<>();
        List<String> deletedFrom = new ArrayList<>();
        long t = System.nanoTime();
        int deletes = 0;
        for (int b = 0; b < batches; b++) {
            int si = rnd.nextInt(sources.size());
            List<String> k = keys.get(si);
            StringBuilder body = new StringBuilder();
            for (int i = 0; i < 20; i++) {
                String key = k.get(rnd.nextInt(k.size()));
                var stored = store.find(sources.get(si), "person", key);
                if (stored.isEmpty()) continue;
                ObjectNode p = JSON.valueToTree(stored.get().record());
                List<String> nulls = new ArrayList<>();
                p.fieldNames().forEachRemaining(f -> { if (p.get(f).isNull()) nulls.add(f); });
                p.remove(nulls);
                p.put("type", "person");
                int roll = rnd.nextInt(10);
                if (roll < 7) {
                    p.put("title", "Title " + rnd.nextInt(1000));
                } else if (roll == 7) {
                    String other = k.get(rnd.nextInt(k.size()));
                    store.find(sources.get(si), "person", other).ifPresent(o -> {
                        var email = JSON.valueToTree(o.record()).get("email");
                        if (email != null) p.set("email", email);
                    });
                } else if (roll == 8) {
                    deleted.add(p.deepCopy());
                    deletedFrom.add(sources.get(si));
                    p.removeAll();
                    p.put("type", "person").put("id", key).put("deleted", true);
                    deletes++;
                } else if (!deleted.isEmpty() && deletedFrom.get(deletedFrom.size() - 1).equals(sources.get(si))) {
                    p.removeAll();
                    p.setAll(deleted.remove(deleted.size() - 1));
                    deletedFrom.remove(deletedFrom.size() - 1);
                }
                p.remove("attributes");
                body.append(JSON.writeValueAsString(p)).append('\n');
            }
            app.postNdjson(sources.get(si), body.toString().getBytes(StandardCharsets.UTF_8));
        }
        System.out.printf("%,d batches (%,d deletes) sent in %,d ms; last batch %,d; halting without a stop%n", batches, deletes,
                (System.nanoTime() - t) / 1_000_000, store.lastBatchSeq());
        System.out.flush();
        Runtime.getRuntime().halt(0);
    }
}
