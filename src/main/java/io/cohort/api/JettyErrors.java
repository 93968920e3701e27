package io.cohort.api;

import io.dropwizard.core.setup.Environment;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * Some requests are refused by Jetty or Dropwizard's filters before any resource runs: an
 * unparseable header, an ambiguous path (an encoded '/'), a method Dropwizard does not allow.
 * Jetty's error page for those was HTML, or Jetty's own JSON ({"origin","message","url"}, no
 * "code"), or nothing at all for an unparseable Accept header or a method other than GET, POST
 * and HEAD; found by BadInputIT and the hostile-input campaign. Here every such answer is our
 * {@link io.cohort.api.error.ApiError}, as for every other refusal of the API.
 */
public final class JettyErrors {
    private JettyErrors() {}

    public static void install(Environment env) {
        Json context = new Json();
        context.setShowStacks(false);
        env.getApplicationContext().setErrorHandler(context);
        // The server-level handler (oversized headers, malformed HTTP) is JsonErrorHandler.
    }

    /** The application context's error pages: always {@code {"code","message"}}, for every method and Accept header. */
    static final class Json extends org.eclipse.jetty.ee10.servlet.ErrorHandler {
        /** Jetty writes a page only for GET, POST and HEAD: a refused TRACE had an empty body. */
        @Override public boolean errorPageForMethod(String method) { return true; }

        /** No negotiation: the API answers JSON, and Jetty wrote nothing when it could not parse the Accept header. */
        @Override
        protected void generateResponse(Request request, Response response, int code, String message, Throwable cause,
                                        Callback callback) throws IOException {
            generateAcceptableResponse(request, response, callback, "application/json", List.of(StandardCharsets.UTF_8),
                    code, message, cause);
        }

        @Override
        protected void writeErrorJson(Request request, PrintWriter writer, int code, String message, Throwable cause) {
            writer.write(new String(JsonErrorHandler.body(code, message, JsonErrorHandler.rawPath(request)), StandardCharsets.UTF_8));
        }
    }
}
