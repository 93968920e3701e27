package io.cohort.cluster;

import io.cohort.identity.ProfileGraph;
import io.cohort.identity.Touched;
import io.cohort.ingest.RecordParser;
import io.dropwizard.lifecycle.Managed;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntSupplier;

/**
 * Keeps this process's profile graph in step with the ingest log: applies every batch, in
 * order, and remembers for recent batches whom they affect (the people whose neighbourhood they
 * touched, at the rules' depth), for the {@link WorkRelay}. Every process holds the whole graph:
 * the graph is what neighbourhoods are built from, and they cross partitions.
 */
public final class GraphFeed implements Managed {
    private static final int PAGE = 500;

    private final IngestLog log;
    private final ProfileGraph graph;
    private final RecordParser parser;
    private final IntSupplier depth;
    private final int remember;
    private final AtomicLong applied = new AtomicLong();
    private final Map<Long, Set<String>> affected;
    private final PollingLoop loop;

    /**
     * @param depth    the running rules' depth (how far a change is seen)
     * @param remember how many recent batches' affected people are kept for the relay
     */
    public GraphFeed(IngestLog log, ProfileGraph graph, RecordParser parser, IntSupplier depth, int remember, long pollMillis) {
        this.log = log;
        this.graph = graph;
        this.parser = parser;
        this.depth = depth;
        this.remember = remember;
        this.loop = new PollingLoop("cohort-graph-feed", pollMillis, this::catchUp);
        this.affected = new LinkedHashMap<>() {
            @Override protected boolean removeEldestEntry(Map.Entry<Long, Set<String>> e) { return size() > GraphFeed.this.remember; }
        };
    }

    /** Applies what the log holds now, on the calling thread (at start, before serving). */
    public long catchUp() {
        for (;;) {
            var page = log.after(applied.get(), PAGE);
            if (page.isEmpty()) return applied.get();
            for (IngestLog.Entry e : page) {
                Touched t = graph.apply(e.source(), parser.parse(e.records()), e.seq());
                Set<String> people = graph.affected(t, depth.getAsInt());
                synchronized (affected) {
                    affected.put(e.seq(), people);
                }
                applied.set(e.seq());
            }
        }
    }

    /** The newest batch the graph holds. */
    public long applied() { return applied.get(); }

    /** Whom batch {@code seq} affected, or null when it is not remembered (too old, or not yet applied). */
    public Set<String> affected(long seq) {
        synchronized (affected) {
            return affected.get(seq);
        }
    }

    @Override public void start() { loop.start(); }

    @Override public void stop() throws InterruptedException { loop.stop(); }
}
