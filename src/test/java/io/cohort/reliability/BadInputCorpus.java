package io.cohort.reliability;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A seeded corpus of malformed and hostile requests against every write endpoint. Record
 * payloads put one bad record after a valid one with a fresh key, so that a partly stored batch
 * shows. Each payload says what it is, so a failure names the payload.
 */
public final class BadInputCorpus {
    /** {@code record}: a batch of [valid, bad]: when refused, the errors must name index 1. */
    public record Payload(String name, String path, String contentType, byte[] body, boolean record, String validKey) {}

    static final JsonNodeFactory F = JsonNodeFactory.instance;
    static final String RECORDS = "/v1/sources/crm-1/records";

    /** Every record type with its fields, and a valid example of each (the canonical contract). */
    static final Map<String, String> VALID = new LinkedHashMap<>();

    static {
        VALID.put("person", "{\"id\":\"p\",\"email\":\"a@b.com\",\"firstName\":\"A\",\"lastName\":\"B\",\"title\":\"T\","
                + "\"country\":\"FR\",\"emailOptOut\":false,\"attributes\":{\"k\":\"v\"}}");
        VALID.put("account", "{\"id\":\"a\",\"name\":\"N\",\"domain\":\"d.com\",\"industry\":\"I\",\"employees\":10,"
                + "\"annualRevenue\":5.5,\"country\":\"FR\",\"sameAs\":{\"source\":\"crm-2\",\"id\":\"x\"},\"attributes\":{}}");
        VALID.put("accountPerson", "{\"accountId\":\"a\",\"personId\":\"p\",\"role\":\"r\"}");
        VALID.put("opportunity", "{\"id\":\"o\",\"accountId\":\"a\",\"name\":\"N\",\"amount\":10,\"currency\":\"EUR\","
                + "\"stage\":\"s\",\"isWon\":true,\"isClosed\":true,\"closeDate\":\"2026-01-02\",\"sameAs\":{\"source\":\"crm-2\",\"id\":\"o\"}}");
        VALID.put("opportunityPerson", "{\"opportunityId\":\"o\",\"personId\":\"p\",\"role\":\"r\"}");
        VALID.put("event", "{\"id\":\"e\",\"personId\":\"p\",\"eventType\":\"t\",\"timestamp\":\"2026-11-02T10:15:00Z\","
                + "\"url\":\"https://x.com/a\",\"attributes\":{\"k\":1}}");
        VALID.put("campaign", "{\"id\":\"c\",\"name\":\"N\",\"campaignType\":\"t\",\"status\":\"s\"}");
        VALID.put("campaignMember", "{\"campaignId\":\"c\",\"personId\":\"p\",\"status\":\"s\"}");
        VALID.put("marketingList", "{\"id\":\"l\",\"name\":\"N\"}");
        VALID.put("marketingListMember", "{\"listId\":\"l\",\"personId\":\"p\"}");
        VALID.put("accountLink", "{\"id\":\"k\",\"name\":\"N\",\"accounts\":[{\"source\":\"crm-1\",\"id\":\"a\"},"
                + "{\"source\":\"crm-2\",\"id\":\"b\"}]}");
    }

    private final Random rnd;
    private final int hugeStringLength;
    private int serial;

    public BadInputCorpus(long seed, int hugeStringLength) {
        this.rnd = new Random(seed);
        this.hugeStringLength = hugeStringLength;
        this.serial = (int) (seed % 1_000) * 100_000; // keys of valid records differ between seeds
    }

