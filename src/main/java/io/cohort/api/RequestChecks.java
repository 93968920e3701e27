package io.cohort.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.cohort.api.error.ApiError;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.Map;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Set;

/**
 * Refusals that apply to every API request, before authentication and routing:
 * <ul>
 *   <li>a token in the query string ({@code ?access_token=}, which Dropwizard's OAuth filter
 *   would accept): 401 telling the caller to use the {@code Authorization: Bearer} header. URLs
 *   end up in access logs, proxies and browser history; {@link QueryTokenRedaction} keeps it out
 *   of ours.</li>
 *   <li>a {@code Content-Encoding} other than gzip (which Jetty inflates) or identity: 415.</li>
 *   <li>a method Dropwizard's AllowedMethodsFilter would refuse (TRACE, unknown ones): its 405
 *   had no body and no Allow; here it is the JSON 405 with Allow that Jersey gives for PUT.</li>
 *   <li>a Content-Type or Accept header that is not a media type: 400 naming the header (Jetty or
 *   Jersey answered an HTML page, a body without "code", or nothing).</li>
 *   <li>a path parameter ({@code /v1/sources/crm-1;x=1/records}): 400. Jersey drops it silently,
 *   so the request was served as if it were not there.</li>
 *   <li>a gzip body too short to be gzip: 400. Jetty inflates it to nothing, which read as "empty".</li>
 *   <li>a Content-Length over {@code ingest.maxBodyBytes}: 413, as {@link JsonBodies} answers a body it
 *   counts past the limit. Decided here, on the header, because the first
 *   {@code getInputStream()} (Jersey's, for the resource) makes Jetty send {@code 100 Continue}: a
 *   client that waits for it was invited to upload a body refused anyway. A refusal of these
 *   filters reads nothing, so none of them invites the body ({@link UnreadBodies} then closes the
 *   connection). A gzip body's limit is on its inflated bytes and a chunked body declares no
 *   length: those are still counted while read.</li>
 * </ul>
 */
public final class RequestChecks implements Filter {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** What is inflated (Jetty's GzipHandler and GzipIntegrity know "gzip" alone: "x-gzip" reached JSON parsing still packed). */
    private static final Set<String> ENCODINGS = Set.of("gzip", "identity");
    /** Header, magic, flags, an empty deflate block and the trailer: no gzip stream is shorter. */
    private static final int SHORTEST_GZIP = 20;
    private static final java.util.regex.Pattern PATH_PARAMETER = java.util.regex.Pattern.compile(";[^/]*");
    private final Set<String> allowedMethods;
    private final long maxBodyBytes;

    /**
     * @param allowedMethods the application port's {@code server.allowedMethods}
     * @param maxBodyBytes {@code ingest.maxBodyBytes}, the most any endpoint reads of a body
     */
    public RequestChecks(Set<String> allowedMethods, long maxBodyBytes) {
        this.allowedMethods = Set.copyOf(allowedMethods);
        this.maxBodyBytes = maxBodyBytes;
    }

    @Override
    public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain) throws IOException, ServletException {
        if (req instanceof HttpServletRequest http && res instanceof HttpServletResponse out) {
            if (tokenInQuery(http.getQueryString())) {
                out.setHeader("WWW-Authenticate", "Bearer realm=\"cohort\"");
                refuse(out, 401, "an API token is accepted only in the header 'Authorization: Bearer <token>', never in the "
                        + "query string (access_token): URLs are kept in logs, proxies and browser histories. This request was "
                        + "not served; if that token is real, consider it exposed and replace it");
                return;
            }
            String encoding = http.getHeader("Content-Encoding");
            if (encoding != null && !encoding.isBlank() && !ENCODINGS.contains(encoding.trim().toLowerCase(Locale.ROOT))) {
                refuse(out, 415, "Content-Encoding '" + abbreviate(encoding) + "' is not supported; send gzip or no Content-Encoding");
                return;
            }
            String problem = pathParameters(http.getRequestURI());
            if (problem == null) problem = mediaType(http, "Content-Type", false);
            if (problem == null) problem = mediaType(http, "Accept", true);
            if (problem == null) problem = truncatedGzip(http);
            if (problem != null) {
                refuse(out, 400, problem);
                return;
            }
            // Jetty's gzip inflation hides Content-Length (-1 then): the inflated bytes are counted as read.
            if (http.getContentLengthLong() > maxBodyBytes) {
                refuse(out, 413, JsonBodies.tooLarge(maxBodyBytes));
                return;
            }
            if (!allowedMethods.contains(http.getMethod())) {
                notAllowed(http, out, chain);
                return;
            }
        }
        chain.doFilter(req, res);
    }

    /** Jersey reads {@code /a;x=1/b} as {@code /a/b}: a parameter the API never reads must not go unnoticed. */
    private static String pathParameters(String rawPath) {
        if (rawPath == null || rawPath.indexOf(';') < 0) return null;
        java.util.List<String> params = new java.util.ArrayList<>();
        java.util.regex.Matcher m = PATH_PARAMETER.matcher(rawPath);
        while (m.find()) params.add("'" + abbreviate(m.group()) + "'");
        return "the path holds path parameters (" + String.join(", ", params) + "), which this API does not read: "
                + abbreviate(rawPath) + "; remove them (a ';' inside an id is sent as %3B)";
    }

    /** Each value of the header (each element of a list, for Accept) must parse as a media type, as Jersey will parse it. */
    private static String mediaType(HttpServletRequest http, String header, boolean list) {
        for (String value : java.util.Collections.list(http.getHeaders(header))) {
            for (String part : list ? value.split(",") : new String[] {value}) {
                if (part.isBlank() || (list && part.strip().equals("*"))) continue;
                try {
                    jakarta.ws.rs.core.MediaType.valueOf(part.strip());
                } catch (IllegalArgumentException e) {
                    return "header " + header + " '" + abbreviate(value) + "' is not a media type (type/subtype;parameter=value"
                            + (list ? ", in a comma-separated list" : "") + ")";
                }
            }
        }
        return null;
    }

