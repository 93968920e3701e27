package io.cohort.ops;

import io.cohort.ingest.pull.ConnectorRunner;
import io.cohort.ingest.pull.Connectors;
import io.dropwizard.servlets.tasks.Task;
import java.io.PrintWriter;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * POST /tasks/source-sync?source=ID: every incremental stream of the source runs now.
 * {@code &backfill=true}: the backfills start over (from the configured startDate, or
 * {@code &from=2025-01-01}), beside the incremental sync. Without {@code source}: every pulled source.
 */
public final class SourceSyncTask extends Task {
    private final Connectors connectors;

    public SourceSyncTask(Connectors connectors) {
        super("source-sync");
        this.connectors = connectors;
    }

    @Override public void execute(Map<String, List<String>> p, PrintWriter out) {
        List<String> ids = p.getOrDefault("source", List.copyOf(new TreeSet<>(connectors.all().keySet())));
        boolean backfill = p.getOrDefault("backfill", List.of("false")).contains("true");
        Instant from = null;
        if (p.containsKey("from")) {
            try {
                from = LocalDate.parse(p.get("from").get(0)).atStartOfDay(ZoneOffset.UTC).toInstant();
            } catch (DateTimeParseException e) {
                out.println("from: expected a date such as 2025-01-01, got '" + p.get("from").get(0) + "'");
                return;
            }
        }
        for (String id : ids) {
            ConnectorRunner r = connectors.get(id).orElse(null);
            if (r == null) {
                out.println(id + ": not a pulled source; pulled: " + new TreeSet<>(connectors.all().keySet()));
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
