package io.cohort.api;

import io.dropwizard.core.setup.Environment;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.regex.Pattern;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.component.LifeCycle;

/**
 * Secrets in a query string never reach a log. The access log prints the request line, and a
 * client that sends {@code ?access_token=…} would have its token written there in clear. This
 * Jetty customizer runs on every connector before any handler and before the request log reads
 * the request: the value of every query parameter whose name looks like a secret ({@code
 * access_token}, {@code token}, {@code api_key}, {@code password}, {@code secret}…) is replaced by
 * {@value #REDACTED}, whatever the log format. {@link RequestChecks} then refuses the request.
 */
public final class QueryTokenRedaction implements HttpConfiguration.Customizer {
    public static final String REDACTED = "REDACTED";
    private static final Pattern SECRET_NAME = Pattern.compile(".*(token|secret|password|passwd|api[-_]?key|apikey).*");

    /** Adds the customizer to every connector of the server when it starts. */
    public static void install(Environment env) {
        QueryTokenRedaction redaction = new QueryTokenRedaction();
        env.lifecycle().addEventListener(new LifeCycle.Listener() {
            @Override public void lifeCycleStarting(LifeCycle event) {
                if (!(event instanceof Server server)) return;
                // Dropwizard wraps each HttpConnectionFactory in a metrics one that holds it as a bean.
                java.util.Set<HttpConfiguration> configs = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
                for (Connector c : server.getConnectors()) {
                    c.getContainedBeans(HttpConnectionFactory.class).forEach(f -> configs.add(f.getHttpConfiguration()));
                }
                if (configs.isEmpty()) throw new IllegalStateException("no HTTP connector to keep query-string tokens out of the logs");
                configs.forEach(config -> config.addCustomizer(redaction));
            }
        });
    }

    @Override
    public Request customize(Request request, HttpFields.Mutable responseHeaders) {
        HttpURI uri = request.getHttpURI();
        String query = uri.getQuery();
        if (query == null || query.isEmpty()) return request;
        String redacted = redact(query);
        if (redacted.equals(query)) return request;
        HttpURI safe = HttpURI.build(uri).query(redacted).asImmutable();
        return new Request.Wrapper(request) {
            @Override public HttpURI getHttpURI() { return safe; }
        };
    }

    /** The query with the value of every secret-looking parameter replaced. */
    static String redact(String query) {
        java.util.StringJoiner out = new java.util.StringJoiner("&");
        for (String part : query.split("&", -1)) {
            int eq = part.indexOf('=');
            String name = eq < 0 ? part : part.substring(0, eq);
            out.add(isSecret(name) ? name + "=" + REDACTED : part);
        }
        return out.toString();
    }

    /** Whether a query parameter of this (still URL-encoded) name is a secret. */
    public static boolean isSecret(String encodedName) {
        String name;
        try {
            name = URLDecoder.decode(encodedName, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            name = encodedName;
        }
        return SECRET_NAME.matcher(name.toLowerCase(Locale.ROOT)).matches();
    }
}
