package io.cohort.model;

import java.time.Instant;
import java.util.Map;

/**
 * One experience event of a person (web visit, email open, form fill…), as read from their
 * {@link Activity}. Not a fact of its own: rules ask the person's Activity.
 *
 * @param source    the source that sent it, e.g. "marketo-1"
 * @param eventType XDM name, e.g. "web.webpagedetails.pageViews"
 * @param url       page URL, may be null
 */
@Describe("One event of a person, read from their Activity (from $activity.events)")
public record Event(@Describe("the source that sent it, marketo-1") String source,
                    @Describe("the unified person") String personId,
                    @Describe("XDM event type: web.webpagedetails.pageViews") String eventType,
                    @Describe("when it happened, to the millisecond") Instant timestamp,
                    @Describe("page URL, may be null") String url,
                    @Describe("free-form event fields: attr(\"form\")") Map<String, String> attributes) {

    /** True when the URL's path starts with the given prefix, e.g. pathStartsWith("/products/new"). */
    @Helper("whether the URL's path starts with the prefix")
    public boolean pathStartsWith(String prefix) { return pathStartsWith(url, prefix); }

    /** The URL's path ("/products/new/x" for "https://bodea.com/products/new/x?a=1"), or null. */
    @Helper("the URL's path, or null")
    public String path() {
        if (url == null) return null;
        int start = pathStart(url);
        if (start < 0) return "/";
        int end = url.length();
        for (char c : new char[] {'?', '#'}) {
            int i = url.indexOf(c, start);
            if (i >= 0 && i < end) end = i;
        }
        return url.substring(start, end);
    }

    @Helper("the attribute of that name, or null")
    public String attr(String name) { return attributes.get(name); }

    /** {@code path(url).startsWith(prefix)} without making the path string (rules call it per event). */
    static boolean pathStartsWith(String url, String prefix) {
        if (url == null || prefix == null) return false;
        int start = pathStart(url);
        if (start < 0) return prefix.isEmpty() || prefix.equals("/");
        // The path ends at '?' or '#': a prefix holding either can never match it.
        if (prefix.indexOf('?') >= 0 || prefix.indexOf('#') >= 0) return false;
        return url.startsWith(prefix, start);
    }

    /** Index where the path begins, or -1 for a URL with a host and no path ("https://a.com"). */
    private static int pathStart(String url) {
        int scheme = url.indexOf("://");
        return scheme < 0 ? 0 : url.indexOf('/', scheme + 3);
    }
}
