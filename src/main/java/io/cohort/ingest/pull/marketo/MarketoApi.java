package io.cohort.ingest.pull.marketo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cohort.ingest.pull.LimitedCall;
import io.cohort.ingest.pull.PullException;
import io.cohort.ingest.pull.VendorRetry;
import io.cohort.vendor.CallLimits;
import io.cohort.vendor.FreshTokenRetry;
import io.cohort.vendor.HttpReply;
import io.cohort.vendor.VendorHttp;
import java.io.IOException;
import java.io.InputStream;
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
 * before expiry and on 601/602), the instance's call budget shared with the Marketo destination
 * (io.cohort.vendor.MarketoLimits: 100 calls per 20 s and 10 concurrent by default, and the daily
 * quota), and Marketo's error model
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
    private final VendorHttp http;
    private final ObjectMapper json;
    /** Reads pages of records: numbers as sent ({@link io.cohort.ingest.JsonNumbers}). */
    private final com.fasterxml.jackson.databind.ObjectReader pages;
    private final Clock clock;
    private final CallLimits.Budget limits;
    private final VendorRetry retry;
    private final FreshTokenRetry freshToken;
    private final AtomicLong calls = new AtomicLong();
    private String token; // guarded by this
    private Instant tokenExpiresAt = Instant.MIN;

    MarketoApi(String sourceId, MarketoPull config, VendorHttp http, ObjectMapper json, Clock clock, CallLimits.Budget limits) {
        this.sourceId = sourceId;
        this.baseUrl = config.getBaseUrl().replaceAll("/+$", "").replaceAll("/rest$", "");
        this.config = config;
        this.http = http;
        this.json = json;
        this.pages = io.cohort.ingest.JsonNumbers.pageReader(json);
        this.clock = clock;
        this.limits = limits;
        this.freshToken = new FreshTokenRetry("marketo-token-" + sourceId);
        this.retry = new VendorRetry("marketo-" + sourceId, config.getRetryAttempts(), Duration.ofMillis(500),
                Duration.ofSeconds(30));
    }

    long calls() { return calls.get(); }

    CallLimits.Budget limits() { return limits; }

    /** GET a REST path ("/rest/v1/…" or "/bulk/v1/…", query included); the body when success is true. */
    JsonNode get(String pathAndQuery) throws PullException, InterruptedException {
        return retry.run(() -> call("GET", pathAndQuery, null));
    }

    /** JSON text read as a REST page is: numbers exact, one too long marked for its item to be set aside. */
    JsonNode readAsPage(String jsonText) throws IOException {
        return io.cohort.ingest.JsonNumbers.readPage(pages, jsonText);
    }

    /** POST with a JSON body. Not retried in-process: a create must not run twice by accident. */
    JsonNode post(String path, Object body) throws PullException, InterruptedException {
        return call("POST", path, body);
    }

    /** Reads a streamed answer; may throw the connector's typed failures. */
    @FunctionalInterface
    interface BodyReader<T> {
        T read(InputStream body) throws IOException, PullException, InterruptedException;
    }

    /**
     * A bulk export file (CSV, not a JSON envelope), handed to {@code reader} as it arrives: a file of
     * millions of leads is never held in memory. Retried in-process only until the reader starts.
     */
    <T> T readFile(String path, BodyReader<T> reader) throws PullException, InterruptedException {
        VendorHttp.Streamed open = retry.run(() -> {
            String t = token();
            VendorHttp.Streamed r = LimitedCall.open(limits, http, URI.create(baseUrl + path), headers(t, "text/csv, application/json"),
                    config.timeout(), calls);
            if (r.status() == 200 && !isJson(r)) return r;
            HttpReply whole;
            try (r) {
                whole = r.readAll();
            } catch (IOException e) {
                throw new PullException.Transient("GET " + path + ": " + e, null, e);
            }
            if (whole.status() == 200 && !whole.body().trim().startsWith("{")) return reopenedAs(whole);
            try {
                check(whole, "GET " + path); // an envelope: a Marketo error (e.g. 1029, 602)
            } catch (TokenRejected e) {
                forgetToken(t);
                throw new PullException.Transient(e.getMessage());
            }
            throw new PullException.Fatal("Marketo answered GET " + path + " with a JSON body instead of the file");
        });
        try (open) {
            return reader.read(open.body());
        } catch (IOException e) { // the connection broke mid-file: the stream's cursor says where to resume
            throw new PullException.Transient("reading GET " + path + ": " + e, null, e);
        }
    }

    private static boolean isJson(VendorHttp.Streamed r) {
        return r.headers().getOrDefault("content-type", java.util.List.of()).stream().anyMatch(v -> v.contains("json"));
    }

    /** A small answer already read whole (mislabelled as JSON), handed on as a stream. */
    private static VendorHttp.Streamed reopenedAs(HttpReply r) {
        return VendorHttp.Streamed.of(r);
    }

    private JsonNode call(String method, String pathAndQuery, Object body) throws PullException, InterruptedException {
        try {
            return freshToken.run(() -> {
                String t = token();
                HttpReply r = send(method, pathAndQuery, body, t);
                try {
                    return check(r, method + " " + pathAndQuery.replaceAll("\\?.*", ""));
                } catch (TokenRejected e) {
                    forgetToken(t);
                    throw new FreshTokenRetry.Rejected(new PullException.Transient(e.getMessage()));
                }
            });
        } catch (PullException | InterruptedException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new PullException.Transient(e.toString(), null, e);
        }
    }

    /** The body of a successful response, or the typed failure. */
    private JsonNode check(HttpReply r, String what) throws PullException, TokenRejected {
        if (r.status() >= 500 || r.status() == 429) {
            throw new PullException.Transient("Marketo HTTP " + r.status() + " on " + what, retryAfter(r), null);
        }
        if (r.status() != 200) {
            throw new PullException.Fatal("Marketo HTTP " + r.status() + " on " + what + r.redirectNote() + ": " + excerpt(r.body()));
        }
        JsonNode n;
        try {
            n = io.cohort.ingest.JsonNumbers.readPage(pages, r.body());
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

    private HttpReply send(String method, String pathAndQuery, Object body, String bearer)
            throws PullException, InterruptedException {
        byte[] payload = null;
        if (body != null) {
            try {
                payload = json.writeValueAsBytes(body);
            } catch (IOException e) {
                throw new PullException.Fatal("cannot encode request: " + e.getMessage(), e);
            }
        }
        return LimitedCall.send(limits, http, method, URI.create(baseUrl + pathAndQuery), headers(bearer, "application/json"),
                payload, "application/json", config.timeout(), calls);
    }

    /** Refuses to call when the day's quota is spent, or down to the part kept for the destinations. */
    private Map<String, String> headers(String bearer, String accept) throws PullException {
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
        headers.put("Accept", accept);
        headers.put("Authorization", "Bearer " + bearer);
        return headers;
    }

    /** GET /identity/oauth/token (client credentials). Bad credentials (HTTP 401) are fatal. */
    private synchronized String token() throws PullException, InterruptedException {
        if (token != null && clock.instant().plus(TOKEN_MARGIN).isBefore(tokenExpiresAt)) return token;
        String path = "/identity/oauth/token?grant_type=client_credentials&client_id=" + enc(config.getClientId())
                + "&client_secret=" + enc(config.getClientSecret());
        HttpReply r = LimitedCall.unlimited(http, "GET", URI.create(baseUrl + path), Map.of("Accept", "application/json"),
                null, null, config.timeout(), calls);
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

    private Duration retryAfter(HttpReply r) {
        return io.cohort.vendor.RetryAfter.of(r, clock);
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
