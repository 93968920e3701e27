package io.cohort.ops;

import io.cohort.ingest.pull.ConnectorRunner;
import io.cohort.ingest.pull.Connectors;
import java.io.PrintWriter;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * POST /tasks/source-sync?source=ID: every incremental stream of the source runs now.
 * {@code &backfill=true}: the backfills start over (from the configured startDate, or
 * {@code &from=2025-01-01}), beside the incremental sync. Without {@code source}: every pulled source.
 * In cluster mode only the node that runs a source can wake it; another says which node that is.
 */
public final class SourceSyncTask extends CheckedTask {
    private final Connectors connectors;
    private final Function<String, Optional<String>> notHere;

    public SourceSyncTask(Connectors connectors) {
        this(connectors, id -> Optional.empty());
    }

    /** @param notHere why this node cannot run a source's sync now (cluster mode: another node runs it); empty when it can */
    public SourceSyncTask(Connectors connectors, Function<String, Optional<String>> notHere) {
        super("source-sync");
        this.connectors = connectors;
        this.notHere = notHere;
    }

    @Override public Map<String, TaskParameters.Param> parameters() {
        return Map.of(
                "source", TaskParameters.Param.many("a source id", TaskParameters::isName),
                "backfill", TaskParameters.Param.one("true or false", v -> v.equals("true") || v.equals("false")),
                "from", TaskParameters.Param.one("a date such as 2025-01-01", v -> TaskParameters.parses(v, LocalDate::parse)));
    }

    @Override protected void run(Map<String, List<String>> p, PrintWriter out) {
        List<String> ids = p.getOrDefault("source", List.copyOf(new TreeSet<>(connectors.all().keySet())));
        boolean backfill = p.getOrDefault("backfill", List.of("false")).contains("true");
        Instant from = null;
        if (p.containsKey("from")) {
            // Checked by TaskParameters before the task runs.
            from = LocalDate.parse(p.get("from").get(0)).atStartOfDay(ZoneOffset.UTC).toInstant();
        }
        for (String id : ids) {
            if (connectors.get(id).isEmpty()) {
                throw TaskRefusal.notFound(id + ": not a pulled source; pulled: " + new TreeSet<>(connectors.all().keySet()));
            }
        }
        if (p.containsKey("source")) {
            // Asked for by name: another node's source is a refusal; without names every source is listed either way.
            for (String id : ids) notHere.apply(id).ifPresent(why -> { throw TaskRefusal.conflict(id + ": " + why); });
        }
        for (String id : ids) {
            ConnectorRunner r = connectors.get(id).orElseThrow();
            Optional<String> elsewhere = notHere.apply(id);
            if (elsewhere.isPresent()) {
                out.println(id + ": " + elsewhere.get());
                continue;
            }
            if (backfill) {
                r.rebackfill(from);
                out.println(id + ": backfill started over from " + (from == null ? "the configured startDate" : from));
            } else {
                r.syncNow();
                out.println(id + ": sync started");
            }
        }
    }
}
