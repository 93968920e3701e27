package io.cohort.ingest.pull.marketo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cohort.ingest.NativeJson;
import io.cohort.ingest.pull.CursorStream;
import io.cohort.ingest.pull.PullException;
import io.cohort.record.RecordType;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code refresh}, every refreshInterval: what Marketo offers no change feed for is read again
 * whole. Static lists and their members (a member no longer in a list becomes a delete of that
 * membership), and the companies, opportunities and opportunity roles already stored (changes to
 * them that came with no lead change). Cursor: when the last refresh finished.
 */
final class RefreshStream extends CursorStream {
    private static final Logger LOG = LoggerFactory.getLogger(RefreshStream.class);
    private static final int PER_COMMIT = 100;

    private final MarketoConnector c;

    RefreshStream(MarketoConnector c) {
        super(c.sourceId, "refresh", Kind.INCREMENTAL, c.ctx.cursors());
        this.c = c;
    }

    @Override
    protected Step stepLocked(ObjectNode cursor) throws PullException, InterruptedException {
        Instant now = c.ctx.clock().instant();
        if (cursor.hasNonNull("at")) {
            Instant last = Instant.parse(cursor.get("at").asText());
            if (last.plusMillis(c.config.getRefreshInterval().toMilliseconds()).isAfter(now)) {
                status().currentTo(now); // not due: as current as this stream gets (lag must not grow to refreshInterval)
                return Step.CAUGHT_UP;
            }
        }
        c.checkUsage();
        if (c.config.getObjects().contains("lists")) lists();
        known("account", ids -> c.related.companies(status(), ids));
        known("opportunity", ids -> c.related.opportunities(status(), ids));
        ObjectNode next = newCursor();
        next.put("at", now.toString());
        c.writer.commit(status(), List.of(), Map.of(name(), text(next)));
        status().currentTo(now);
        return Step.CAUGHT_UP;
    }

    private interface Fetch {
        List<ObjectNode> apply(List<String> externalIds) throws PullException, InterruptedException;
    }

    /** Stored records keyed "ext:…" (synced from the CRM through Marketo) read again by external id. */
    private void known(String type, Fetch fetch) throws PullException, InterruptedException {
        List<String> ids = c.ctx.storedKeys().keys(sourceId, type, "ext:").stream().map(k -> k.substring(4)).toList();
        for (int i = 0; i < ids.size(); i += PER_COMMIT) {
            c.writer.commit(status(), fetch.apply(ids.subList(i, Math.min(ids.size(), i + PER_COMMIT))), Map.of());
        }
    }

    private void lists() throws PullException, InterruptedException {
        Set<Long> wanted = new LinkedHashSet<>(c.config.getListIds());
        List<JsonNode> lists = new ArrayList<>();
        for (int offset = 0; ; offset += 200) {
            JsonNode page = c.api.get("/rest/asset/v1/staticLists.json?maxReturn=200&offset=" + offset);
            List<JsonNode> items = MarketoConnector.results(page);
            for (JsonNode l : items) if (wanted.isEmpty() || wanted.contains(l.path("id").asLong())) lists.add(l);
            if (items.size() < 200) break;
        }
        for (JsonNode list : lists) {
            String id = list.path("id").asText();
            List<JsonNode> members = new ArrayList<>();
            String token = null;
            do {
                JsonNode page = c.api.get("/rest/v1/lists/" + MarketoApi.enc(id) + "/leads.json?batchSize=300&fields=id"
                        + (token == null ? "" : "&nextPageToken=" + MarketoApi.enc(token)));
                members.addAll(MarketoConnector.results(page));
                token = page.path("moreResult").asBoolean(false) ? page.path("nextPageToken").asText(null) : null;
            } while (token != null);
            List<ObjectNode> records = new ArrayList<>(c.map(status(), "lists", List.of(list)));
            records.addAll(c.map(status(), MarketoMapperObjects.listMembers(id), members));
            Set<String> now = new LinkedHashSet<>();
            members.forEach(m -> now.add(id + "|" + m.path("id").asText()));
            int removed = 0;
            for (String stored : c.ctx.storedKeys().keys(sourceId, RecordType.MARKETING_LIST_MEMBER.wireName(), id + "|")) {
                if (!now.contains(stored)) {
                    records.add(NativeJson.delete(RecordType.MARKETING_LIST_MEMBER, stored.split("\\|", 2)));
                    removed++;
                }
            }
            c.writer.commit(status(), records, Map.of());
            LOG.info("source {} refresh: static list {} '{}': {} members, {} left since the last refresh", sourceId, id,
                    list.path("name").asText(), members.size(), removed);
        }
    }
}
