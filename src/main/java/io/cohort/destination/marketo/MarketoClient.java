package io.cohort.destination.marketo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cohort.destination.DeliveryException;
import io.cohort.destination.HttpSupport;
import io.cohort.vendor.CallLimits;
import io.cohort.vendor.FreshTokenRetry;
import io.cohort.vendor.HttpReply;
import io.cohort.vendor.VendorHttp;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;

/**
 * Marketo REST calls: OAuth client-credentials token (cached, re-fetched on expiry and on
 * 601/602), the instance's shared call budget ({@link io.cohort.vendor.MarketoLimits}), and
 * Marketo's error model — most errors come as HTTP 200 with {@code success:false} and
 * {@code errors[{code,message}]} (developer docs "Error Codes").
 */
final class MarketoClient {
    /** Response-level codes worth retrying: timeouts, temporary unavailability, limits. */
    private static final Set<Integer> RETRIABLE = Set.of(502, 604, 608, 611, 713, 1029);
    private static final Duration TOKEN_MARGIN = Duration.ofSeconds(60);

    private final String baseUrl;
    private final MarketoDestinationFactory config;
    private final VendorHttp http;
    private final ObjectMapper mapper;
    private final Clock clock;
    private final CallLimits.Budget budget;
    /** A token Marketo calls expired or invalid (601/602) earlier than we thought: fetch one more, once. */
    private final FreshTokenRetry reauthenticate = new FreshTokenRetry("marketo-token");
    private String token; // guarded by this
    private Instant tokenExpiresAt = Instant.MIN;

    MarketoClient(MarketoDestinationFactory config, VendorHttp http, ObjectMapper mapper, Clock clock, CallLimits.Budget budget) {
        this.baseUrl = config.getBaseUrl().replaceAll("/+$", "").replaceAll("/rest$", ""); // either spelling of the instance
        this.config = config;
        this.http = http;
        this.mapper = mapper;
        this.clock = clock;
        this.budget = budget;
    }

    /** GET {baseUrl}/identity/oauth/token; bad credentials are Fatal. */
    synchronized String fetchToken() throws DeliveryException {
        URI uri = URI.create(baseUrl + "/identity/oauth/token?grant_type=client_credentials&client_id="
                + enc(config.getClientId()) + "&client_secret=" + enc(config.getClientSecret()));
        HttpReply r = HttpSupport.send(http, "GET", uri, Map.of("Accept", "application/json"), null, null, timeout());
        if (r.status() >= 500 || r.status() == 429) {
            throw new DeliveryException.Retriable("Marketo identity HTTP " + r.status(), HttpSupport.retryAfter(r, clock), null);
        }
        if (r.status() >= 300 && r.status() < 400) {
            throw new DeliveryException.Fatal("Marketo identity HTTP " + r.status() + r.redirectNote());
        }
        JsonNode body = parse(r);
        if (r.status() != 200 || !body.hasNonNull("access_token")) {
            throw new DeliveryException.Fatal("Marketo refused the client credentials (HTTP " + r.status() + "): "
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
     * once on 601/602 (resilience4j Retry). {@code body} null sends no body.
     */
    JsonNode call(String method, String pathAndQuery, Object body) throws DeliveryException {
        try {
            return reauthenticate.run(() -> callWithToken(method, pathAndQuery, body));
        } catch (DeliveryException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private JsonNode callWithToken(String method, String pathAndQuery, Object body)
            throws DeliveryException, FreshTokenRetry.Rejected {
        String t = token();
        JsonNode json = callOnce(method, pathAndQuery, body, t);
        if (json.path("success").asBoolean(false)) return json;
        JsonNode err = json.path("errors").path(0);
        int code = err.path("code").asInt(-1);
        String message = "Marketo error " + err.path("code").asText("?") + " on " + method + " "
                + pathAndQuery.replaceAll("\\?.*", "") + ": " + err.path("message").asText("");
        if (code == 601 || code == 602) { // expired or revoked early: a fresh token and one more try
            forgetToken(t);
            throw new FreshTokenRetry.Rejected(new DeliveryException.Retriable(message));
        }
        if (code == 606) { // rate limit: the window must pass
            throw new DeliveryException.Retriable(message, Duration.ofMillis(config.getRateWindow().toMilliseconds()), null);
        }
        if (code == 615) throw new DeliveryException.Retriable(message); // concurrency: back off
        if (code == 607) { // daily quota spent: nobody using this instance's budget calls before the reset
            budget.exhausted();
            throw new DeliveryException.Retriable(message, Duration.between(clock.instant(), budget.nextReset()), null);
        }
        if (RETRIABLE.contains(code)) throw new DeliveryException.Retriable(message);
        throw new DeliveryException.Fatal(message);
    }

    private JsonNode callOnce(String method, String pathAndQuery, Object body, String t) throws DeliveryException {
        byte[] bytes = null;
        if (body != null) {
            try {
                bytes = mapper.writeValueAsBytes(body);
            } catch (Exception e) {
                throw new DeliveryException.Fatal("cannot encode request: " + e.getMessage(), e);
            }
        }
        java.time.Instant blocked = budget.blockedUntil();
        if (blocked != null) {
            throw new DeliveryException.Retriable("Marketo daily API quota spent (" + budget.usedToday() + " calls today); "
                    + "waiting for the reset at " + blocked, Duration.between(clock.instant(), blocked), null);
        }
        URI uri = URI.create(baseUrl + pathAndQuery);
        Map<String, String> headers = Map.of("Authorization", "Bearer " + t, "Accept", "application/json");
        byte[] sent = bytes;
        HttpReply r;
        try {
            r = budget.call(() -> HttpSupport.send(http, method, uri, headers, sent, "application/json", timeout()));
        } catch (CallLimits.OverBudgetException e) { // as if Marketo had said 606/615: try again later
            throw new DeliveryException.Retriable("Marketo call budget: " + e.getMessage(), null, e);
        }
        String where = method + " " + pathAndQuery.replaceAll("\\?.*", "");
        if (r.status() >= 500 || r.status() == 429) {
            throw new DeliveryException.Retriable("Marketo HTTP " + r.status() + " on " + where, HttpSupport.retryAfter(r, clock), null);
        }
        if (r.status() != 200) { // docs: only 413/414 in normal operation, i.e. our request is wrong
            throw new DeliveryException.Fatal("Marketo HTTP " + r.status() + " on " + where + r.redirectNote() + ": "
                    + HttpSupport.excerpt(r.body()));
        }
        return parse(r);
    }

    private JsonNode parse(HttpReply r) throws DeliveryException.Retriable {
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
