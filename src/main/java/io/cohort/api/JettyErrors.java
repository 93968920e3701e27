package io.cohort.api;

import io.dropwizard.core.setup.Environment;
import org.eclipse.jetty.server.handler.ErrorHandler;

/**
 * Some requests are refused by Jetty before any resource runs: an unparseable Content-Type, an
 * ambiguous path (an encoded '/'). Jetty answers those with an HTML page unless the client asks
 * for JSON; found by BadInputIT. Here JSON is the default ({"status","message","url"}), as for
 * every other refusal of the API.
 */
public final class JettyErrors {
    private JettyErrors() {}

    public static void install(Environment env) {
        org.eclipse.jetty.ee10.servlet.ErrorHandler context = new org.eclipse.jetty.ee10.servlet.ErrorHandler();
        context.setDefaultResponseMimeType("application/json");
        context.setShowStacks(false);
        env.getApplicationContext().setErrorHandler(context);
        // The server-level handler (oversized headers, malformed HTTP) is JsonErrorHandler.
    }
}
