package io.cohort.record;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A record's key within (source, type), as stored and as the read endpoint takes it. A type with
 * one key field uses the value as it is. A type with several joins them with '|', each component
 * written with '\' and '|' escaped by a '\': {@code accountPerson {accountId:"KC-A|KC-B",
 * personId:"KC-C"}} is {@code KC-A\|KC-B|KC-C}, while {@code {accountId:"KC-A",
 * personId:"KC-B|KC-C"}} is {@code KC-A|KC-B\|KC-C}. Joining without escapes made those one key,
 * so one record silently replaced (and a delete removed) the other. A key whose components hold
 * neither character is byte for byte what it was before, so stored data rarely needs rewriting.
 */
public final class RecordKey {
    /** Longest id a key field or a reference may have: two escaped ids (2 × 2 × 255 + 1) fit the 1,024-character key column. */
    public static final int MAX_ID_LENGTH = 255;
    /** The store's key column. */
    public static final int MAX_KEY_LENGTH = 1_024;
    /**
     * The most UTF-8 bytes a derived key ({@link #linkId}) may have. PostgreSQL's primary-key index
     * takes at most 2,704 bytes per row (source, type and key together); 1,024 characters of CJK
     * ids are ~3,000 bytes, and such a link was refused with a 500 there (H2, counting characters,
     * took it). Explicit keys are at most 2 x 2 x 255 + 1 characters whose UTF-8 form, escapes
     * being one byte each, is at most ~1,600 bytes.
     */
    public static final int MAX_KEY_BYTES = 2_000;

    private RecordKey() {}

    /** The key of the given key field values, in the order of {@link RecordType#keyFields()}. */
    public static String of(String... components) {
        if (components.length == 1) return components[0];
        int length = components.length;
        for (String c : components) length += c.length();
        StringBuilder b = new StringBuilder(length); // escapes aside, the key's exact length: no regrowth
        for (int i = 0; i < components.length; i++) {
            if (i > 0) b.append('|');
            escape(components[i], '|', b);
        }
        return b.toString();
    }

    /**
     * The key field values of a key of a type with {@code parts} key fields; empty when the key is
     * not of that form (a stray '\' at the end, too few or too many unescaped '|').
     */
    public static Optional<List<String>> parse(String key, int parts) {
        if (parts == 1) return Optional.of(List.of(key));
        List<String> out = new ArrayList<>(parts);
        StringBuilder cur = new StringBuilder();
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (c == '\\') {
                if (++i == key.length()) return Optional.empty();
                cur.append(key.charAt(i));
            } else if (c == '|') {
                out.add(cur.toString());
                cur.setLength(0);
            } else {
                cur.append(c);
            }
        }
        out.add(cur.toString());
        return out.size() == parts ? Optional.of(List.copyOf(out)) : Optional.empty();
    }

    /**
     * The id of an MDM link sent without one: its sorted members "source:id" joined by '+', ids
     * escaped like key components ('\' and '+'), so two different member lists never get one
     * id. Sources are configured ids without ':' or '+'. A list too long for the key column
     * ({@link #MAX_KEY_LENGTH} characters, or {@link #MAX_KEY_BYTES} bytes of UTF-8) is named by
     * the SHA-256 of that text instead.
     */
    public static String linkId(List<SourceRef> members) {
        StringBuilder b = new StringBuilder();
        for (SourceRef r : members.stream().sorted().toList()) {
            if (b.length() > 0) b.append('+');
            b.append(r.source()).append(':');
            escape(r.id(), '+', b);
        }
        // Ids hold no lone surrogates (refused at ingestion), which encodedLength would throw on.
        if (b.length() <= MAX_KEY_LENGTH && com.google.common.base.Utf8.encodedLength(b) <= MAX_KEY_BYTES) return b.toString();
        try {
            byte[] d = java.security.MessageDigest.getInstance("SHA-256").digest(b.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return "sha256:" + java.util.HexFormat.of().formatHex(d);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Appends {@code s} with '\' and {@code separator} escaped by '\'. */
    static void escape(String s, char separator, StringBuilder to) {
        if (s.indexOf('\\') < 0 && s.indexOf(separator) < 0) {
            to.append(s);
            return;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' || c == separator) to.append('\\');
            to.append(c);
        }
    }
}
