package io.cohort.ingest.salesforce;

/**
 * The one form of a Salesforce record id. Salesforce writes each id two ways: 15 characters, case
 * sensitive (the user interface, its URLs, reports and their exports), and 18 characters, the same
 * 15 and three that encode their letters' case (the API, Data Loader), so that a system ignoring
 * case still tells ids apart. An MDM export or a spreadsheet naming an account by its 15 characters
 * joined nothing the API had sent. The 18-character form is the one kept: what the API sends, and
 * so what the store already holds.
 */
public final class SalesforceIds {
    private static final String SUFFIX = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345";

    private SalesforceIds() {}

    /**
     * {@code id} in 18 characters: a 15-character id with its suffix; an 18-character one with its
     * suffix in capitals, and its letters' case restored from the suffix when a system had turned
     * them all to one case. Anything else, including 18 characters whose suffix does not fit
     * them, is returned as it is: not a Salesforce id, or none we can tell the form of.
     */
    public static String canonical(String id) {
        if (id == null || !(id.length() == 15 || id.length() == 18) || !alphanumeric(id)) return id;
        String head = id.substring(0, 15);
        if (id.length() == 15) return head + suffix(head);
        String tail = id.substring(15).toUpperCase(java.util.Locale.ROOT);
        if (tail.chars().anyMatch(c -> SUFFIX.indexOf(c) < 0)) return id;
        if (suffix(head).equals(tail)) return head + tail;
        boolean oneCase = head.equals(head.toLowerCase(java.util.Locale.ROOT)) || head.equals(head.toUpperCase(java.util.Locale.ROOT));
        if (!oneCase) return id;
        StringBuilder restored = new StringBuilder(15);
        for (int i = 0; i < 15; i++) {
            char c = head.charAt(i);
            boolean upper = (SUFFIX.indexOf(tail.charAt(i / 5)) & (1 << (i % 5))) != 0;
            if (upper && !Character.isLetter(c)) return id; // the suffix says a digit is a capital: not this id's suffix
            restored.append(upper ? Character.toUpperCase(c) : Character.toLowerCase(c));
        }
        return suffix(restored.toString()).equals(tail) ? restored + tail : id;
    }

    /** Each five characters' capitals (A–Z) as five bits, least significant first, one character of SUFFIX. */
    private static String suffix(String head) {
        char[] out = new char[3];
        for (int chunk = 0; chunk < 3; chunk++) {
            int bits = 0;
            for (int i = 0; i < 5; i++) {
                char c = head.charAt(chunk * 5 + i);
                if (c >= 'A' && c <= 'Z') bits |= 1 << i;
            }
            out[chunk] = SUFFIX.charAt(bits);
        }
        return new String(out);
    }

    private static boolean alphanumeric(String id) {
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z')) return false;
        }
        return true;
    }
}
