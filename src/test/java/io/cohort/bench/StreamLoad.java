package io.cohort.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cohort.destination.fake.FakeMarketo;
import io.cohort.identity.UnifiedIds;
import java.io.ByteArrayOutputStream;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * A sustained, open-loop mix of events and updates against the live service, with triggers whose
 * membership transition is known in advance. Measured, per batch and per trigger:
 * <ul>
 *   <li>ack: from the moment a batch was due to the client receiving 200 (client queueing included);
 *   <li>ack → evaluated: until {@code Evaluator.evaluatedUpTo()} (read in-process every 0.2 ms)
 *       covers the batch — the rules have fired, the audience store is not yet written;
 *   <li>ack → membership change visible: until the transition appears in the change feed
 *       {@code GET /v1/segments/{id}/changes} (polled over HTTP every 5 ms) — committed and readable.
 * </ul>
 * Background records never change a membership: page views outside /products/new, person and open
 * opportunity updates (open amounts do not count). Triggers: a /products/new page view for a person
 * whose accounts are above the threshold (enters), later deleted again (exits).
 *
 * <p>With a {@link FakeMarketo} (the segment activated to one of its static lists) also: ack → the
 * fake receives the trigger's lead add (enter) or remove (exit), end to end through the outbox, the
 * dispatcher and the Marketo adapter. A trigger's exit is then sent only once its enter reached both
 * the change feed and Marketo, so that the add is not superseded before delivery.
 */
final class StreamLoad {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int TICKS_PER_SECOND = 50;
    private static final double MARKETO_UPDATES = 0.1;

    record Result(int offered, double achieved, long records, long batches, int backlog, Latencies ack,
                  Latencies evaluated, Latencies membership, int triggers, int missed, int unexpected,
                  Latencies marketoAdd, Latencies marketoRemove, Latencies feedToMarketo, int marketoMissed,
                  int marketoUnexpected, int marketoCalls, String marketoCallKinds, Latencies membershipFirst,
                  Latencies membershipLast) {}

    /** The stream's first and last this long apart: the tail right after a start against steady streaming. */
    static final long WINDOW_NANOS = 20_000_000_000L;

    private record Batch(String source, List<ObjectNode> records, List<Trigger> triggers, long dueNanos) {}

    private static final class Trigger {
        final String profileId;
        final boolean enter;
        final DuckDbBaseline.Candidate who;
        final String eventId;
        volatile long ackNanos;
        volatile long seenNanos;
        volatile long marketoNanos;
        boolean deliveryTimed; // guarded by this
        /** When the exit may be scheduled from: the enter was seen everywhere it is awaited. */
        volatile long readyNanos;
        /** Places the enter must still be seen (change feed, Marketo) before the exit is scheduled. */
        final AtomicInteger awaiting;

        Trigger(DuckDbBaseline.Candidate who, String eventId, boolean enter, int awaiting) {
            this.who = who;
            this.eventId = eventId;
            this.enter = enter;
            this.awaiting = new AtomicInteger(awaiting);
            this.profileId = UnifiedIds.personByEmail(UnifiedIds.normalizeEmail(who.email()));
        }

        String key() { return profileId + (enter ? ":entered" : ":exited"); }
    }

    private final BenchApp app;
    private final DataGenerator gen;
    private final String segment;
    private final List<DuckDbBaseline.Candidate> candidates;
    private final Map<String, List<ObjectNode>> updates = new TreeMap<>();
    private final Map<String, List<String>> leads = new TreeMap<>();
    private final FakeMarketo marketo;
    private final long listId;
    /** Before every streamed event id: a second stream on the same store must not reuse the first one's ids. */
    private String idPrefix = "";

