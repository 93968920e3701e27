package io.cohort.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cohort.record.FieldError;
import io.cohort.record.RecordChange;
import io.cohort.record.RecordType;
import io.cohort.record.SourceRecord;
import io.cohort.record.SourceRef;
import io.dropwizard.jackson.Jackson;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The record contract is declared once, by the record classes and {@link RecordType}; this checks
 * that everything else follows from it. A field added to a record class must be read by
 * {@link RecordParser} and written and read back in the stored JSON under the same name; a record
 * class added to {@link SourceRecord} must have its {@link RecordType}.
 */
class RecordSchemaTest {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    /** Like the service's: ISO-8601 instants and dates. */
    private static final ObjectMapper JSON = Jackson.newObjectMapper().disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

    @Test
    void everyRecordClassHasItsRecordType() {
        Set<Class<?>> declared = Set.of(SourceRecord.class.getPermittedSubclasses());
        Set<Class<?>> typed = Arrays.stream(RecordType.values()).map(RecordType::recordClass).collect(Collectors.toSet());
        assertThat(typed).isEqualTo(declared);
    }

    /**
     * A record with a value in every field of its class goes through the parser and keeps every
     * value: a field the parser does not read comes out null (or empty) and fails here by name.
     */
    @ParameterizedTest
    @EnumSource(RecordType.class)
    void theParserReadsEveryFieldOfTheRecordClass(RecordType type) throws Exception {
        ObjectNode full = complete(type);
        SourceRecord record = parse(full);

        assertThat(record.type()).isEqualTo(type);
        assertThat(record.getClass()).isEqualTo(type.recordClass());
        for (RecordComponent c : type.recordClass().getRecordComponents()) {
            Object value = c.getAccessor().invoke(record);
            boolean empty = value == null || value instanceof Collection<?> l && l.isEmpty() || value instanceof Map<?, ?> m && m.isEmpty();
            assertThat(empty).as("%s.%s: the parser does not read this field of %s (RecordReader.change)",
                    type.wireName(), c.getName(), type.recordClass().getSimpleName()).isFalse();
        }
        // Every value as given, under the field's own name, "type" its wire name.
        JsonNode written = JSON.valueToTree(record);
        assertThat(written).isEqualTo(full);
    }

    @ParameterizedTest
    @EnumSource(RecordType.class)
    void theStoredJsonReadsBackAsTheSameRecord(RecordType type) throws Exception {
        SourceRecord record = parse(complete(type));
        String stored = JSON.writerFor(SourceRecord.class).writeValueAsString(record);
        assertThat(JSON.readTree(stored).path("type").asText()).isEqualTo(type.wireName());
        assertThat(JSON.readValue(stored, SourceRecord.class)).isEqualTo(record);
    }

    @Test
    void aStoredRecordOfAnUnknownTypeIsRefusedNamingTheKnownOnes() {
        assertThatThrownBy(() -> JSON.readValue("{\"type\":\"lead\",\"id\":\"1\"}", SourceRecord.class))
                .hasMessageContaining("'lead'").hasMessageContaining(RecordType.wireNames());
    }

    /** The error body analysts and API clients read: the field, its index, and the allowed fields in order. */
    @Test
    void anUnknownFieldIsStillNamedWithTheAllowedOnes() {
        ObjectNode typo = complete(RecordType.OPPORTUNITY).put("ammount", 10);
        assertThatThrownBy(() -> parse(typo)).isInstanceOfSatisfying(InvalidBatchException.class, e ->
                assertThat(e.errors()).containsExactly(new FieldError(0, "ammount", "unknown field for type 'opportunity'; allowed: "
                        + "accountId, amount, attributes, closeDate, createdDate, currency, id, isClosed, isWon, name, sameAs, stage")));
    }

