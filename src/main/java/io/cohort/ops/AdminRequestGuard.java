package io.cohort.ops;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.cohort.api.error.ApiError;
import io.dropwizard.core.server.DefaultServerFactory;
import io.dropwizard.core.server.ServerFactory;
import io.dropwizard.core.server.SimpleServerFactory;
import io.dropwizard.jetty.ConnectorFactory;
import io.dropwizard.jetty.HttpConnectorFactory;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The admin port has no authentication; it relies on being reachable only from the host. A web
 * page opened in a browser on that host can still reach it: a cross-origin {@code text/plain} POST
 * is a "simple" request that browsers send without asking, and a DNS name of the attacker's that
 * resolves to 127.0.0.1 (DNS rebinding) makes it look same-origin. So every admin request other
 * than a read ({@code GET}/{@code HEAD} of health checks, ping, metrics, threads) must:
 * <ol>
 *   <li>be a {@code POST} to a task, carrying the header {@value #HEADER}{@code : 1}. A browser
 *   cannot add a custom header to a cross-origin request without a CORS preflight, which this port
 *   never grants;</li>
 *   <li>carry no {@code Origin} header and no {@code Sec-Fetch-Site: cross-site|same-site}: those
 *   come from browsers, never from curl or scripts;</li>
 *   <li>name in {@code Host} a loopback name ({@code localhost}), an IP address, or the admin
 *   connector's configured {@code bindHost}: a rebinding attack's Host is the attacker's name.</li>
 * </ol>
 * Refusals are JSON (403, or 405 for a method other than POST) and run nothing.
 */
public final class AdminRequestGuard implements Filter {
    public static final String HEADER = "X-Cohort-Admin";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
    private static final Set<String> READS = Set.of("GET", "HEAD");

    private final Set<String> allowedHosts;

    /** @param extraHosts host names accepted besides loopback names and IP addresses (the configured bind hosts) */
    public AdminRequestGuard(Set<String> extraHosts) {
        Set<String> hosts = new TreeSet<>(List.of("localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"));
        extraHosts.stream().filter(h -> h != null && !h.isBlank()).map(h -> h.trim().toLowerCase(Locale.ROOT)).forEach(hosts::add);
        this.allowedHosts = Set.copyOf(hosts);
    }

    /** The admin connectors' {@code bindHost}s of the server configuration. */
    public static Set<String> bindHosts(ServerFactory server) {
        List<ConnectorFactory> connectors = new ArrayList<>();
        if (server instanceof DefaultServerFactory d) connectors.addAll(d.getAdminConnectors());
        if (server instanceof SimpleServerFactory s) connectors.add(s.getConnector());
        Set<String> out = new TreeSet<>();
        for (ConnectorFactory c : connectors) {
            if (c instanceof HttpConnectorFactory h && h.getBindHost() != null) out.add(h.getBindHost());
        }
        return out;
    }

    @Override
    public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain) throws IOException, ServletException {
        if (!(req instanceof HttpServletRequest http) || !(res instanceof HttpServletResponse out)) {
            chain.doFilter(req, res);
            return;
        }
        String path = path(http);
        boolean task = path.startsWith("/tasks");
        if (!task && READS.contains(http.getMethod())) {
            chain.doFilter(req, res);
            return;
        }
        String refusal = refusal(http, task);
        if (refusal == null) {
            chain.doFilter(req, res);
            return;
        }
        int status = refusal.startsWith("method") ? 405 : 403;
        if (status == 405) out.setHeader("Allow", "POST");
        refuse(out, status, refusal);
    }

    /** A JSON refusal of the admin port ({@link ApiError}), for this guard and {@link TaskParameters}. */
    static void refuse(HttpServletResponse out, int status, String message) throws IOException {
        refuse(out, status, message, java.util.List.of());
    }

    /** As {@link #refuse(HttpServletResponse, int, String)}, with the reasons one by one. */
    static void refuse(HttpServletResponse out, int status, String message, java.util.List<io.cohort.record.FieldError> errors)
            throws IOException {
        out.setStatus(status);
        out.setContentType("application/json");
        out.getOutputStream().write(JSON.writeValueAsBytes(new ApiError(status, message, errors)));
    }

    /** The request's path within the admin context, e.g. {@code /tasks/gc}. */
    static String path(HttpServletRequest http) {
        return http.getRequestURI().substring(Math.min(http.getContextPath().length(), http.getRequestURI().length()));
    }

    /** Why the request is refused, or null. */
    private String refusal(HttpServletRequest http, boolean task) {
        String usage = "; run admin tasks from the host with e.g. curl -X POST -H '" + HEADER + ": 1' http://127.0.0.1:<admin port>/tasks/<name>";
        if (task && !http.getMethod().equals("POST")) return "method " + http.getMethod() + " is not allowed: admin tasks take POST" + usage;
        if (http.getHeader("Origin") != null) {
            return "admin requests from a web page (Origin: " + abbreviate(http.getHeader("Origin")) + ") are refused" + usage;
        }
        String site = http.getHeader("Sec-Fetch-Site");
        if (site != null && (site.equalsIgnoreCase("cross-site") || site.equalsIgnoreCase("same-site"))) {
            return "admin requests from a web page (Sec-Fetch-Site: " + abbreviate(site) + ") are refused" + usage;
        }
        String host = hostName(http.getHeader("Host"));
        if (host == null || !(allowedHosts.contains(host) || host.endsWith(".localhost") || isIpLiteral(host))) {
            return "Host '" + abbreviate(String.valueOf(http.getHeader("Host"))) + "' is not this host's admin address: use "
                    + "localhost, an IP address or the admin connector's bindHost" + usage;
        }
        if (!"1".equals(http.getHeader(HEADER))) return "admin requests need the header '" + HEADER + ": 1'" + usage;
        return null;
    }

    /** The host part of a Host header, lower case, without port or IPv6 brackets; null when malformed. */
    static String hostName(String header) {
        if (header == null) return null;
        String h = header.trim().toLowerCase(Locale.ROOT);
        if (h.startsWith("[")) {
            int end = h.indexOf(']');
            return end < 0 ? null : h.substring(0, end + 1);
        }
        int colon = h.indexOf(':');
        if (colon >= 0) h = h.substring(0, colon);
        if (h.endsWith(".")) h = h.substring(0, h.length() - 1);
        return h.isEmpty() ? null : h;
    }

    private static boolean isIpLiteral(String host) {
        if (host.startsWith("[") && host.endsWith("]")) return host.substring(1, host.length() - 1).matches("[0-9a-f:.]+");
        if (!IPV4.matcher(host).matches()) return false;
        for (String octet : host.split("\\.")) if (Integer.parseInt(octet) > 255) return false;
        return true;
    }

    /** A client's text for a message: control characters as '?', at most 100 characters. */
    static String abbreviate(String s) {
        String clean = s.replaceAll("\\p{Cntrl}", "?");
        return clean.length() <= 100 ? clean : clean.substring(0, 97) + "...";
    }
}
