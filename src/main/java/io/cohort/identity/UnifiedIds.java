package io.cohort.identity;

import io.cohort.record.SourceRef;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;

/**
 * Unified ids are derived from data, not handed out: a person's id from the normalized email, an
 * account's or opportunity's from its smallest member record. So they are the same after a
 * restart, whatever the arrival order, and unrelated merges never change them.
 */
public final class UnifiedIds {
    private UnifiedIds() {}

    private static final java.util.regex.Pattern SCHEME = java.util.regex.Pattern.compile("^[a-z][a-z0-9+.-]*://");

    public static String normalizeEmail(String email) {
        return email == null ? null : email.trim().toLowerCase(Locale.ROOT);
    }

    /** "https://www.Townsend.com/about", "@townsend.com", "Townsend.com" → "townsend.com"; "" for null. */
    public static String normalizeDomain(String s) {
        if (s == null) return "";
        String d = s.trim().toLowerCase(Locale.ROOT);
        // Most values have no scheme: the pattern (compiled once) only runs when "://" is there at all.
        if (d.contains("://")) d = SCHEME.matcher(d).replaceFirst("");
        if (d.startsWith("@")) d = d.substring(1);
        int slash = d.indexOf('/');
        if (slash >= 0) d = d.substring(0, slash);
        if (d.startsWith("www.")) d = d.substring(4);
        return d;
    }

    public static String personByEmail(String normalizedEmail) { return personId(personKeyByEmail(normalizedEmail)); }

    public static String personByRef(SourceRef ref) { return personId(personKeyByRef(ref)); }

    /**
     * A person id's 64 bits ("p-" and 16 lowercase hex digits are those bits): the graph keys
     * people by this number, so that it holds no id string per person and finds one without
     * comparing strings.
     */
    public static long personKeyByEmail(String normalizedEmail) { return key("email:" + normalizedEmail); }

    public static long personKeyByRef(SourceRef ref) { return key("ref:" + ref); }

    /** The person id of a key: "p-" and the key's 16 hex digits. */
    public static String personId(long key) { return "p-" + HexFormat.of().toHexDigits(key); }

    /**
     * Whether {@code id} is written as {@link #personId} writes ids ("p-" and 16 lowercase hex
     * digits): only those have a key. Anything else (an id typed by hand, another kind) is no
     * person's, and upper case must not find the lower-case id.
     */
    public static boolean isPersonId(String id) {
        if (id == null || id.length() != 18 || id.charAt(0) != 'p' || id.charAt(1) != '-') return false;
        for (int i = 2; i < 18; i++) {
            char c = id.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) return false;
        }
        return true;
    }

    /**
     * The key of a person id; only for ids {@link #isPersonId} accepts (it also takes upper case).
     * HexFormat's decoder, ~18 ns; {@code Long.parseUnsignedLong} was ~100 ns, and a rule edit
     * looks people up by id millions of times.
     */
    public static long personKey(String id) { return HexFormat.fromHexDigitsToLong(id, 2, 18); }

    public static String account(SourceRef smallestMember) { return "a-" + hash(smallestMember.toString()); }

    public static String opportunity(SourceRef smallestMember) { return "o-" + hash(smallestMember.toString()); }

    /** A digest per thread: looking one up from the providers cost more than hashing a short id. */
    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    });

    static String hash(String s) { return HexFormat.of().toHexDigits(key(s)); }

    /** The first 8 bytes of the text's SHA-256, big-endian (what {@link #hash} writes in hex). */
    private static long key(String s) {
        byte[] d = SHA256.get().digest(s.getBytes(StandardCharsets.UTF_8)); // digest() also resets it
        long k = 0;
        for (int i = 0; i < 8; i++) k = k << 8 | (d[i] & 0xff);
        return k;
    }
}