    /**
     * A reference holds the fields of {@link SourceRef} and no others: an extra one is named by its
     * path, as unknown fields of the record are, instead of being dropped.
     */
    @Test
    void anUnknownFieldInsideAReferenceIsNamedByItsPath() {
        List<String> refFields = new java.util.ArrayList<>();
        JSON.valueToTree(new SourceRef("s", "i")).fieldNames().forEachRemaining(refFields::add);
        assertThat(refFields).containsExactlyInAnyOrder("id", "source");
        ObjectNode account = complete(RecordType.ACCOUNT);
        ((ObjectNode) account.get("sameAs")).put("extra", 1);
        ObjectNode link = complete(RecordType.ACCOUNT_LINK);
        ((ObjectNode) link.get("accounts").get(1)).put("x", 1);
        assertThatThrownBy(() -> new RecordParser(new IngestLimits()).parse(List.of(account, link)))
                .isInstanceOfSatisfying(InvalidBatchException.class, e -> assertThat(e.errors()).containsExactly(
                        new FieldError(0, "sameAs.extra", "unknown field of a reference; allowed: id, source"),
                        new FieldError(1, "accounts[1].x", "unknown field of a reference; allowed: id, source")));
    }

    /** Ingestion checks references against the configured sources; replays (no sources given) do not. */
    @Test
    void referencesMustNameAConfiguredSourceAndNotTheRecordItself() {
        RecordParser ingest = new RecordParser(new IngestLimits()).checkingReferences(Set.of("crm-1", "mkto-1"));
        ObjectNode account = complete(RecordType.ACCOUNT);
        ((ObjectNode) account.get("sameAs")).put("source", "crm-9");
        ObjectNode self = complete(RecordType.OPPORTUNITY);
        ((ObjectNode) self.get("sameAs")).put("source", "crm-1").put("id", self.get("id").asText());
        assertThatThrownBy(() -> ingest.parse("crm-1", List.of(account.deepCopy(), self.deepCopy())))
                .isInstanceOfSatisfying(InvalidBatchException.class, e -> {
                    assertThat(e.errors()).extracting(FieldError::index, FieldError::field)
                            .containsExactly(org.assertj.core.groups.Tuple.tuple(0, "sameAs.source"), org.assertj.core.groups.Tuple.tuple(1, "sameAs"));
                    assertThat(e.errors().get(0).message()).contains("'crm-9'", "crm-1, mkto-1");
                    assertThat(e.errors().get(1).message()).contains("itself");
                });
        assertThat(new RecordParser(new IngestLimits()).parse(List.of(account.deepCopy()))).hasSize(1);
        assertThat(ingest.parse("mkto-1", List.of(self.deepCopy(), complete(RecordType.ACCOUNT_LINK)))).hasSize(2);
    }

    /** Lone surrogates and format characters (Cf) are refused in every id; letters of any script, and surrogate pairs, are not. */
    @Test
    void idsRefuseBrokenUtf16AndFormatCharactersOnly() {
        RecordParser parser = new RecordParser(new IngestLimits());
        for (String bad : List.of("\uD800", "a\uDFFFb", "x\uDBFF", "\u202Ex", "a\u200Bb", "\uFEFF", "a\u2066", "a\u00ADb", "\uDB40\uDC01")) {
            ObjectNode person = complete(RecordType.PERSON).put("id", bad);
            ObjectNode link = complete(RecordType.ACCOUNT_LINK);
            ((ObjectNode) link.get("accounts").get(0)).put("id", bad);
            assertThatThrownBy(() -> parser.parse(List.of(person, link))).isInstanceOfSatisfying(InvalidBatchException.class, e -> {
                assertThat(e.errors()).extracting(FieldError::field).containsExactly("id", "accounts[0].id");
                assertThat(e.errors()).allSatisfy(f -> assertThat(f.message()).startsWith(RecordParser.BAD_ID_CHARACTERS));
            });
        }
        for (String ok : List.of("é-ü", "日本", "\uD83D\uDE00", "\uD800\uDC00", "Ελλάδα", "a b")) {
            assertThat(parse(complete(RecordType.PERSON).put("id", ok)).key()).isEqualTo(ok);
        }
    }