    /** @param marketo null, or the fake the segment is activated to (static list {@code listId}) */
    StreamLoad(BenchApp app, DataGenerator gen, int companies, List<DuckDbBaseline.Candidate> candidates, String segment,
               FakeMarketo marketo, long listId) {
        this.app = app;
        this.gen = gen;
        this.segment = segment;
        this.candidates = candidates;
        this.marketo = marketo;
        this.listId = listId;
        SplittableRandom r = new SplittableRandom(7);
        for (int i = 0; i < Math.min(companies, 400); i++) {
            var co = gen.company(r.nextInt(companies));
            co.bySource().forEach((src, recs) -> {
                for (ObjectNode n : recs) {
                    String type = n.get("type").asText();
                    if (type.equals("person")) {
                        updates.computeIfAbsent(src, k -> new ArrayList<>()).add(n);
                        if (src.startsWith("marketo")) leads.computeIfAbsent(src, k -> new ArrayList<>()).add(n.get("id").asText());
                    } else if (type.equals("opportunity") && !n.get("isClosed").asBoolean() && src.startsWith("crm")) {
                        updates.computeIfAbsent(src, k -> new ArrayList<>()).add(n);
                    }
                }
            });
        }
    }

    /**
     * @param updateShare share of records that are updates of people and open opportunities (each
     *                    rebuilds a component); the rest are events. Marketo batches carry 10%
     *                    lead updates, CRM batches only updates.
     */
    /** Streamed event ids start with {@code prefix} (an event sent again under the same id would move to its new person). */
    StreamLoad idPrefix(String prefix) {
        this.idPrefix = prefix;
        return this;
    }