    /** Wrong or hostile values for any field: every JSON kind, and strings that have hurt others. */
    List<JsonNode> badValues() {
        List<JsonNode> v = new ArrayList<>(List.of(F.objectNode(), F.arrayNode(), F.booleanNode(true), F.numberNode(-1),
                F.numberNode(12345), F.numberNode(new java.math.BigDecimal("1e400")), F.numberNode(Double.MAX_VALUE),
                F.textNode(""), F.textNode("   "), F.textNode("x".repeat(hugeStringLength)), F.textNode("a\u0000b"),
                F.textNode("'; DROP TABLE source_record; --"), F.textNode("<script>alert(1)</script>"),
                F.textNode("2026-13-45"), F.textNode("\uD800"), F.textNode("a:b|c/d"), F.nullNode(),
                // Issue 11: one past the id limit (and the old 1,024 key column), instants out of range, key separators.
                F.textNode("i".repeat(1_025)), F.textNode("+300000000-01-01T00:00:00Z"), F.textNode("1899-12-31"),
                F.textNode("KC-A|KC-B\\|"),
                // The first and last instants java.time holds (a closeDate of either was a 500), and 2^63 (stored as Long.MAX_VALUE).
                F.textNode("-1000000000-01-01T00:00:00Z"), F.textNode("+1000000000-12-31T23:59:59.999999999Z"),
                F.numberNode(java.math.BigInteger.ONE.shiftLeft(63)),
                // Ids that could not be read back or look like others: lone surrogates, RTL override, zero-width space.
                F.textNode("a\uDC00"), F.textNode("\u202Eabc"), F.textNode("a\u200Bb")));
        ObjectNode nested = F.objectNode();
        ObjectNode at = nested;
        for (int i = 0; i < 10; i++) at = at.putObject("n");
        v.add(nested);
        v.add(F.arrayNode().add(F.arrayNode().add(1)));
        return v;
    }

    public List<Payload> generate() {
        List<Payload> out = new ArrayList<>();
        VALID.forEach((type, example) -> {
            ObjectNode valid = parse(example).put("type", type);
            for (var it = valid.fieldNames(); it.hasNext(); ) {
                String field = it.next();
                for (JsonNode bad : badValues()) out.add(recordPayload(type + "." + field + "=" + abbreviate(bad), type, r -> r.set(field, bad)));
                if (!field.equals("type")) out.add(recordPayload(type + " without " + field, type, r -> r.remove(field)));
            }
            out.add(recordPayload(type + " with unknown field", type, r -> r.put("ammount", 1)));
            out.add(recordPayload(type + " deleted without key", type, r -> {
                r.removeAll();
                r.put("type", type).put("deleted", true);
            }));
            out.add(recordPayload(type + " deleted=yes", type, r -> r.put("deleted", "yes")));
        });
        for (JsonNode bad : badValues()) out.add(recordPayload("type=" + abbreviate(bad), "person", r -> r.set("type", bad)));
        out.add(recordPayload("unknown type", "person", r -> r.put("type", "gizmo")));
        out.add(recordPayload("missing type", "person", r -> r.remove("type")));
        out.add(recordPayload("record is an array", "person", null));
        envelopes(out);
        ndjson(out);
        nativeAndRules(out);
        return out;
    }

    /** A record payload that must be a 400 naming {@code field} of record 1. */
    public record Refused(Payload payload, String field) {}