    /** The fields that hold ids (keys and references to other records): they refuse format characters as well. */
    private static final Set<String> ID_FIELDS = Set.of("id", "accountId", "personId", "opportunityId", "campaignId", "listId",
            "source");

    /**
     * A lone surrogate has no UTF-8 form: the store and the graph snapshot kept '?' for it, so what
     * was evaluated was not what read back. Every text field of every type refuses one, named by its
     * path with the character's position: each textual value of a complete record is spoiled in turn,
     * attribute names and reference fields included.
     */
    @ParameterizedTest
    @EnumSource(RecordType.class)
    void aLoneSurrogateIsRefusedInEveryTextOfEveryTypeNamingPathAndPosition(RecordType type) {
        ObjectNode full = complete(type);
        List<String> paths = new java.util.ArrayList<>();
        textPaths(full, "", paths);
        paths.remove("type");
        for (RecordComponent c : type.recordClass().getRecordComponents()) {
            if (c.getType() == String.class) assertThat(paths).as("every text field is tried").contains(c.getName());
        }
        assertThat(paths).contains("attributes.segment", "attributes.(name)");
        for (String path : paths) {
            ObjectNode spoiled = full.deepCopy();
            String field = spoil(spoiled, path, "x\uDBFFy");
            assertThatThrownBy(() -> parse(spoiled)).as(path).isInstanceOfSatisfying(InvalidBatchException.class, e -> {
                assertThat(e.errors()).as(path).extracting(FieldError::field).containsExactly(field);
                String message = e.errors().get(0).message();
                assertThat(message).as(path).endsWith("U+DBFF at character 2");
                String leaf = path.substring(path.lastIndexOf('.') + 1);
                assertThat(message).as(path).startsWith(ID_FIELDS.contains(leaf) && !path.startsWith("attributes")
                        ? RecordParser.BAD_ID_CHARACTERS : path.equals("attributes.(name)") ? "an attribute name " + RecordParser.LONE_SURROGATE
                        : RecordParser.LONE_SURROGATE);
            });
        }
    }

    /** A low surrogate alone, a pair in the wrong order, a high one at the end: each is broken; a pair is one character. */
    @Test
    void aLoneSurrogateIsFoundWhereverItIs() {
        String[][] cases = {{"\uDC00abc", "U+DC00 at character 1"}, {"\uD83D\uDE00\uDE00", "U+DE00 at character 3"},
                {"ab\uD800", "U+D800 at character 3"}, {"\uDC00\uD800", "U+DC00 at character 1"}};
        for (String[] c : cases) {
            assertThatThrownBy(() -> parse(complete(RecordType.PERSON).put("firstName", c[0]))).as(c[1])
                    .isInstanceOfSatisfying(InvalidBatchException.class, e -> assertThat(e.errors()).containsExactly(
                            new FieldError(0, "firstName", RecordParser.LONE_SURROGATE + ": " + c[1])));
        }
    }

    /**
     * Format characters are legitimate in text, unlike in ids: U+200D joins emoji, U+200F and U+2066..U+2069
     * mark right-to-left names, U+00AD hyphenates. Characters beyond U+FFFF (a surrogate pair) too.
     */
    @Test
    void textKeepsFormatCharactersAndCharactersBeyondTheBmp() {
        ObjectNode person = complete(RecordType.PERSON).put("firstName", "\uD83D\uDC69\u200D\uD83D\uDCBB Dana")
                .put("lastName", "\u200F\u05DB\u05D4\u05DF").put("title", "\u2067\u0645\u062F\u064A\u0631\u2069 Ops\u00ADLead");
        ((ObjectNode) person.get("attributes")).put("\uD801\uDC00-key", "\uDBFF\uDFFF");
        SourceRecord.PersonRecord p = (SourceRecord.PersonRecord) parse(person);
        assertThat(p.firstName()).isEqualTo("\uD83D\uDC69\u200D\uD83D\uDCBB Dana");
        assertThat(p.lastName()).isEqualTo("\u200F\u05DB\u05D4\u05DF");
        assertThat(p.title()).isEqualTo("\u2067\u0645\u062F\u064A\u0631\u2069 Ops\u00ADLead");
        assertThat(p.attributes()).containsEntry("\uD801\uDC00-key", "\uDBFF\uDFFF");
    }

