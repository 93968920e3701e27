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

    public static String normalizeEmail(String email) {
        return email == null ? null : email.trim().toLowerCase(Locale.ROOT);
    }

    /** "https://www.Townsend.com/about", "@townsend.com", "Townsend.com" → "townsend.com"; "" for null. */
    public static String normalizeDomain(String s) {
        if (s == null) return "";
        String d = s.trim().toLowerCase(Locale.ROOT);
        d = d.replaceFirst("^[a-z][a-z0-9+.-]*://", "");
        if (d.startsWith("@")) d = d.substring(1);
        int slash = d.indexOf('/');
        if (slash >= 0) d = d.substring(0, slash);
        if (d.startsWith("www.")) d = d.substring(4);
        return d;
    }

    public static String personByEmail(String normalizedEmail) { return "p-" + hash("email:" + normalizedEmail); }

    public static String personByRef(SourceRef ref) { return "p-" + hash("ref:" + ref); }

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

    static String hash(String s) {
        byte[] d = SHA256.get().digest(s.getBytes(StandardCharsets.UTF_8)); // digest() also resets it
        return HexFormat.of().formatHex(d, 0, 8);
    }
}
