package io.cohort.store.migration;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cohort.record.RecordKey;
import io.cohort.record.RecordType;
import io.cohort.record.SourceRef;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import liquibase.change.custom.CustomTaskChange;
import liquibase.database.Database;
import liquibase.database.jvm.JdbcConnection;
import liquibase.exception.CustomChangeException;
import liquibase.exception.ValidationErrors;
import liquibase.resource.ResourceAccessor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Re-keys stored rows for the unambiguous keys of {@link RecordKey}: relation keys whose parts
 * hold '|' or '\', and generated MDM link ids whose member ids hold '+' or '\'. Every other key is
 * already byte for byte what the new encoding gives, so only those few rows are read and
 * rewritten, from their stored JSON. A row whose JSON cannot be read is left as it is (the
 * service quarantines it when it loads the store).
 */
public final class UnambiguousRecordKeys implements CustomTaskChange {
    private static final Logger LOG = LoggerFactory.getLogger(UnambiguousRecordKeys.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private record Row(String source, String type, String key) {}

    @Override
    public void execute(Database database) throws CustomChangeException {
        try {
            Connection c = ((JdbcConnection) database.getConnection()).getUnderlyingConnection();
            List<Row> candidates = candidates(c);
            int rekeyed = 0;
            for (Row r : candidates) if (rekey(c, r)) rekeyed++;
            if (rekeyed > 0) LOG.info("re-keyed {} stored records for unambiguous keys", rekeyed);
        } catch (SQLException e) {
            throw new CustomChangeException("re-keying stored records failed: " + e.getMessage(), e);
        }
    }

    /** Rows whose key may change: a relation key with a '\' or more than one '|', a generated link id. */
    private static List<Row> candidates(Connection c) throws SQLException {
        List<String> types = new ArrayList<>(Arrays.stream(RecordType.values()).filter(t -> t.keyFields().size() > 1)
                .map(RecordType::wireName).toList());
        types.add(RecordType.ACCOUNT_LINK.wireName());
        List<Row> out = new ArrayList<>();
        String marks = String.join(",", types.stream().map(t -> "?").toList());
        try (PreparedStatement s = c.prepareStatement("SELECT source, rtype, rkey FROM source_record WHERE rtype IN (" + marks + ")")) {
            for (int i = 0; i < types.size(); i++) s.setString(i + 1, types.get(i));
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    String type = rs.getString(2);
                    String key = rs.getString(3);
                    boolean link = type.equals(RecordType.ACCOUNT_LINK.wireName());
                    if (key.indexOf('\\') >= 0 || (link ? key.indexOf('+') >= 0 : key.indexOf('|') != key.lastIndexOf('|'))) {
                        out.add(new Row(rs.getString(1), type, key));
                    }
                }
            }
        }
        return out;
    }

    private static boolean rekey(Connection c, Row r) throws SQLException {
        String payload;
        try (PreparedStatement s = c.prepareStatement("SELECT payload FROM source_record WHERE source = ? AND rtype = ? AND rkey = ?")) {
            s.setString(1, r.source());
            s.setString(2, r.type());
            s.setString(3, r.key());
            try (ResultSet rs = s.executeQuery()) {
                if (!rs.next()) return false;
                payload = rs.getString(1);
            }
        }
        JsonNode json;
        try {
            json = JSON.readTree(payload);
        } catch (Exception e) {
            return false;
        }
        if (!(json instanceof ObjectNode record)) return false;
        RecordType type = RecordType.fromWire(r.type()).orElseThrow();
        String key;
        if (type == RecordType.ACCOUNT_LINK) {
            List<SourceRef> members = new ArrayList<>();
            for (JsonNode m : record.path("accounts")) members.add(new SourceRef(m.path("source").asText(), m.path("id").asText()));
            String old = String.join("+", members.stream().sorted().map(SourceRef::toString).toList());
            // Only an id Cohort generated is re-generated; an id the MDM gave is kept.
            if (!old.equals(record.path("id").asText()) || !old.equals(r.key())) return false;
            key = RecordKey.linkId(members);
            record.put("id", key);
        } else {
            List<String> values = new ArrayList<>();
            for (String f : type.keyFields()) {
                JsonNode v = record.get(f);
                if (v == null || !v.isValueNode() || v.isNull()) return false;
                values.add(v.asText());
            }
            key = type.key(values);
        }
        if (key.equals(r.key())) return false;
        try (PreparedStatement s = c.prepareStatement("SELECT COUNT(*) FROM source_record WHERE source = ? AND rtype = ? AND rkey = ?")) {
            s.setString(1, r.source());
            s.setString(2, r.type());
            s.setString(3, key);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                if (rs.getLong(1) > 0) {
                    LOG.warn("not re-keying {} {} '{}': a record with its new key '{}' is stored already", r.source(), r.type(), r.key(), key);
                    return false;
                }
            }
        }
        try (PreparedStatement s = c.prepareStatement(
                "UPDATE source_record SET rkey = ?, payload = ? WHERE source = ? AND rtype = ? AND rkey = ?")) {
            s.setString(1, key);
            // A relation's JSON is kept byte for byte; a link's carries its new id.
            s.setString(2, type == RecordType.ACCOUNT_LINK ? record.toString() : payload);
            s.setString(3, r.source());
            s.setString(4, r.type());
            s.setString(5, r.key());
            return s.executeUpdate() == 1;
        }
    }

    @Override public String getConfirmationMessage() { return "stored record keys are unambiguous"; }

    @Override public void setUp() {}

    @Override public void setFileOpener(ResourceAccessor resourceAccessor) {}

    @Override public ValidationErrors validate(Database database) { return new ValidationErrors(); }
}
