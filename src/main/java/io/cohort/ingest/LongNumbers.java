package io.cohort.ingest;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The one check of a JSON number's length, whichever way a record arrives: a push (the API's
 * bodies), the {@code import} command, a pulled vendor page. A number longer than
 * {@link #MAX_LENGTH} characters, as Jackson's {@code StreamReadConstraints} count them, is
 * refused: a push answers 400, an import rejects the line or file, a pull sets the item aside.
 * Before, a pull kept numbers of 101–1,000 characters as attribute text where a push refused them.
 *
 * <p>Jackson refuses such a number without saying where (the constraints throw, not the parser),
 * and its count has quirks (a leading "0" is not counted), so {@link #find} reads the document
 * again, tokens only (linear: numbers are never converted), and asks the same constraints about
 * each long literal.
 */
public final class LongNumbers {
    private LongNumbers() {}

    /** Numbers are read up to this many characters (the API's limit since it had one). */
    public static final int MAX_LENGTH = 100;

    /**
     * A number too long: its path from the document's root (names, indexes), where it starts (the
     * offset in chars of a text source, in bytes of a byte source; -1 for the other), its length
     * as Jackson counts it.
     */
    public record Found(List<Object> path, int line, int column, long charOffset, long byteOffset, int literalLength, int length) {
        /** The path from step {@code from} on, as the API names fields: "attributes.s[1]". */
        public String field(int from) {
            StringBuilder field = new StringBuilder();
            for (Object step : path.subList(Math.min(from, path.size()), path.size())) {
                if (step instanceof Integer i) field.append('[').append(i).append(']');
                else field.append(field.length() == 0 ? "" : ".").append(step);
            }
            return field.toString();
        }

        /** The index at step {@code at} of the path (a record's in {"records": […]}, an item's in result[…]), or -1. */
        public int index(int at) {
            return path.size() > at && path.get(at) instanceof Integer i ? i : -1;
        }

        public String message() { return refusal(length); }
    }

    /** What is wrong, the same words on every path. */
    public static String refusal(int length) {
        return "a number of " + (length > 0 ? length + " " : "more than " + MAX_LENGTH + " ")
                + "characters: numbers are read up to " + MAX_LENGTH + " characters; send a value that long as a JSON string";
    }

    /** {@code base} with the number limit; the other limits as they are. */
    public static StreamReadConstraints limited(StreamReadConstraints base) {
        return base.rebuild().maxNumberLength(MAX_LENGTH).build();
    }

    /** Opens a parser over the document with the factory given (the same bytes or text each time). */
    @FunctionalInterface
    public interface Source {
        JsonParser open(JsonFactory f) throws IOException;
    }

    /**
     * The numbers too long in a document, in order, at most {@code max}; those before where the
     * document stops being JSON. {@code like}'s limits apply but for the number length.
     */
    public static List<Found> find(JsonFactory like, Source doc, int max) {
        StreamReadConstraints c = like.streamReadConstraints();
        JsonFactory scan = JsonFactory.builder()
                .streamReadConstraints(c.rebuild().maxNumberLength(Integer.MAX_VALUE).build()).build();
        JsonFactory check = JsonFactory.builder().streamReadConstraints(limited(c)).build();
        List<Found> out = new ArrayList<>();
        try (JsonParser p = doc.open(scan)) {
            for (JsonToken t; out.size() < max && (t = p.nextToken()) != null; ) {
                if (!t.isNumeric() || p.getTextLength() <= MAX_LENGTH) continue; // its count is at most the literal's length
                int length = refusedLength(check, p.getText());
                if (length < 0) continue;
                List<Object> path = new ArrayList<>();
                for (JsonStreamContext x = p.getParsingContext(); x != null && !x.inRoot(); x = x.getParent()) {
                    path.add(0, x.inArray() ? (Object) Math.max(0, x.getCurrentIndex()) : x.getCurrentName());
                }
                var at = p.currentTokenLocation();
                out.add(new Found(List.copyOf(path), at.getLineNr(), at.getColumnNr(), at.getCharOffset(), at.getByteOffset(),
                        p.getTextLength(), length));
            }
        } catch (IOException e) {
            // the document ends being JSON here: what was found before it stands
        }
        return out;
    }

    /** The first number too long in a document ({@link #find}), or null when there is none. */
    public static Found first(JsonFactory like, Source doc) {
        List<Found> found = find(like, doc, 1);
        return found.isEmpty() ? null : found.get(0);
    }

    /** Jackson's "Number value length (150) exceeds…": the length as it counts it. */
    private static final java.util.regex.Pattern LENGTH_IN_MESSAGE = java.util.regex.Pattern.compile("\\((\\d+)\\)");

    /** The length Jackson's limit refuses {@code literal} for, or -1 when it takes it. */
    private static int refusedLength(JsonFactory check, String literal) {
        try (JsonParser p = check.createParser("[" + literal + "]")) { // in an array: a root number is checked differently
            while (p.nextToken() != null) { /* to the end */ }
            return -1;
        } catch (StreamConstraintsException e) {
            if (!JsonNumbers.isTooLong(e)) return -1;
            var m = LENGTH_IN_MESSAGE.matcher(String.valueOf(e.getOriginalMessage()));
            return m.find() ? Integer.parseInt(m.group(1)) : 0;
        } catch (IOException e) {
            return -1;
        }
    }

    /**
     * A number too long in a vendor's page, kept in its tree as the text of its digits
     * ({@link JsonNumbers#readPage}): whatever reads it as text reads what it read before; the
     * pull sets its item aside ({@link #in}).
     */
    public static final class Node extends TextNode {
        private final int length;

        Node(String digits, int length) {
            super(digits);
            this.length = length;
        }

        public int length() { return length; }
    }

    /** A number too long inside an item: its field in the item and the refusal. */
    public record Inside(String field, String message) {}

    /** The numbers too long in {@code item} (a vendor item of a page read by {@link JsonNumbers#readPage}). */
    public static List<Inside> in(JsonNode item) {
        List<Inside> out = new ArrayList<>();
        collect(item, "", out);
        return out;
    }

    private static void collect(JsonNode n, String field, List<Inside> out) {
        if (n instanceof Node long_) {
            out.add(new Inside(field, refusal(long_.length())));
        } else if (n.isObject()) {
            n.fields().forEachRemaining(e -> collect(e.getValue(), field.isEmpty() ? e.getKey() : field + "." + e.getKey(), out));
        } else if (n.isArray()) {
            for (int i = 0; i < n.size(); i++) collect(n.get(i), field + "[" + i + "]", out);
        }
    }

    /** Puts a {@link Node} where {@code f} is in {@code root} (a tree in which it was read as text). */
    static void mark(JsonNode root, Found f) {
        JsonNode parent = root;
        for (Object step : f.path().subList(0, f.path().size() - 1)) {
            parent = step instanceof Integer i ? parent.path(i) : parent.path((String) step);
        }
        Object last = f.path().isEmpty() ? null : f.path().get(f.path().size() - 1);
        JsonNode value = last instanceof Integer i ? parent.path(i) : last == null ? null : parent.path((String) last);
        if (value == null || !value.isTextual()) return;
        Node node = new Node(value.asText(), f.length());
        if (parent instanceof com.fasterxml.jackson.databind.node.ObjectNode o && last instanceof String name) o.set(name, node);
        else if (parent instanceof com.fasterxml.jackson.databind.node.ArrayNode a && last instanceof Integer i) a.set(i, node);
    }
}
