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
}