    Result run(int ratePerSecond, int seconds, int clients, double updateShare) throws Exception {
        double crmShare = Math.max(0, Math.min(1, (updateShare - MARKETO_UPDATES) / (1 - MARKETO_UPDATES)));
        int perTick = Math.max(1, ratePerSecond / TICKS_PER_SECOND);
        LinkedBlockingQueue<Batch> queue = new LinkedBlockingQueue<>();
        Latencies ack = new Latencies();
        Latencies evaluated = new Latencies();
        Latencies membership = new Latencies();
        // By the trigger's ack: in the stream's first WINDOW_NANOS, and in its last (the ticker stops at `seconds`).
        Latencies membershipFirst = new Latencies();
        Latencies membershipLast = new Latencies();
        long[] startedAt = {0};
        long lastFrom = seconds * 1_000_000_000L - WINDOW_NANOS;
        Map<String, Trigger> expected = new ConcurrentHashMap<>();
        ConcurrentLinkedQueue<Trigger> exitsDue = new ConcurrentLinkedQueue<>();
        ConcurrentSkipListMap<Long, Long> unevaluated = new ConcurrentSkipListMap<>();
        AtomicLong records = new AtomicLong();
        AtomicLong batches = new AtomicLong();
        AtomicLong lastAck = new AtomicLong();
        AtomicLong unexpected = new AtomicLong();
        AtomicBoolean sending = new AtomicBoolean(true);
        AtomicBoolean watching = new AtomicBoolean(true);
        ArrayDeque<DuckDbBaseline.Candidate> pool = new ArrayDeque<>(candidates);
        int[] triggers = {0};
        var evaluator = app.services().evaluator();
        int awaiting = marketo == null ? 1 : 2;
        Latencies marketoAdd = new Latencies();
        Latencies marketoRemove = new Latencies();
        Latencies feedToMarketo = new Latencies();
        Map<String, Trigger> marketoExpected = new ConcurrentHashMap<>();
        AtomicLong marketoUnexpected = new AtomicLong();
        int callsBefore = marketo == null ? 0 : marketo.requests().size();
        if (marketo != null) {
            marketo.onListChange((list, lead, added, nanos) -> {
                if (list != listId) return;
                String email = marketo.leadEmail(lead);
                Trigger t = email == null ? null : marketoExpected.remove(
                        UnifiedIds.personByEmail(UnifiedIds.normalizeEmail(email)) + (added ? ":entered" : ":exited"));
                if (t == null) {
                    marketoUnexpected.incrementAndGet();
                    return;
                }
                long a = t.ackNanos;
                (added ? marketoAdd : marketoRemove).add(a == 0 ? 0 : Math.max(0, nanos - a) / 1e6);
                t.marketoNanos = nanos;
                delivered(t, feedToMarketo);
                if (t.enter) ready(t, exitsDue);
            });
        }

        long cursor = 0;
        for (List<JsonNode> page; !(page = app.changes(segment, cursor)).isEmpty(); ) {
            cursor = page.get(page.size() - 1).get("seq").asLong();
        }
        long startCursor = cursor;

        Thread evalWatch = new Thread(() -> {
            while (watching.get()) {
                long up = evaluator.evaluatedUpTo();
                var done = unevaluated.headMap(up, true);
                long now = System.nanoTime();
                for (var e : done.entrySet()) evaluated.add(Math.max(0, now - e.getValue()) / 1e6);
                done.clear();
                LockSupport.parkNanos(200_000);
            }
        }, "bench-eval-watch");
        Thread feedWatch = new Thread(() -> {
            long c = startCursor;
            while (watching.get()) {
                try {
                    for (JsonNode ch : app.changes(segment, c)) {
                        c = ch.get("seq").asLong();
                        Trigger t = expected.remove(ch.get("profileId").asText() + ":" + ch.get("change").asText());
                        if (t == null) {
                            unexpected.incrementAndGet();
                            continue;
                        }
                        t.seenNanos = System.nanoTime();
                        long a = t.ackNanos;
                        double ms = a == 0 ? 0 : Math.max(0, t.seenNanos - a) / 1e6;
                        membership.add(ms);
                        long at = (a == 0 ? t.seenNanos : a) - startedAt[0];
                        if (at < WINDOW_NANOS) membershipFirst.add(ms);
                        if (at >= lastFrom) membershipLast.add(ms);
                        delivered(t, feedToMarketo);
                        if (t.enter) ready(t, exitsDue);
                    }
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    return;
                } catch (Exception e) {
                    System.err.println("change feed poll failed: " + e);
                }
            }
        }, "bench-feed-watch");
        evalWatch.start();
        feedWatch.start();

        ExecutorService senders = Executors.newFixedThreadPool(clients);
        for (int i = 0; i < clients; i++) {
            senders.execute(() -> {
                while (true) {
                    Batch b;
                    try {
                        b = queue.poll(100, TimeUnit.MILLISECONDS);
                    } catch (InterruptedException e) {
                        return;
                    }
                    if (b == null) {
                        if (!sending.get() && queue.isEmpty()) return;
                        continue;
                    }
                    try {
                        for (Trigger t : b.triggers()) {
                            expected.put(t.key(), t);
                            if (marketo != null) marketoExpected.put(t.key(), t);
                        }
                        long seq = app.postNdjson(b.source(), ndjson(b.records()));
                        long now = System.nanoTime();
                        for (Trigger t : b.triggers()) t.ackNanos = now; // a change seen earlier counts as 0
                        unevaluated.put(seq, now);
                        ack.add((now - b.dueNanos()) / 1e6);
                        records.addAndGet(b.records().size());
                        batches.incrementAndGet();
                        lastAck.accumulateAndGet(now, Math::max);
                    } catch (Exception e) {
                        System.err.println("stream batch failed: " + e);
                    }
                }
            });
        }

        SplittableRandom r = new SplittableRandom(11);
        long[] n = {0};
        ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor();
        long started = System.nanoTime();
        startedAt[0] = started; // the feed watcher reads it only for a trigger acked after this (the ticker starts below)
        long triggerEveryTicks = TICKS_PER_SECOND / 5; // 5 enters per second
        long[] tick = {0};
        ticker.scheduleAtFixedRate(() -> {
            long due = System.nanoTime();
            List<Trigger> ts = new ArrayList<>();
            List<ObjectNode> recs = new ArrayList<>();
            String source;
            Trigger exit = exitsDue.peek();
            if (exit != null && due - exit.readyNanos > 1_000_000_000L) {
                exitsDue.poll();
                Trigger t = new Trigger(exit.who, exit.eventId, false, 1);
                source = exit.who.leadSource();
                recs.add(JsonNodeFactory.instance.objectNode().put("type", "event").put("id", t.eventId).put("deleted", true));
                ts.add(t);
            } else if (tick[0] % triggerEveryTicks == 0 && !pool.isEmpty()) {
                var who = pool.poll();
                Trigger t = new Trigger(who, idPrefix + "T" + tick[0], true, awaiting);
                source = who.leadSource();
                recs.add(gen.event(r, t.eventId, who.leadId(), true));
                ts.add(t);
                triggers[0]++;
            } else {
                source = pick(r, crmShare);
            }
            triggers[0] += ts.isEmpty() || ts.get(0).enter ? 0 : 1;
            while (recs.size() < perTick) recs.add(background(r, source, n[0]++));
            tick[0]++;
            queue.add(new Batch(source, recs, ts, due));
        }, 0, 1000 / TICKS_PER_SECOND, TimeUnit.MILLISECONDS);
        Thread.sleep(seconds * 1000L);
        ticker.shutdownNow();
        int backlog = queue.size();
        sending.set(false);
        senders.shutdown();
        senders.awaitTermination(10, TimeUnit.MINUTES);
        long deadline = System.nanoTime() + 30_000_000_000L;
        while ((!expected.isEmpty() || !marketoExpected.isEmpty()) && System.nanoTime() < deadline) Thread.sleep(20);
        watching.set(false);
        evalWatch.join();
        feedWatch.interrupt();
        feedWatch.join();
        if (marketo != null) marketo.onListChange(null);
        double secs = (lastAck.get() - started) / 1e9;
        return new Result(perTick * TICKS_PER_SECOND, records.get() / secs, records.get(), batches.get(), backlog, ack,
                evaluated, membership, triggers[0], expected.size(), (int) unexpected.get(), marketoAdd, marketoRemove,
                feedToMarketo, marketoExpected.size(), (int) marketoUnexpected.get(), marketo == null ? 0 : marketo.requests().size() - callsBefore,
                marketo == null ? "" : callKinds(marketo.requests().subList(callsBefore, marketo.requests().size())),
                membershipFirst, membershipLast);
    }

