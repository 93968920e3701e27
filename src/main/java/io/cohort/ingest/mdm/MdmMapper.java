package io.cohort.ingest.mdm;

import static io.cohort.ingest.NativeJson.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cohort.ingest.NativeFormatException;
import io.cohort.ingest.NativeJson;
import io.cohort.ingest.NativeMapper;
import io.cohort.record.FieldError;
import io.cohort.record.RecordType;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Maps a golden-record cross-reference export
 * {"entities": [{"mdmId", "name", "members": [{"system", "recordId"}, …]}, …]} to accountLink
 * records (id = mdmId). An entity with fewer than two members links nothing; it becomes a delete
 * of its link, so an entity that lost a member stops joining accounts.
 */
final class MdmMapper implements NativeMapper {

    private static final List<String> OBJECTS = List.of("crossReferences");

    private final String sourceId;
    private final Map<String, String> systems;

    MdmMapper(String sourceId, Map<String, String> systems) {
        this.sourceId = sourceId;
        this.systems = systems;
    }

    @Override
    public List<String> objects() { return OBJECTS; }

    @Override
    public List<ObjectNode> map(String object, JsonNode payload) throws NativeFormatException {
        if (!OBJECTS.contains(object)) {
            throw new NativeFormatException("object", "source '" + sourceId + "' is of type mdm; unknown object '"
                    + object + "', expected \"crossReferences\"");
        }
        JsonNode entities = payload == null ? null : payload.get("entities");
        if (entities == null || !entities.isArray()) {
            throw new NativeFormatException("entities", "not an MDM cross-reference export: expected "
                    + "{\"entities\": [{\"mdmId\", \"name\", \"members\": [{\"system\", \"recordId\"}]}]}");
        }
        List<FieldError> errors = new ArrayList<>();
        List<ObjectNode> out = new ArrayList<>();
        for (int i = 0; i < entities.size(); i++) {
            JsonNode e = entities.get(i);
            JsonNode members = e.path("members");
            if (!e.isObject() || !members.isArray()) {
                errors.add(new FieldError(i, "entities[" + i + "].members", "\"members\" must be an array of {\"system\", \"recordId\"}"));
                continue;
            }
            String id = text(e, "mdmId");
            if (members.size() < 2 && id != null) {
                out.add(NativeJson.delete(RecordType.ACCOUNT_LINK, id));
                continue;
            }
            ObjectNode link = NativeJson.record(RecordType.ACCOUNT_LINK);
            if (id != null) link.put("id", id);
            NativeJson.copy(e, "name", link, "name");
            ArrayNode accounts = JsonNodeFactory.instance.arrayNode();
            for (JsonNode m : members) {
                String system = text(m, "system");
                // Unresolvable members go through with nulls; the parser names the bad entry.
                accounts.add(NativeJson.ref(system == null ? null : systems.getOrDefault(system, system), text(m, "recordId")));
            }
            link.set("accounts", accounts);
            NativeJson.putAttributes(link, NativeJson.attributes(e, java.util.Set.of("mdmId", "name", "members")));
            out.add(link);
        }
        if (!errors.isEmpty()) throw new NativeFormatException(errors);
        return out;
    }
}
