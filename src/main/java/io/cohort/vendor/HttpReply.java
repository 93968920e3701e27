package io.cohort.vendor;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/** One answer of a vendor API: status, headers (names lower-cased) and the body as text ("" when none). */
public record HttpReply(int status, Map<String, List<String>> headers, String body) {

    /** The first value of a header, looked up case-insensitively. */
    public Optional<String> header(String name) {
        List<String> v = headers.get(name.toLowerCase(java.util.Locale.ROOT));
        return v == null || v.isEmpty() ? Optional.empty() : Optional.of(v.get(0));
    }

    /**
     * For an error message: where a 3xx answer pointed, or "". Redirects are not followed
     * ({@link VendorHttp}): a vendor API does not redirect its calls, so the configured URL is
     * wrong (an old host, a proxy's login page) and the operator must set the right one.
     */
    public String redirectNote() {
        if (status < 300 || status >= 400) return "";
        String location = header("Location").orElse("").replaceAll("\\p{Cntrl}", "?");
        if (location.length() > 200) location = location.substring(0, 200) + "…";
        return " (a redirect to '" + location + "', which is not followed: check the configured URL)";
    }
}
