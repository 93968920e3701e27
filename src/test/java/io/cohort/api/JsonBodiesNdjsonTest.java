package io.cohort.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.cohort.api.error.ApiError;
import io.cohort.api.error.ApiException;
import io.cohort.ingest.IngestLimits;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * NDJSON bodies are read by one parser over the bytes ({@link JsonBodies#oneParser}) where the
 * line-by-line reading ({@link JsonBodies#lineByLine}, the rule: one JSON document a line) would
 * accept them; every other body is left to the latter. Whatever the body, the answer must be the
 * one line-by-line reading gives: the same records (numbers exact), or the same refusal (status,
 * message with its line, errors).
 */
class JsonBodiesNdjsonTest {
    static final String P = "{\"type\":\"person\",\"id\":\"p-1\",\"attributes\":{\"score\":1.10,\"big\":1e400,\"n\":12345678901234567890}}";
    static final String E = "{\"type\":\"event\",\"id\":\"e-\u00e9\u2028\uD83D\uDE00\",\"personId\":\"p-1\",\"timestamp\":\"2026-11-02T10:15:00Z\"}";

    final JsonBodies bodies = new JsonBodies(new IngestLimits().withMaxRecordsPerBatch(5));

    /** The outcome of a reading: the records, or the refusal's status and body. */
    static Object outcome(java.util.function.Supplier<List<JsonNode>> read) {
        try {
            return read.get();
        } catch (ApiException e) {
            ApiError a = (ApiError) e.getResponse().getEntity();
            return e.getResponse().getStatus() + " " + a;
        }
    }

    void same(String body) { same(body.getBytes(StandardCharsets.UTF_8)); }

    void same(byte[] body) {
        Object fast = outcome(() -> bodies.records(body, true));
        Object rule = outcome(() -> bodies.lineByLine(body));
        assertThat(fast).as(printable(body)).isEqualTo(rule);
        if (fast instanceof List<?> records) {
            // numbers as sent: node types and their text too, which equals() on numbers does not fully say
            assertThat(records.toString()).isEqualTo(rule.toString());
        }
    }

    static String printable(byte[] body) {
        return new String(body, StandardCharsets.ISO_8859_1).replace("\r", "\\r").replace("\n", "\\n").replace("\0", "\\0");
    }

    @Test
    void plainLinesAreReadByOneParserAsLineByLine() {
        for (String body : new String[] {P + "\n" + E + "\n", P + "\r\n" + E, "\n\n" + P + "\n  \t \n\r\n" + E + "\n\n", "  " + P + "  \r\n\t" + E + " \t"}) {
            assertThat(bodies.oneParser(body.getBytes(StandardCharsets.UTF_8))).as(body).isNotNull().hasSize(2);
            same(body);
        }
    }

    @Test
    void whatOneLineDoesNotHoldAsOneDocumentIsLeftToTheLines() {
        String[] odd = {
            P + " " + E + "\n",                 // two on a line
            P + "\r" + E + "\n",                // a carriage return is no line break
            "{\"type\":\"person\",\n\"id\":\"x\"}\n", // one over two lines
            "{\"type\":\"person\",\r\n\"id\":\"x\"}",
            P + "\n[1,2]\n",                    // not objects
            P + "\n\"text\"\n", P + "\n5\n", P + "\nnull\n", "7\n" + P,
            P + "\n" + P + " x\n",              // trailing junk
            P + "\n{\"a\":1,\"a\":2}\n",        // duplicate key
            P + "\n{\"a\":" + "1".repeat(101) + "}\n", // number too long
            P + "\n{\"a\":" + "[".repeat(20) + "]".repeat(20) + "}\n", // too deep
            P + "\n{\"a\":NaN}\n", P + "\n{\"a\":1,}\n", P + "\n{\"a\":01}\n", P + "\n{\"a\":\"\t\"}\n",
            P + "\n{\"a\":1}}\n", P + "\n{\"a\":1\n", "\uFEFF" + P + "\n", P + "\n\uFEFF" + P + "\n",
            P + "\n\u000B\n", P + "\n\u00A0\n", P + "\n\u2028\n", P + "\n\u001C\n", "\u3000\n" + P,
            P + "\n" + P + "\n" + P + "\n" + P + "\n" + P + "\n" + P + "\n", // six: past the batch's five
            P + "\n" + P + "\n" + P + "\n" + P + "\n" + P + "\n",              // five: within
            "", "\n\n  \n", "\r\n", "{}", "{} ", "{}\n{}", "{\"records\":[{\"type\":\"person\",\"id\":\"q\"}]}",
            "/* c */" + P, "# c\n" + P, P + "\n// c\n",
        };
        for (String body : odd) same(body);
    }

    @Test
    void zeroBytesAndBytesNotUtf8AreAnsweredAsLineByLine() {
        same(new byte[] {0, 0, 0, '{', '}', '\n'});
        same(new byte[] {'{', 0, '}', '\n'});
        same(new byte[] {'{', '}', 0, 0, '\n'});
        same(new byte[] {'{', '}', '\n', 0});
        same(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF, '{', '}', '\n'});
        same(new byte[] {'{', '"', (byte) 0x80, '"', ':', '1', '}'});
        same((P + "\n{\"id\":\"caf\u00e9\"}\n").getBytes(StandardCharsets.ISO_8859_1));
        same(new byte[] {'{', '"', (byte) 0xED, (byte) 0xA0, (byte) 0x80, '"', ':', '1', '}'}); // a surrogate in UTF-8
    }

    /** Random splices of the pieces above: whatever comes of them, the same answer. */
    @Test
    void randomBodiesGetTheLineByLineAnswer() {
        String[] pieces = {P, E, "\n", "\r\n", "\r", " ", "\t", "{", "}", "[1]", "\"x\"", "5", ",", "{\"a\":1}", "{\"a\":1.0e-3}",
            "\u2028", "\u00A0", "\u000B", "\0", "\uFEFF", "{\"a\":{\"b\":[true,false,null]}}"};
        Random random = new Random(7);
        for (int n = 0; n < 3000; n++) {
            StringBuilder b = new StringBuilder();
            for (int k = random.nextInt(8); k >= 0; k--) b.append(pieces[random.nextInt(pieces.length)]);
            same(b.toString());
        }
    }

    @Test
    void manyLinesAreManyRecords() {
        JsonBodies unlimited = new JsonBodies(IngestLimits.none());
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 2000; i++) lines.add("{\"type\":\"person\",\"id\":\"p-" + i + "\",\"attributes\":{\"x\":" + i + ".50}}");
        byte[] body = String.join("\n", lines).getBytes(StandardCharsets.UTF_8);
        List<JsonNode> fast = unlimited.oneParser(body);
        assertThat(fast).hasSize(2000);
        assertThat(fast.toString()).isEqualTo(unlimited.lineByLine(body).toString());
        assertThat(fast.get(3).get("attributes").get("x").decimalValue()).isEqualByComparingTo("3.50");
        assertThat(fast.get(3).get("attributes").get("x").decimalValue().scale()).isEqualTo(2);
    }
}
