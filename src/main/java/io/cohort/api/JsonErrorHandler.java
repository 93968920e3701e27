package io.cohort.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cohort.api.error.ApiError;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * Jetty's error pages in our JSON shape. Jetty answers some requests itself before any servlet or
 * Jersey sees them (headers too large, URI too long, malformed HTTP); by default with HTML. Jetty
 * 12.1 sends those through {@link #generateResponse} too (its old {@code badMessageError} hook is
 * no longer called).
 */
public final class JsonErrorHandler extends ErrorHandler {
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * Every method gets the body: Jetty writes error pages for GET, POST and HEAD only, so a DELETE
     * (or PUT) whose path Jetty refused (an encoded '/' or '%') was a 400 with nothing to say why.
     */
    @Override
    public boolean errorPageForMethod(String method) { return true; }

    @Override
    protected void generateResponse(Request request, Response response, int code, String message, Throwable cause,
                                    Callback callback) throws IOException {
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        if (!response.getHeaders().contains(RequestIds.HEADER)) response.getHeaders().put(RequestIds.HEADER, newId());
        // Jetty closes the connection after refusing a request it could not parse (a 414 said
        // nothing of it): without the header a client reuses the connection and its next request
        // fails with no answer at all (ConnectionReuseIT).
        response.getHeaders().put(HttpHeader.CONNECTION, "close");
        response.write(true, ByteBuffer.wrap(body(code, message)), callback);
    }

    /** These requests never reached the request-id filter; they still get an id, like every answer. */
    private static String newId() { return java.util.UUID.randomUUID().toString(); }

    static byte[] body(int code, String message) {
        String text = HttpStatus.getMessage(code) + (message == null || message.isBlank() || message.equals(HttpStatus.getMessage(code))
                ? "" : ": " + message);
        if (code == 431) text += " (request headers exceed the server's limit; send fewer or shorter headers)";
        if (code == 414) text += " (URI exceeds the server's limit; put large inputs in the body)";
        if (code == 400 && text.contains("Suspicious Path Character")) {
            text += " (an encoded '\\' in the path: give a stored record's key fields as query parameters instead, e.g. "
                    + "/v1/sources/{id}/records/accountPerson?accountId=…&personId=…)";
        }
        try {
            return JSON.writeValueAsString(new ApiError(code, text)).getBytes(StandardCharsets.UTF_8);
        } catch (JsonProcessingException e) {
            return ("{\"code\":" + code + "}").getBytes(StandardCharsets.UTF_8);
        }
    }
}