    /**
     * Jetty inflates a gzip body while it is read (and then names the body's raw length
     * X-Content-Length); a body cut inside the gzip header inflates to nothing, read as empty.
     */
    private static String truncatedGzip(HttpServletRequest http) {
        String length = http.getHeader("X-Content-Length");
        if (!"gzip".equalsIgnoreCase(http.getHeader("X-Content-Encoding")) || length == null) return null;
        try {
            long n = Long.parseLong(length.strip());
            if (n <= 0 || n >= SHORTEST_GZIP) return null;
            return "request body is not valid gzip (Content-Encoding: gzip): its " + n + " bytes are shorter than any complete "
                    + "gzip stream (" + SHORTEST_GZIP + " bytes), so the gzip data is truncated; send the whole compressed body";
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /**
     * A JSON 405 with the path's Allow, for a method Dropwizard refuses before Jersey. Which methods
     * the path serves is asked of Jersey as an OPTIONS request would ask it; nothing of that answer
     * is sent. A path Jersey does not know is a 404, as for any method.
     */
    private void notAllowed(HttpServletRequest http, HttpServletResponse out, FilterChain chain) throws IOException, ServletException {
        AllowProbe probe = new AllowProbe(out);
        chain.doFilter(new jakarta.servlet.http.HttpServletRequestWrapper(http) {
            @Override public String getMethod() { return "OPTIONS"; }
        }, probe);
        String path = http.getRequestURI();
        if (probe.status == 404 || probe.allow == null) {
            refuse(out, 404, "no such endpoint: " + abbreviate(http.getMethod()) + " " + abbreviate(path) + " (see docs/api.md)");
            return;
        }
        java.util.Set<String> allowed = new java.util.TreeSet<>();
        for (String m : probe.allow.split(",")) if (allowedMethods.contains(m.strip())) allowed.add(m.strip());
        out.setHeader("Allow", String.join(", ", allowed));
        refuse(out, 405, FrameworkErrors.notAllowed(abbreviate(http.getMethod()), abbreviate(path), allowed));
    }

    /** The response of the OPTIONS probe: keeps its status and Allow header, drops everything else. */
    private static final class AllowProbe extends jakarta.servlet.http.HttpServletResponseWrapper {
        int status = 200;
        String allow;

        AllowProbe(HttpServletResponse response) { super(response); }

        private void header(String name, String value) { if ("Allow".equalsIgnoreCase(name)) allow = value; }

        @Override public void setHeader(String name, String value) { header(name, value); }
        @Override public void addHeader(String name, String value) { header(name, value); }
        @Override public void setIntHeader(String name, int value) {}
        @Override public void addIntHeader(String name, int value) {}
        @Override public void setDateHeader(String name, long date) {}
        @Override public void addDateHeader(String name, long date) {}
        @Override public boolean containsHeader(String name) { return "Allow".equalsIgnoreCase(name) && allow != null; }
        @Override public String getHeader(String name) { return "Allow".equalsIgnoreCase(name) ? allow : null; }
        @Override public java.util.Collection<String> getHeaderNames() { return allow == null ? Set.of() : Set.of("Allow"); }
        @Override public java.util.Collection<String> getHeaders(String name) {
            return allow != null && "Allow".equalsIgnoreCase(name) ? Set.of(allow) : Set.of();
        }
        @Override public void setStatus(int sc) { status = sc; }
        @Override public int getStatus() { return status; }
        @Override public void sendError(int sc, String msg) { status = sc; }
        @Override public void sendError(int sc) { status = sc; }
        @Override public void sendRedirect(String location) { status = 302; }
        @Override public void setContentType(String type) {}
        @Override public String getContentType() { return null; }
        @Override public void setContentLength(int len) {}
        @Override public void setContentLengthLong(long len) {}
        @Override public void setCharacterEncoding(String charset) {}
        @Override public void setLocale(java.util.Locale loc) {}
        @Override public void setBufferSize(int size) {}
        @Override public void flushBuffer() {}
        @Override public void reset() { status = 200; allow = null; }
        @Override public void resetBuffer() {}
        @Override public boolean isCommitted() { return false; }
        @Override public void setTrailerFields(java.util.function.Supplier<Map<String, String>> supplier) {}
        @Override public PrintWriter getWriter() { return new PrintWriter(java.io.OutputStream.nullOutputStream()); }
        @Override public jakarta.servlet.ServletOutputStream getOutputStream() {
            return new jakarta.servlet.ServletOutputStream() {
                @Override public boolean isReady() { return true; }
                @Override public void setWriteListener(jakarta.servlet.WriteListener listener) {}
                @Override public void write(int b) {}
                @Override public void write(byte[] b, int off, int len) {}
            };
        }
    }

    private static boolean tokenInQuery(String query) {
        if (query == null || query.isEmpty()) return false;
        for (String part : query.split("&")) {
            int eq = part.indexOf('=');
            String name = eq < 0 ? part : part.substring(0, eq);
            try {
                name = java.net.URLDecoder.decode(name, StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                // not decodable: compared as sent
            }
            if (name.trim().equalsIgnoreCase("access_token")) return true;
        }
        return false;
    }

    private static void refuse(HttpServletResponse out, int status, String message) throws IOException {
        out.setStatus(status);
        out.setContentType("application/json");
        out.getOutputStream().write(JSON.writeValueAsBytes(new ApiError(status, message)));
    }

    private static String abbreviate(String s) {
        return s.length() <= 60 ? s : s.substring(0, 57) + "...";
    }
}
