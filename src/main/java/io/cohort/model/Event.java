package io.cohort.model;

import java.time.Instant;
import java.util.Map;

/**
 * An experience event of a person (web visit, email open, form fill…). Only events inside the
 * configured retention window (engine.eventRetention, default 90 days) are facts.
 *
 * @param id        source-qualified id "source:id"
 * @param eventType XDM name, e.g. "web.webpagedetails.pageViews"
 * @param url       page URL, may be null
 */
public record Event(String id, String personId, String eventType, Instant timestamp, String url,
                    Map<String, String> attributes) implements Fact {

    public String key() { return "E:" + id; }

    /** True when the URL's path starts with the given prefix, e.g. urlPath("/products/new"). */
    public boolean pathStartsWith(String prefix) {
        String path = path();
        return path != null && path.startsWith(prefix);
    }

    /** The URL's path ("/products/new/x" for "https://bodea.com/products/new/x?a=1"), or null. */
    public String path() {
        if (url == null) return null;
        int scheme = url.indexOf("://");
        int start = scheme < 0 ? 0 : url.indexOf('/', scheme + 3);
        if (start < 0) return "/";
        int end = url.length();
        for (char c : new char[] {'?', '#'}) {
            int i = url.indexOf(c, start);
            if (i >= 0 && i < end) end = i;
        }
        return url.substring(start, end);
    }

    public String attr(String name) { return attributes.get(name); }
}
