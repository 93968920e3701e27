package io.cohort.destination.fake;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** One request a fake server received, for exact assertions. Header names are lower-case. */
public record RecordedRequest(String method, String path, String rawQuery, Map<String, List<String>> headers,
                              String body, int status) {

    public String header(String name) {
        List<String> v = headers.get(name.toLowerCase());
        return v == null || v.isEmpty() ? null : v.get(0);
    }

    /** Decoded values of a query parameter, in order. */
    public List<String> query(String name) {
        List<String> out = new ArrayList<>();
        if (rawQuery == null) return out;
        for (String pair : rawQuery.split("&")) {
            int eq = pair.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            if (k.equals(name)) out.add(eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
        }
        return out;
    }

    @Override public String toString() { return method + " " + path + (rawQuery == null ? "" : "?" + rawQuery) + " -> " + status; }
}