    /**
     * Payloads that were answered 200 and stored: unknown fields inside references, references to
     * sources that are not configured, a record that is its own copy, ids with broken UTF-16 or
     * invisible characters (in keys and in references), text with broken UTF-16.
     */
    public List<Refused> refused() {
        List<Refused> out = new ArrayList<>();
        escapeSurrogates = true;
        out.add(new Refused(recordPayload("sameAs.extra", "account", r -> ((ObjectNode) r.get("sameAs")).put("extra", 1)), "sameAs.extra"));
        out.add(new Refused(recordPayload("accounts[0].x", "accountLink", r -> ((ObjectNode) r.get("accounts").get(0)).put("x", 1)), "accounts[0].x"));
        out.add(new Refused(recordPayload("sameAs to nosuch", "opportunity", r -> ((ObjectNode) r.get("sameAs")).put("source", "nosuch")), "sameAs.source"));
        out.add(new Refused(recordPayload("accounts[1] of nosuch", "accountLink", r -> ((ObjectNode) r.get("accounts").get(1)).put("source", "nosuch")),
                "accounts[1].source"));
        out.add(new Refused(recordPayload("sameAs itself", "account", r -> ((ObjectNode) r.get("sameAs")).put("source", "crm-1").put("id", "a")), "sameAs"));
        for (String bad : List.of("\uD800", "x\uDBFF", "\u202E1-TNUOCCA", "a\u200Bb", "\uFEFFa")) {
            String shown = bad.chars().mapToObj(c -> String.format("U+%04X", c)).toList().toString(); // printable in a report
            out.add(new Refused(recordPayload("person.id=" + shown, "person", r -> r.put("id", bad)), "id"));
            out.add(new Refused(recordPayload("campaignMember.personId=" + shown, "campaignMember", r -> r.put("personId", bad)), "personId"));
            out.add(new Refused(recordPayload("sameAs.id=" + shown, "account", r -> ((ObjectNode) r.get("sameAs")).put("id", bad)), "sameAs.id"));
            out.add(new Refused(recordPayload("accounts[0].id=" + shown, "accountLink",
                    r -> ((ObjectNode) r.get("accounts").get(0)).put("id", bad)), "accounts[0].id"));
        }
        // Text with a lone surrogate was evaluated as sent and read back from the store as '?'.
        for (String bad : List.of("A\uD800B", "\uDFFF")) {
            String shown = bad.chars().mapToObj(c -> String.format("U+%04X", c)).toList().toString();
            out.add(new Refused(recordPayload("person.firstName=" + shown, "person", r -> r.put("firstName", bad)), "firstName"));
            out.add(new Refused(recordPayload("person.attributes.k=" + shown, "person", r -> ((ObjectNode) r.get("attributes")).put("k", bad)),
                    "attributes.k"));
            out.add(new Refused(recordPayload("event.url=" + shown, "event", r -> r.put("url", bad)), "url"));
            out.add(new Refused(recordPayload("accountLink.name=" + shown, "accountLink", r -> r.put("name", bad)), "name"));
        }
        return out;
    }