    /**
     * Records an earlier version accepted and stored, which ingestion now refuses: the parser for
     * stored data (cluster mode's replay of the ingest log) reads each as that version did, so that
     * an upgrade does not quarantine them; the ingestion parser still refuses each.
     */
    @Test
    void theParserForStoredDataReadsWhatEarlierVersionsAccepted() {
        RecordParser ingest = new RecordParser(new IngestLimits()).checkingReferences(Set.of("crm-1", "mkto-1"));
        RecordParser stored = new RecordParser(new IngestLimits()).forStored();
        ObjectNode extra = complete(RecordType.ACCOUNT);
        ((ObjectNode) extra.get("sameAs")).put("extra", 1);
        ObjectNode linkExtra = complete(RecordType.ACCOUNT_LINK);
        ((ObjectNode) linkExtra.get("accounts").get(0)).put("x", 1);
        ObjectNode self = complete(RecordType.OPPORTUNITY).put("id", "O1");
        ((ObjectNode) self.get("sameAs")).put("source", "crm-1").put("id", "O1");
        ObjectNode removedSource = complete(RecordType.ACCOUNT);
        ((ObjectNode) removedSource.get("sameAs")).put("source", "crm-9");
        ObjectNode[] accepted = {extra, linkExtra, self, removedSource,
                complete(RecordType.PERSON).put("id", "\u202E1-TNUOCCA"),
                complete(RecordType.ACCOUNT_PERSON).put("personId", "a\u200Bb"),
                complete(RecordType.PERSON).put("firstName", "A\uD800B"),
                complete(RecordType.OPPORTUNITY).put("closeDate", "2026-06-30T24:00:00Z"),
                complete(RecordType.ACCOUNT).put("employees", new java.math.BigInteger("9223372036854775808"))};
        for (ObjectNode r : accepted) {
            assertThatThrownBy(() -> ingest.parse("crm-1", List.of(r.deepCopy()))).as("ingestion refuses %s", r)
                    .isInstanceOf(InvalidBatchException.class);
        }
        List<RecordChange> read = stored.parse("crm-1", java.util.Arrays.stream(accepted).map(r -> (JsonNode) r.deepCopy()).toList());
        List<SourceRecord> records = read.stream().map(c -> ((RecordChange.Upsert) c).record()).toList();
        assertThat(((SourceRecord.AccountRecord) records.get(0)).sameAs()).as("the unknown field dropped, as before")
                .isEqualTo(new SourceRef("crm-1", "sameAs"));
        assertThat(((SourceRecord.AccountLinkRecord) records.get(1)).accounts()).hasSize(2);
        assertThat(((SourceRecord.OpportunityRecord) records.get(2)).sameAs()).isEqualTo(new SourceRef("crm-1", "O1"));
        assertThat(((SourceRecord.AccountRecord) records.get(3)).sameAs().source()).isEqualTo("crm-9");
        assertThat(records.get(4).key()).isEqualTo("\u202E1-TNUOCCA");
        assertThat(((SourceRecord.PersonRecord) records.get(6)).firstName()).isEqualTo("A\uD800B");
        assertThat(((SourceRecord.OpportunityRecord) records.get(7)).closeDate()).as("as Instant.parse read T24:00")
                .isEqualTo(LocalDate.of(2026, 7, 1));
        assertThat(((SourceRecord.AccountRecord) records.get(8)).employees()).as("as the double read 2^63").isEqualTo(Long.MAX_VALUE);

        // What no version accepted, or what cannot make a record, is refused still.
        for (ObjectNode r : List.of(complete(RecordType.PERSON).put("id", ""), complete(RecordType.PERSON).put("firstName", "a\u0000"),
                complete(RecordType.EVENT).put("timestamp", "0202-11-20T10:00:00Z"), complete(RecordType.ACCOUNT).put("employees", 1e30),
                complete(RecordType.OPPORTUNITY).put("closeDate", "2026-06-31"), complete(RecordType.ACCOUNT).put("nmae", "x"))) {
            assertThatThrownBy(() -> stored.parse(List.of(r.deepCopy()))).as("%s", r).isInstanceOf(InvalidBatchException.class);
        }
        assertThatThrownBy(() -> stored.checkingReferences(Set.of("crm-1"))).isInstanceOf(IllegalStateException.class);
    }