    /** "list add 40, list remove 30, lead lookup 12, …": Marketo calls by endpoint. */
    static String callKinds(List<io.cohort.destination.fake.RecordedRequest> calls) {
        Map<String, Integer> n = new TreeMap<>();
        for (var c : calls) {
            String kind = c.path().startsWith("/identity/") ? "token"
                    : c.path().startsWith("/rest/v1/lists/") ? (c.method().equals("POST") ? "list add" : "list remove")
                    : c.path().equals("/rest/v1/leads.json") ? (c.method().equals("GET") ? "lead lookup" : "lead create")
                    : c.method() + " " + c.path();
            n.merge(kind, 1, Integer::sum);
        }
        return n.toString();
    }

    /**
     * Once both the change feed and Marketo saw the change: the delivery's own share (outbox,
     * dispatcher, adapter), feed → Marketo; 0 when Marketo got it before the 5 ms feed poll did.
     */
    private static void delivered(Trigger t, Latencies feedToMarketo) {
        synchronized (t) {
            if (t.seenNanos == 0 || t.marketoNanos == 0 || t.deliveryTimed) return;
            t.deliveryTimed = true;
        }
        feedToMarketo.add(Math.max(0, t.marketoNanos - t.seenNanos) / 1e6);
    }

    /** The enter was seen in one more place; once in all, the exit may be scheduled. */
    private static void ready(Trigger t, ConcurrentLinkedQueue<Trigger> exitsDue) {
        if (t.awaiting.decrementAndGet() == 0) {
            t.readyNanos = System.nanoTime();
            exitsDue.add(t);
        }
    }

    private String pick(SplittableRandom r, double crmShare) {
        while (true) {
            String s = (r.nextDouble() < crmShare ? "crm-" : "marketo-") + (1 + r.nextInt(2));
            if (updates.containsKey(s)) return s;
        }
    }

    /** Marketo: 90% page views and email events, 10% lead updates. CRM: person and open-deal updates. */
    private ObjectNode background(SplittableRandom r, String source, long n) {
        List<String> l = leads.get(source);
        if (l != null && r.nextDouble() >= MARKETO_UPDATES) return gen.backgroundEvent(r, idPrefix + "S" + n, l.get(r.nextInt(l.size())));
        List<ObjectNode> u = updates.get(source);
        ObjectNode rec = u.get(r.nextInt(u.size())).deepCopy();
        if (rec.get("type").asText().equals("person")) rec.put("title", "Title " + r.nextInt(1000));
        else rec.put("amount", 1000.0 * (10 + r.nextInt(900)));
        return rec;
    }

    private static byte[] ndjson(List<ObjectNode> recs) throws java.io.IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (ObjectNode n : recs) {
            out.write(JSON.writeValueAsBytes(n));
            out.write('\n');
        }
        return out.toByteArray();
    }
}
