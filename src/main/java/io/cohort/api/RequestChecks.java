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
 * </ul>
 */
public final class RequestChecks implements Filter {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> ENCODINGS = Set.of("gzip", "x-gzip", "identity");

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
        }
        chain.doFilter(req, res);
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
