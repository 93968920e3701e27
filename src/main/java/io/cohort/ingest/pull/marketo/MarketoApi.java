package io.cohort.ingest.pull.marketo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cohort.http.ApiLimits;
import io.cohort.http.HttpTransport;
import io.cohort.ingest.pull.PullException;
import io.cohort.ingest.pull.VendorRetry;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Marketo REST reads for the source connector: the client-credentials token (cached, renewed
 * before expiry and on 601/602), the instance's shared call limits (io.cohort.http.ApiLimits:
 * 100 calls per 20 s and 10 concurrent by default, and the daily quota), and Marketo's error model
 * — most errors are HTTP 200 with {@code success:false} and {@code errors[{code, message}]}.
 *
 * <p>Codes (Marketo "Error Codes"): 601/602 token invalid/expired → new token, once; 606 rate
 * limit → wait the window; 615 concurrency → short wait; 604/608/611/713/502 temporary → retry;
 * 1029 bulk export queue full or export quota spent → retry in a minute; 607 daily quota →
 * nothing until the reset (midnight US Central); anything else (603 access denied, 1003 bad
 * request…) → fatal, a person must act.
 */
final class MarketoApi {
    private static final Set<Integer> TEMPORARY = Set.of(502, 604, 608, 611, 713);
    private static final Duration TOKEN_MARGIN = Duration.ofSeconds(60);

    private final String sourceId;
    private final String baseUrl;
    private final MarketoPull config;
    private final HttpTransport http;
    private final ObjectMapper json;
    private final Clock clock;
    private final ApiLimits.Instance limits;
    private final VendorRetry retry;
    private final AtomicLong calls = new AtomicLong();
    private String token; // guarded by this
    private Instant tokenExpiresAt = Instant.MIN;

    MarketoApi(String sourceId, MarketoPull config, HttpTransport http, ObjectMapper json, Clock clock, ApiLimits.Instance limits) {
        this.sourceId = sourceId;
        this.baseUrl = config.getBaseUrl().replaceAll("/+$", "").replaceAll("/rest$", "");
        this.config = config;
        this.http = http;
        this.json = json;
        this.clock = clock;
        this.limits = limits;
        this.retry = new VendorRetry("marketo-" + sourceId, config.getRetryAttempts(), Duration.ofMillis(500),
                Duration.ofSeconds(30));
    }

    long calls() { return calls.get(); }

    ApiLimits.Instance limits() { return limits; }

    /** GET a REST path ("/rest/v1/…" or "/bulk/v1/…", query included); the body when success is true. */
    JsonNode get(String pathAndQuery) throws PullException, InterruptedException {
        return retry.run(() -> call("GET", pathAndQuery, null));
    }

    /** POST with a JSON body. Not retried in-process: a create must not run twice by accident. */
    JsonNode post(String path, Object body) throws PullException, InterruptedException {
        return call("POST", path, body);
    }

    /** A bulk export file (CSV), which is not a JSON envelope. */
    String getFile(String path) throws PullException, InterruptedException {
        return retry.run(() -> {
            String t = token();
            HttpTransport.Response r = send("GET", path, null, t);
            if (r.status() == 200 && !r.body().trim().startsWith("{")) return r.body();
            try {
                check(r, "GET " + path); // an envelope: a Marketo error (e.g. 1029, 602)
            } catch (TokenRejected e) {
                forgetToken(t);
                throw new PullException.Transient(e.getMessage());
            }
            throw new PullException.Fatal("Marketo answered GET " + path + " with a JSON body instead of the file");
        });
    }

    private JsonNode call(String method, String pathAndQuery, Object body) throws PullException, InterruptedException {
        for (int attempt = 1; ; attempt++) {
            String t = token();
            HttpTransport.Response r = send(method, pathAndQuery, body, t);
            try {
                return check(r, method + " " + pathAndQuery.replaceAll("\\?.*", ""));
            } catch (TokenRejected e) {
                forgetToken(t);
                if (attempt >= 2) throw new PullException.Transient(e.getMessage());
            }
        }
    }

