package io.cohort.destination.marketo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cohort.destination.DeliveryException;
import io.cohort.destination.HttpSupport;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;

/**
 * Marketo REST calls: OAuth client-credentials token (cached, re-fetched on expiry and on
 * 601/602), client-side rate limiting, and Marketo's error model — most errors come as HTTP 200
 * with {@code success:false} and {@code errors[{code,message}]} (developer docs "Error Codes").
 */
final class MarketoClient {
    /** Response-level codes worth retrying: timeouts, temporary unavailability, limits. */
    private static final Set<Integer> RETRIABLE = Set.of(502, 604, 608, 611, 713, 1029);
    private static final Duration TOKEN_MARGIN = Duration.ofSeconds(60);

    private final String baseUrl;
    private final MarketoDestinationFactory config;
    private final HttpClient http;
    private final ObjectMapper mapper;
    private final Clock clock;
    private final CallLimiter limiter;
    private String token; // guarded by this
    private Instant tokenExpiresAt = Instant.MIN;

    MarketoClient(MarketoDestinationFactory config, HttpClient http, ObjectMapper mapper, Clock clock) {
        this.baseUrl = config.getBaseUrl().replaceAll("/+$", "");
        this.config = config;
        this.http = http;
        this.mapper = mapper;
        this.clock = clock;
        this.limiter = new CallLimiter(config.getMaxCallsPerWindow(),
                Duration.ofMillis(config.getRateWindow().toMilliseconds()), config.getMaxConcurrentCalls());
    }

    /** GET {baseUrl}/identity/oauth/token; bad credentials are Fatal. */
    synchronized String fetchToken() throws DeliveryException {
        String uri = baseUrl + "/identity/oauth/token?grant_type=client_credentials&client_id="
                + enc(config.getClientId()) + "&client_secret=" + enc(config.getClientSecret());
        HttpResponse<String> r = HttpSupport.send(http, HttpRequest.newBuilder(URI.create(uri))
                .timeout(timeout()).header("Accept", "application/json").GET().build());
        if (r.statusCode() >= 500 || r.statusCode() == 429) {
            throw new DeliveryException.Retriable("Marketo identity HTTP " + r.statusCode(), HttpSupport.retryAfter(r, clock), null);
        }
        JsonNode body = parse(r);
        if (r.statusCode() != 200 || !body.hasNonNull("access_token")) {
            throw new DeliveryException.Fatal("Marketo refused the client credentials (HTTP " + r.statusCode() + "): "
                    + HttpSupport.excerpt(r.body()));
        }
        token = body.get("access_token").asText();
        tokenExpiresAt = clock.instant().plusSeconds(body.path("expires_in").asLong(0));
        return token;
    }

    private synchronized String token() throws DeliveryException {
        if (token == null || clock.instant().plus(TOKEN_MARGIN).isAfter(tokenExpiresAt)) return fetchToken();
        return token;
    }

    private synchronized void forgetToken(String stale) {
        if (stale.equals(token)) token = null;
    }

    /**
     * Calls {@code /rest/...}; returns the body when {@code success} is true. Re-authenticates
     * once on 601/602. {@code body} null sends no body.
     */
    JsonNode call(String method, String pathAndQuery, Object body) throws DeliveryException {
        for (int attempt = 1; ; attempt++) {
            String t = token();
            JsonNode json = callOnce(method, pathAndQuery, body, t);
            if (json.path("success").asBoolean(false)) return json;
            JsonNode err = json.path("errors").path(0);
            int code = err.path("code").asInt(-1);
            String message = "Marketo error " + err.path("code").asText("?") + " on " + method + " "
                    + pathAndQuery.replaceAll("\\?.*", "") + ": " + err.path("message").asText("");
            if ((code == 601 || code == 602) && attempt == 1) {
                forgetToken(t); // expired or revoked early: a fresh token and one more try
                continue;
            }
            if (code == 601 || code == 602) throw new DeliveryException.Retriable(message);
            if (code == 606) { // rate limit: the window must pass
                throw new DeliveryException.Retriable(message, Duration.ofMillis(config.getRateWindow().toMilliseconds()), null);
            }
            if (code == 615) throw new DeliveryException.Retriable(message); // concurrency: back off
            if (code == 607) throw new DeliveryException.Retriable(message, Duration.ofHours(1), null); // daily quota
            if (RETRIABLE.contains(code)) throw new DeliveryException.Retriable(message);
            throw new DeliveryException.Fatal(message);
        }
    }

    private JsonNode callOnce(String method, String pathAndQuery, Object body, String t) throws DeliveryException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(baseUrl + pathAndQuery)).timeout(timeout())
                .header("Authorization", "Bearer " + t).header("Accept", "application/json");
        if (body == null) {
            b.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            try {
                b.header("Content-Type", "application/json")
                        .method(method, HttpRequest.BodyPublishers.ofString(mapper.writeValueAsString(body)));
            } catch (Exception e) {
                throw new DeliveryException.Fatal("cannot encode request: " + e.getMessage(), e);
            }
        }
        HttpResponse<String> r;
        try {
            limiter.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DeliveryException.Retriable("interrupted (shutting down)", null, e);
        }
        try {
            r = HttpSupport.send(http, b.build());
        } finally {
            limiter.release();
        }
        if (r.statusCode() >= 500 || r.statusCode() == 429) {
            throw new DeliveryException.Retriable("Marketo HTTP " + r.statusCode() + " on " + method + " "
                    + pathAndQuery.replaceAll("\\?.*", ""), HttpSupport.retryAfter(r, clock), null);
        }
        if (r.statusCode() != 200) { // docs: only 413/414 in normal operation, i.e. our request is wrong
            throw new DeliveryException.Fatal("Marketo HTTP " + r.statusCode() + " on " + method + " "
                    + pathAndQuery.replaceAll("\\?.*", "") + ": " + HttpSupport.excerpt(r.body()));
        }
        return parse(r);
    }

    private JsonNode parse(HttpResponse<String> r) throws DeliveryException.Retriable {
        try {
            JsonNode n = mapper.readTree(r.body());
            return n == null ? mapper.createObjectNode() : n;
        } catch (Exception e) { // a proxy's HTML error page, a truncated body: try again later
            throw new DeliveryException.Retriable("unreadable Marketo response: " + HttpSupport.excerpt(r.body()), null, e);
        }
    }

    private Duration timeout() { return Duration.ofMillis(config.getRequestTimeout().toMilliseconds()); }

    static String enc(String s) { return URLEncoder.encode(s, StandardCharsets.UTF_8); }
}
