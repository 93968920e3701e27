package io.cohort.ingest.pull.marketo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cohort.ingest.NativeJson;
import io.cohort.ingest.pull.CursorStream;
import io.cohort.ingest.pull.PullException;
import io.cohort.record.RecordType;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Get Deleted Leads ({@code /rest/v1/activities/deletedleads.json}) from the origin: each becomes
 * the delete of the person with that lead id (merged-away leads are deleted leads too).
 */
final class DeletedLeadsStream extends CursorStream {
    private final MarketoConnector c;

    DeletedLeadsStream(MarketoConnector c) {
        super(c.sourceId, "deletedLeads", Kind.INCREMENTAL, c.ctx.cursors());
        this.c = c;
    }

    @Override
    protected Step stepLocked(ObjectNode cursor) throws PullException, InterruptedException {
        String token = cursor.hasNonNull("token") ? cursor.get("token").asText() : c.pagingToken(c.origin());
        JsonNode page = c.api.get("/rest/v1/activities/deletedleads.json?batchSize=300&nextPageToken=" + MarketoApi.enc(token));
        List<ObjectNode> deletes = new ArrayList<>();
        Instant latest = null;
        for (JsonNode d : MarketoConnector.results(page)) {
            String lead = d.path("leadId").asText(null);
            if (lead != null) deletes.add(NativeJson.delete(RecordType.PERSON, lead));
            Instant at = ActivityStream.date(d.path("activityDate").asText(null));
            if (at != null && (latest == null || at.isAfter(latest))) latest = at;
        }
        ObjectNode next = newCursor();
        next.put("token", page.path("nextPageToken").asText(token));
        c.writer.commit(status(), deletes, Map.of(name(), text(next)));
        boolean more = page.path("moreResult").asBoolean(false);
        status().currentTo(more ? latest : c.ctx.clock().instant());
        return more ? Step.MORE : Step.CAUGHT_UP;
    }
}
