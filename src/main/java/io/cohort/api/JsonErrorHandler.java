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
        response.write(true, ByteBuffer.wrap(body(code, reason(code, message, cause), rawPath(request))), callback);
    }

    /**
     * Jetty's message, or, when it is only the status's text, its cause's: a path Jetty cannot
     * parse at all (an encoded NUL) is "Bad Request", its cause "Illegal character in path".
     */
    private static String reason(int code, String message, Throwable cause) {
        boolean generic = message == null || message.isBlank() || message.equals(HttpStatus.getMessage(code));
        Throwable why = cause == null ? null : cause.getCause();
        return generic && why != null && why.getMessage() != null && !why.getMessage().isBlank() ? why.getMessage() : message;
    }

    /** The request's path as sent (still encoded), or null when Jetty refused it before reading one. */
    static String rawPath(Request request) {
        try {
            return request == null || request.getHttpURI() == null ? null : request.getHttpURI().getPath();
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static final java.util.regex.Pattern ENCODED = java.util.regex.Pattern.compile("%([0-9A-Fa-f]{2})");
    private static final java.util.regex.Pattern ESCAPES = java.util.regex.Pattern.compile("(?:%[0-9A-Fa-f]{2})+");
    /** What to do instead of a key Jetty refuses in a path. */
    private static final String KEY_FIELDS = "give a stored record's key fields as query parameters instead, e.g. "
            + "/v1/sources/{id}/records/accountPerson?accountId=…&personId=…";

    /**
     * What in {@code rawPath} Jetty refused, by its {@code message}, named with its place, or null:
     * the first encoded '\' or control character ("Suspicious Path Character", or no message),
     * '/' ("Ambiguous URI path separator"), '%' ("Ambiguous URI path encoding"), or escapes that
     * are not UTF-8 ("Bad UTF-8 encoding").
     */
    static String refused(String rawPath, String message) {
        if (rawPath == null) return null;
        if (message.contains("Bad UTF-8 encoding")) return notUtf8(rawPath);
        boolean suspicious = message.contains("Suspicious Path Character") || message.equals(HttpStatus.getMessage(400));
        java.util.regex.Matcher m = ENCODED.matcher(rawPath);
        while (m.find()) {
            int c = Integer.parseInt(m.group(1), 16);
            String what = suspicious && c == '\\' ? "an encoded '\\'"
                    : suspicious && (c < 0x20 || c == 0x7F) ? "an encoded control character"
                    : message.contains("Ambiguous URI path separator") && c == '/' ? "an encoded '/'"
                    : message.contains("Ambiguous URI path encoding") && c == '%' ? "an encoded '%'" : null;
            if (what != null) return what + " (" + m.group() + ") at character " + (m.start() + 1) + " of the path";
        }
        return null;
    }

    /** The first escapes of {@code rawPath} that do not decode as UTF-8 (the bad byte and the next), named with their place. */
    private static String notUtf8(String rawPath) {
        java.util.regex.Matcher m = ESCAPES.matcher(rawPath);
        while (m.find()) {
            byte[] bytes = new byte[m.group().length() / 3];
            for (int i = 0; i < bytes.length; i++) bytes[i] = (byte) Integer.parseInt(m.group().substring(i * 3 + 1, i * 3 + 3), 16);
            ByteBuffer in = ByteBuffer.wrap(bytes);
            java.nio.charset.CoderResult r = StandardCharsets.UTF_8.newDecoder().decode(in, java.nio.CharBuffer.allocate(bytes.length), true);
            if (r.isError()) {
                int at = m.start() + in.position() * 3;
                return "escapes that are not UTF-8 (" + rawPath.substring(at, Math.min(m.end(), at + 6)) + ") at character " + (at + 1)
                        + " of the path";
            }
        }
        return null;
    }

    /** These requests never reached the request-id filter; they still get an id, like every answer. */
    private static String newId() { return java.util.UUID.randomUUID().toString(); }

    /**
     * @param rawPath the path as sent, still encoded (null: unknown): Jetty's messages for a path it
     *                refuses do not say which character ("Suspicious Path Character" for an encoded
     *                '\' or control character, nothing for %00), so which one, and where, is read
     *                from the path ({@link #refused})
     */
    static byte[] body(int code, String message, String rawPath) {
        String text = HttpStatus.getMessage(code) + (message == null || message.isBlank() || message.equals(HttpStatus.getMessage(code))
                ? "" : ": " + message);
        if (code == 431) text += " (request headers exceed the server's limit; send fewer or shorter headers)";
        if (code == 414) text += " (URI exceeds the server's limit; put large inputs in the body)";
        String refused = code == 400 ? refused(rawPath, text) : null;
        if (refused != null) {
            text += " (" + refused + ": " + KEY_FIELDS + ")";
        } else if (code == 400 && (text.contains("Suspicious Path Character") || text.contains("Illegal character in path"))) {
            // Jetty keeps no path of a request it could not parse: the character cannot be named.
            text += " (an encoded '\\' or control character, such as %00, in the path: " + KEY_FIELDS + ")";
        }
        try {
            return JSON.writeValueAsString(new ApiError(code, text)).getBytes(StandardCharsets.UTF_8);
        } catch (JsonProcessingException e) {
            return ("{\"code\":" + code + "}").getBytes(StandardCharsets.UTF_8);
        }
    }
}