    /** The paths of the textual values under {@code node}; an attribute's name is "attributes.(name)". */
    private static void textPaths(JsonNode node, String prefix, List<String> out) {
        for (var it = node.fields(); it.hasNext(); ) {
            var e = it.next();
            String path = prefix + e.getKey();
            if (e.getValue().isTextual()) out.add(path);
            if (e.getValue().isObject()) textPaths(e.getValue(), path + ".", out);
            if (e.getValue().isArray()) {
                for (int i = 0; i < e.getValue().size(); i++) textPaths(e.getValue().get(i), path + "[" + i + "].", out);
            }
            if (path.equals("attributes")) out.add("attributes.(name)");
        }
    }

    /** Puts {@code bad} where {@code path} leads; returns the field the error must name. */
    private static String spoil(ObjectNode record, String path, String bad) {
        if (path.equals("attributes.(name)")) {
            ((ObjectNode) record.get("attributes")).put(bad, "v");
            return "attributes";
        }
        JsonNode at = record;
        String[] steps = path.split("\\.");
        for (int i = 0; i < steps.length - 1; i++) {
            String step = steps[i];
            int bracket = step.indexOf('[');
            at = bracket < 0 ? at.get(step) : at.get(step.substring(0, bracket)).get(Integer.parseInt(step.substring(bracket + 1, step.length() - 1)));
        }
        ((ObjectNode) at).put(steps[steps.length - 1], bad);
        return path;
    }

    private static SourceRecord parse(ObjectNode record) {
        List<RecordChange> changes = new RecordParser(new IngestLimits()).parse(List.of(record.deepCopy()));
        assertThat(changes).hasSize(1);
        return ((RecordChange.Upsert) changes.get(0)).record();
    }

    /** A record of {@code type} with a valid value in every field its class declares. */
    private static ObjectNode complete(RecordType type) {
        ObjectNode node = NODES.objectNode().put("type", type.wireName());
        for (RecordComponent c : type.recordClass().getRecordComponents()) {
            node.set(c.getName(), sample(type, c.getName(), c.getGenericType()));
        }
        return node;
    }

    private static JsonNode sample(RecordType type, String field, Type t) {
        if (t == String.class) {
            return switch (field) {
                case "email" -> NODES.textNode("ann@example.com");
                case "currency" -> NODES.textNode("EUR");
                default -> NODES.textNode(type.wireName() + "-" + field);
            };
        }
        if (t == Boolean.class) return NODES.booleanNode(true);
        if (t == Long.class) return NODES.numberNode(42L);
        if (t == Double.class) return NODES.numberNode(2.5);
        if (t == LocalDate.class) return NODES.textNode("2026-01-31");
        if (t == Instant.class) return NODES.textNode("2026-11-02T10:15:00Z");
        if (t == SourceRef.class) return ref("crm-1", field);
        if (t instanceof ParameterizedType p && p.getRawType() == Map.class) return NODES.objectNode().put("segment", "SMB");
        if (t instanceof ParameterizedType p && p.getRawType() == List.class && p.getActualTypeArguments()[0] == SourceRef.class) {
            return NODES.arrayNode().add(ref("crm-1", "a")).add(ref("mkto-1", "b"));
        }
        return fail("%s.%s is a %s: give this test a valid sample of it, and check that RecordParser reads it",
                type.wireName(), field, t.getTypeName());
    }

    private static ObjectNode ref(String source, String id) {
        return NODES.objectNode().put("source", source).put("id", id);
    }
}
