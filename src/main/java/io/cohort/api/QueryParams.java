package io.cohort.api;

import io.cohort.api.error.ApiException;

/**
 * Query parameters the resources read themselves. JAX-RS reads a number parameter whose value
 * trim() empties ({@code limit=%00}, {@code %20}, {@code %09}, {@code limit=}) as absent and
 * silently uses the default; found by the hostile-input campaign. A value of whitespace, or one
 * holding control characters, is a 400 naming the parameter. An empty one ({@code after=}) stays
 * "absent": clients ask for a first page that way (a cursor they have not got yet).
 */
public final class QueryParams {
    private QueryParams() {}

    /** The value as sent, or null when absent or empty. */
    public static String text(String name, String value) {
        if (value == null || value.isEmpty()) return null;
        if (value.isBlank() || value.chars().anyMatch(Character::isISOControl)) {
            throw ApiException.badRequest("query parameter '" + name + "' is blank or holds control characters ('" + shown(value)
                    + "'); give a value or leave the parameter out");
        }
        return value;
    }

    /** A whole number from min to max, or {@code absent} when the parameter is not in the query. */
    public static int whole(String name, String value, int absent, int min, int max) {
        if (text(name, value) == null) return absent;
        try {
            int n = Integer.parseInt(value.strip());
            if (n >= min && n <= max) return n;
        } catch (NumberFormatException e) {
            // refused below
        }
        throw ApiException.badRequest("query parameter '" + name + "' must be a whole number from " + min + " to " + max
                + "; got '" + shown(value) + "'");
    }

    /** A paging cursor (a number returned as {@code next}), or {@code absent} when the parameter is not in the query. */
    public static long cursor(String name, String value, long absent) {
        if (text(name, value) == null) return absent;
        try {
            return Long.parseLong(value.strip());
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("query parameter '" + name + "' must be a cursor returned as 'next' (a number); got '"
                    + shown(value) + "'");
        }
    }

    /** The value for a message: control characters as \\uXXXX, at most 60 characters. */
    static String shown(String value) {
        StringBuilder b = new StringBuilder();
        value.codePoints().limit(60).forEach(c -> {
            if (Character.isISOControl(c)) b.append(String.format("\\u%04x", c));
            else b.appendCodePoint(c);
        });
        return value.codePointCount(0, value.length()) > 60 ? b + "..." : b.toString();
    }
}