    /**
     * UTF-8 cannot carry a lone surrogate (the encoder writes '?' for it, so the corpus's U+D800
     * value arrives as "?"): a client sends one as a JSON escape, {@code "\\ud800"}, as this does.
     */
    static String surrogatesEscaped(String json) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < json.length(); i++) {
            char c = json.charAt(i);
            boolean paired = Character.isHighSurrogate(c) ? i + 1 < json.length() && Character.isLowSurrogate(json.charAt(i + 1))
                    : Character.isLowSurrogate(c) && i > 0 && Character.isHighSurrogate(json.charAt(i - 1));
            if (Character.isSurrogate(c) && !paired) b.append(String.format("\\u%04x", (int) c));
            else b.append(c);
        }
        return b.toString();
    }

    /** Set for {@link #refused()}: record bodies send lone surrogates as JSON escapes. */
    private boolean escapeSurrogates;

    private Payload recordPayload(String name, String type, java.util.function.Consumer<ObjectNode> spoil) {
        ObjectNode good = parse(VALID.get("person")).put("type", "person").put("id", "valid-" + (++serial));
        ObjectNode bad = parse(VALID.get(type)).put("type", type);
        if (spoil != null) spoil.accept(bad);
        ObjectNode body = F.objectNode();
        body.putArray("records").add(good).add(spoil == null ? F.arrayNode().add(bad) : bad);
        String json = escapeSurrogates ? surrogatesEscaped(body.toString()) : body.toString();
        return new Payload(name, RECORDS, "application/json", bytes(json), true, good.get("id").asText());
    }

    /** Whole bodies that are not a batch: broken JSON, wrong shapes, limits, bytes that are not UTF-8. */
    private void envelopes(List<Payload> out) {
        String valid = "{\"records\":[{\"type\":\"person\",\"id\":\"env\",\"email\":\"e@x.com\",\"attributes\":{\"a\":\"b\"}}]}";
        for (int i = 0; i < 60; i++) {
            int cut = 1 + rnd.nextInt(valid.length() - 2);
            out.add(raw("truncated at " + cut, valid.substring(0, cut)));
        }
        for (int i = 0; i < 60; i++) {
            byte[] b = bytes(valid);
            b[rnd.nextInt(b.length)] = (byte) rnd.nextInt(256);
            out.add(new Payload("byte flipped " + i, RECORDS, "application/json", b, false, null));
        }
        for (String s : List.of("", " ", "\n", "{", "}", "[", "[]", "null", "true", "1", "\"x\"", "{}", "{\"records\":{}}",
                "{\"records\":\"x\"}", "{\"records\":null}", "{\"records\":[1,2]}", "{\"records\":[null]}", "{\"Records\":[]}",
                "{\"records\":[],\"extra\":1}", "{\"records\":[],\"records\":[]}", valid + "garbage", valid + valid,
                "/* c */" + valid, "{'records':[]}", "{\"records\":[NaN]}", "{\"records\":[\"\\uZZZZ\"]}", "\uFEFF" + valid,
                "{\"records\":[{\"type\":\"person\",\"id\":\"a\",\"id\":\"b\"}]}", "{\"records\":[" + "1".repeat(200) + "]}",
                "{\"records\":[{\"type\":\"opportunity\",\"id\":\"o\",\"amount\":1e999999}]}",
                "[".repeat(100_000), "{\"a\":".repeat(50_000), "{\"records\":[" + "{\"a\":".repeat(20) + "1" + "}".repeat(20) + "]}",
                "{\"records\":[{\"type\":\"person\",\"id\":\"" + "y".repeat(hugeStringLength * 300) + "\"}]}")) {
            out.add(raw("body " + abbreviate(F.textNode(s)), s));
        }
        out.add(new Payload("raw NUL in JSON", RECORDS, "application/json", bytes(valid.replace("env", "e\u0000v")), false, null));
        out.add(new Payload("invalid UTF-8", RECORDS, "application/json",
                concat(bytes("{\"records\":[{\"type\":\"person\",\"id\":\""), new byte[] {(byte) 0xC3, 0x28, (byte) 0xFF}, bytes("\"}]}")),
                false, null));
        for (String ct : List.of("text/plain", "application/xml", "multipart/form-data; boundary=x", "application/json; charset=utf-16",
                "garbage", ";;;", "application/", "*/*", "application/x-www-form-urlencoded", "application/json;;")) {
            out.add(new Payload("content type " + ct, RECORDS, ct, bytes(valid), false, null));
        }
        out.add(new Payload("unknown source", "/v1/sources/nope/records", "application/json", bytes(valid), false, null));
        out.add(new Payload("source id with path", "/v1/sources/..%2F..%2Fetc/records", "application/json", bytes(valid), false, null));
    }

    /** NDJSON: a bad line in the middle of valid ones must refuse the whole batch. */
    private void ndjson(List<Payload> out) {
        for (String bad : List.of("{", "[]", "1", "null", "\"x\"", "{\"type\":\"gizmo\"}", "{\"type\":\"person\"}",
                "{\"type\":\"person\",\"id\":{}}", "{\"type\":\"event\",\"id\":\"e\",\"personId\":\"p\",\"eventType\":\"t\",\"timestamp\":\"yesterday\"}",
                "{\"records\":[]}", "\u0000", "{\"type\":\"person\",\"id\":\"a\",\"id\":\"b\"}", "[".repeat(1000))) {
            for (String eol : List.of("\n", "\r\n")) {
                String good = "{\"type\":\"person\",\"id\":\"nd-" + (++serial) + "\",\"email\":\"n@x.com\"}";
                String body = good + eol + "{\"type\":\"account\",\"id\":\"nd-a\"}" + eol + bad + eol + good.replace("nd-", "nd2-") + eol;
                out.add(new Payload("ndjson bad line " + abbreviate(F.textNode(bad)), RECORDS, "application/x-ndjson", bytes(body),
                        false, "nd-" + serial));
            }
        }
        out.add(new Payload("ndjson empty", RECORDS, "application/x-ndjson", bytes(""), false, null));
        out.add(new Payload("ndjson blank lines", RECORDS, "application/x-ndjson", bytes("\n\n  \n"), false, null));
        out.add(new Payload("ndjson one JSON envelope", RECORDS, "application/x-ndjson", bytes("{\"records\":[{\"type\":\"person\",\"id\":\"q\"}]}"), false, null));
        out.add(new Payload("ndjson too many lines", RECORDS, "application/x-ndjson",
                bytes("{\"type\":\"person\",\"id\":\"many\"}\n".repeat(10_001)), false, null));
    }

    private void nativeAndRules(List<Payload> out) {
        for (String object : List.of("leads", "query", "companies", "x".repeat(300), "%00", "..%2F..", "%C3%28", "a%20b")) {
            for (String body : List.of("{}", "[]", "{\"result\":[{\"id\":1}]}", "{", "", "[".repeat(10_000))) {
                out.add(new Payload("native " + object + " " + abbreviate(F.textNode(body)), "/v1/sources/crm-1/native/" + object,
                        "application/json", bytes(body), false, null));
            }
        }
        String header = "package cohort.segments;\nimport io.cohort.model.*;\n";
        List<String> drls = List.of("", "   ", "rule", "garbage \u0000 \uFFFF", header + "rule \"x\" when then end",
                header + "rule \"x\" @segment(\"x\") when $p : Person( then insertLogical(new Qualified(\"x\", $p.id())); end",
                header + "rule \"x\" @segment(\"x\") when $p : Person() then System.exit(0); end",
                header + "rule \"x\" @segment(\"x\") when $p : Nope() then end",
                header + "rule \"x\" @segment(\"x\") when $p : Person() then int a = \"s\"; end",
                header + "rule \"x\" @segment(\"BAD ID\") when $p : Person() then insertLogical(new Qualified(\"BAD ID\", $p.id())); end",
                header + "rule \"x\" @segment(\"y\") when $p : Person() then insertLogical(new Qualified(\"z\", $p.id())); end",
                header + "import java.io.File;\nrule \"x\" when then end", header + "global java.util.List l;",
                header + "declare Foo end\nrule \"x\" when Foo() then end", "package " + "a.".repeat(500) + "b;",
                header + "rule \"x\" when " + "(".repeat(2_000) + " then end", header + "function void f() { f(); }",
                header + "rule \"x\" when $p : Person() then insert($p); end",
                header + "query \"q\" Person() end", header.repeat(3) + "rule \"r\" when then end rule \"r\" when then end");
        for (String drl : drls) {
            out.add(new Payload("validate " + abbreviate(F.textNode(drl)), "/v1/rules/validate?file=draft.drl", "text/plain", bytes(drl), false, null));
        }
        for (String file : List.of("../x.drl", "x.txt", "/abs.drl", "a%00.drl", "y".repeat(300) + ".drl", "%2E%2E%2Fx.drl", "",
                "a//b.drl", "./x.drl", ".drl", "x.drl/", "-x.drl")) {
            out.add(new Payload("validate file=" + abbreviate(F.textNode(file)), "/v1/rules/validate?file=" + file, "text/plain",
                    bytes(header), false, null));
        }
        out.add(new Payload("validate invalid UTF-8", "/v1/rules/validate", "text/plain", new byte[] {(byte) 0xFF, (byte) 0xFE, 0}, false, null));
        out.add(new Payload("validate as JSON", "/v1/rules/validate", "application/json", bytes("{\"drl\":1}"), false, null));
    }

    private Payload raw(String name, String body) {
        return new Payload(name, RECORDS, "application/json", bytes(body), false, null);
    }

    static ObjectNode parse(String json) {
        try {
            return (ObjectNode) RandomRecords.JSON.readTree(json);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static byte[] bytes(String s) { return s.getBytes(StandardCharsets.UTF_8); }

    static byte[] concat(byte[]... parts) {
        java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
        for (byte[] p : parts) b.writeBytes(p);
        return b.toByteArray();
    }

    static String abbreviate(JsonNode v) {
        String s = v.toString();
        return s.length() <= 40 ? s : s.substring(0, 37) + "...(" + s.length() + ")";
    }
}
