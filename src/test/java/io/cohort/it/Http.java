package io.cohort.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

/** Raw HTTP for tests that need request and response headers (CohortApp's helpers hide them). */
final class Http {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient CLIENT = HttpClient.newHttpClient();

    record Reply(int status, String body, java.net.http.HttpHeaders headers) {
        JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("not JSON (" + status + "): " + body, e);
            }
        }

        String header(String name) { return headers.firstValue(name).orElse(null); }

        boolean isJson() { return header("Content-Type") != null && header("Content-Type").startsWith("application/json"); }

        @Override public String toString() { return status + " " + body; }
    }

    private Http() {}

    /** An API call with the all-roles token; {@code headers} are name, value pairs. */
    static Reply api(int port, String method, String path, String contentType, String body, String... headers) {
        Map<String, String> h = new java.util.HashMap<>();
        h.put("Authorization", "Bearer " + CohortApp.TOKEN);
        if (contentType != null) h.put("Content-Type", contentType);
        for (int i = 0; i < headers.length; i += 2) h.put(headers[i], headers[i + 1]);
        return send(port, method, path, body, h);
    }

    /** A JSON refusal with this status, whose message holds every part, carrying a request id. */
    static JsonNode assertJsonError(Reply r, int status, String... messageParts) {
        org.assertj.core.api.Assertions.assertThat(r.status()).as(r.toString()).isEqualTo(status);
        org.assertj.core.api.Assertions.assertThat(r.isJson()).as("JSON: " + r.headers().map()).isTrue();
        org.assertj.core.api.Assertions.assertThat(r.json().get("code").asInt()).isEqualTo(status);
        for (String p : messageParts) org.assertj.core.api.Assertions.assertThat(r.json().get("message").asText()).as(r.toString()).contains(p);
        org.assertj.core.api.Assertions.assertThat(r.header("X-Request-Id")).as("request id on " + r).isNotBlank();
        return r.json();
    }

    /** No retry: a refused request must leave its connection usable or say Connection: close (ConnectionReuseIT). */
    static Reply send(int port, String method, String path, String body, Map<String, String> headers) {
        return attempt(port, method, path, body, headers);
    }

    private static Reply attempt(int port, String method, String path, String body, Map<String, String> headers) {
        try {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                    .timeout(Duration.ofSeconds(60));
            headers.forEach(b::header);
            b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
            HttpResponse<String> r = CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
            return new Reply(r.statusCode(), r.body(), r.headers());
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(method + " " + path + ": " + e, e);
        }
    }
}