    /** The body of a successful response, or the typed failure. */
    private JsonNode check(HttpTransport.Response r, String what) throws PullException, TokenRejected {
        if (r.status() >= 500 || r.status() == 429) {
            throw new PullException.Transient("Marketo HTTP " + r.status() + " on " + what, retryAfter(r), null);
        }
        if (r.status() != 200) {
            throw new PullException.Fatal("Marketo HTTP " + r.status() + " on " + what + ": " + excerpt(r.body()));
        }
        JsonNode n;
        try {
            n = json.readTree(r.body());
        } catch (IOException e) { // a proxy's HTML page, a truncated body
            throw new PullException.Transient("unreadable Marketo response on " + what + ": " + excerpt(r.body()), null, e);
        }
        if (n != null && n.path("success").asBoolean(false)) return n;
        JsonNode err = n == null ? null : n.path("errors").path(0);
        int code = err == null ? -1 : err.path("code").asInt(-1);
        String message = "Marketo error " + (err == null ? "?" : err.path("code").asText("?")) + " on " + what + ": "
                + (err == null ? excerpt(r.body()) : err.path("message").asText(""));
        if (code == 601 || code == 602) throw new TokenRejected(message);
        if (code == 606) throw new PullException.Transient(message, config.rateWindow(), null);
        if (code == 615) throw new PullException.Transient(message, Duration.ofSeconds(2), null);
        if (code == 1029) throw new PullException.Transient(message, Duration.ofMinutes(1), null);
        if (code == 607) {
            limits.exhausted();
            throw new PullException.QuotaExhausted(message, limits.nextReset());
        }
        if (TEMPORARY.contains(code)) throw new PullException.Transient(message);
        throw new PullException.Fatal(message);
    }

    private HttpTransport.Response send(String method, String pathAndQuery, Object body, String bearer)
            throws PullException, InterruptedException {
        Instant blocked = limits.blockedUntil();
        if (blocked != null) {
            throw new PullException.QuotaExhausted("Marketo daily API quota spent (" + limits.usedToday() + " calls today)", blocked);
        }
        long left = limits.quotaLeft();
        if (left >= 0 && left <= config.getQuotaReserve()) {
            throw new PullException.QuotaExhausted("only " + left + " Marketo API calls left today; the last "
                    + config.getQuotaReserve() + " are kept for destinations (pull.quotaReserve)", limits.nextReset());
        }
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Accept", "application/json");
        if (bearer != null) headers.put("Authorization", "Bearer " + bearer);
        String payload = null;
        if (body != null) {
            headers.put("Content-Type", "application/json");
            try {
                payload = json.writeValueAsString(body);
            } catch (IOException e) {
                throw new PullException.Fatal("cannot encode request: " + e.getMessage(), e);
            }
        }
        HttpTransport.Request req = new HttpTransport.Request(method, URI.create(baseUrl + pathAndQuery), headers, payload,
                config.timeout());
        return io.cohort.ingest.pull.LimitedCall.send(limits, http, req, calls);
    }

    /** GET /identity/oauth/token (client credentials). Bad credentials (HTTP 401) are fatal. */
    private synchronized String token() throws PullException, InterruptedException {
        if (token != null && clock.instant().plus(TOKEN_MARGIN).isBefore(tokenExpiresAt)) return token;
        String path = "/identity/oauth/token?grant_type=client_credentials&client_id=" + enc(config.getClientId())
                + "&client_secret=" + enc(config.getClientSecret());
        HttpTransport.Response r;
        try {
            r = http.send(new HttpTransport.Request("GET", URI.create(baseUrl + path), Map.of("Accept", "application/json"),
                    null, config.timeout()));
            calls.incrementAndGet();
        } catch (IOException e) {
            throw new PullException.Transient("Marketo identity: " + e, null, e);
        }
        if (r.status() >= 500 || r.status() == 429) throw new PullException.Transient("Marketo identity HTTP " + r.status(), retryAfter(r), null);
        JsonNode body;
        try {
            body = json.readTree(r.body());
        } catch (IOException e) {
            throw new PullException.Transient("unreadable Marketo identity response: " + excerpt(r.body()), null, e);
        }
        if (r.status() != 200 || body == null || !body.hasNonNull("access_token")) {
            throw new PullException.Fatal("Marketo refused the client credentials of source " + sourceId + " (HTTP "
                    + r.status() + "): " + excerpt(r.body()));
        }
        token = body.get("access_token").asText();
        tokenExpiresAt = clock.instant().plusSeconds(body.path("expires_in").asLong(0));
        return token;
    }

    private synchronized void forgetToken(String stale) {
        if (stale.equals(token)) token = null;
    }

    private static Duration retryAfter(HttpTransport.Response r) {
        return r.header("Retry-After").map(v -> {
            try {
                return Duration.ofSeconds(Long.parseLong(v.trim()));
            } catch (NumberFormatException e) {
                return null;
            }
        }).orElse(null);
    }

    static String enc(String s) { return URLEncoder.encode(s, StandardCharsets.UTF_8); }

    static String excerpt(String body) {
        if (body == null) return "";
        String one = body.replaceAll("\\s+", " ").trim();
        return one.length() <= 300 ? one : one.substring(0, 300) + "…";
    }

    /** 601/602: the token is no good; get a new one and try again once. */
    private static final class TokenRejected extends Exception {
        TokenRejected(String message) { super(message); }
    }
}
