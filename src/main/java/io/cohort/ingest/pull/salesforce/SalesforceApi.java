package io.cohort.ingest.pull.salesforce;

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
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Salesforce REST reads for the source connector. OAuth 2.0 token from
 * {@code {loginUrl}/services/oauth2/token}, by the client credentials flow or the JWT bearer flow
 * (RS256 assertion signed with the configured key); the answer's instance_url is the API host.
 * A 401 INVALID_SESSION_ID (session expired or revoked) gets a new token, once. Every response's
 * {@code Sforce-Limit-Info: api-usage=used/max} is tracked; at {@code maxApiShare} of the max, or on
 * 403 REQUEST_LIMIT_EXCEEDED, pulling pauses for {@code limitBackoff}.
 */
final class SalesforceApi {
    private static final Pattern USAGE = Pattern.compile("api-usage=(\\d+)/(\\d+)");

    private final String sourceId;
    private final SalesforcePull config;
    private final VendorHttp http;
    private final ObjectMapper json;
    /** Reads pages of records: numbers as sent ({@link io.cohort.ingest.JsonNumbers}). */
    private final com.fasterxml.jackson.databind.ObjectReader pages;
    private final Clock clock;
    private final CallLimits.Budget limits;
    private final VendorRetry retry;
    private final FreshTokenRetry freshToken;
    private final AtomicLong calls = new AtomicLong();
    private volatile long used = -1;
    private volatile long max = -1;
    private volatile java.time.Instant pausedUntil;
    private String token;      // guarded by this
    private String instanceUrl; // guarded by this

    SalesforceApi(String sourceId, SalesforcePull config, VendorHttp http, ObjectMapper json, Clock clock,
                  CallLimits.Budget limits) {
        this.sourceId = sourceId;
        this.config = config;
        this.http = http;
        this.json = json;
        this.pages = io.cohort.ingest.JsonNumbers.pageReader(json);
        this.clock = clock;
        this.limits = limits;
        this.freshToken = new FreshTokenRetry("salesforce-session-" + sourceId);
        this.retry = new VendorRetry("salesforce-" + sourceId, config.getRetryAttempts(), Duration.ofMillis(500),
                Duration.ofSeconds(30));
    }

    long calls() { return calls.get(); }

    /** Used and max API requests of the org (rolling 24 h) as last reported; -1 when unknown. */
    long used() { return used; }

    long max() { return max; }

    java.time.Instant pausedUntil() {
        var p = pausedUntil;
        return p != null && p.isAfter(clock.instant()) ? p : null;
    }

    /** The first page of a SOQL query ({@code queryAll}: deleted and archived rows too). */
    JsonNode query(String soql, boolean all) throws PullException, InterruptedException {
        String path = "/services/data/v" + config.getApiVersion() + (all ? "/queryAll" : "/query") + "?q="
                + URLEncoder.encode(soql, StandardCharsets.UTF_8);
        return retry.run(() -> get(path));
    }

    /**
     * The delete log of {@code object} between two ISO-8601 date-times (sObject Get Deleted):
     * {@code deletedRecords[{id, deletedDate}]}, {@code earliestDateAvailable}, {@code latestDateCovered}.
     */
    JsonNode deleted(String object, String start, String end) throws PullException, InterruptedException {
        String path = "/services/data/v" + config.getApiVersion() + "/sobjects/" + URLEncoder.encode(object, StandardCharsets.UTF_8)
                + "/deleted/?start=" + URLEncoder.encode(start, StandardCharsets.UTF_8) + "&end=" + URLEncoder.encode(end, StandardCharsets.UTF_8);
        return retry.run(() -> get(path));
    }

    /** The next page: the response's nextRecordsUrl, a path on the instance. */
    JsonNode next(String nextRecordsUrl) throws PullException, InterruptedException {
        if (!nextRecordsUrl.startsWith("/services/data/")) throw new PullException.Fatal("unexpected nextRecordsUrl " + nextRecordsUrl);
        return retry.run(() -> get(nextRecordsUrl));
    }

    private JsonNode get(String path) throws PullException, InterruptedException {
        java.time.Instant paused = pausedUntil();
        if (paused != null) throw new PullException.QuotaExhausted("Salesforce API requests paused (" + used + "/" + max + " used)", paused);
        try {
            return freshToken.run(() -> {
                String[] session = session();
                Map<String, String> headers = new LinkedHashMap<>();
                headers.put("Authorization", "Bearer " + session[0]);
                headers.put("Accept", "application/json");
                headers.put("Sforce-Query-Options", "batchSize=" + config.getBatchSize());
                HttpReply r = LimitedCall.send(limits, http, "GET", URI.create(session[1] + path), headers, null, null,
                        config.timeout(), calls);
                r.header("Sforce-Limit-Info").ifPresent(this::usage);
                if (r.status() == 200) return parse(r, path);
                String code = errorCode(r);
                String what = "Salesforce HTTP " + r.status() + " " + code + " on " + path.replaceAll("\\?.*", "") + r.redirectNote() + ": " + message(r);
                if (r.status() == 401) { // INVALID_SESSION_ID: expired or revoked; a new session, once
                    forget(session[0]);
                    throw new FreshTokenRetry.Rejected(new PullException.Transient(what));
                }
                if (code.equals("REQUEST_LIMIT_EXCEEDED")) throw pause(what);
                if (r.status() >= 500 || r.status() == 429) throw new PullException.Transient(what);
                throw new PullException.Fatal(what);
            });
        } catch (PullException | InterruptedException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new PullException.Transient(e.toString(), null, e);
        }
    }

    private void usage(String header) {
        Matcher m = USAGE.matcher(header);
        if (!m.find()) return;
        used = Long.parseLong(m.group(1));
        max = Long.parseLong(m.group(2));
        limits.reportUsage(used);
        if (max > 0 && used >= config.getMaxApiShare() * max && pausedUntil() == null) {
            pausedUntil = clock.instant().plus(config.limitWait());
        }
    }

    private PullException.QuotaExhausted pause(String why) {
        pausedUntil = clock.instant().plus(config.limitWait());
        return new PullException.QuotaExhausted(why, pausedUntil);
    }

    /** {access token, instance URL}, fetching a token when there is none. */
    private synchronized String[] session() throws PullException, InterruptedException {
        if (token == null) login();
        return new String[] {token, instanceUrl};
    }

    private synchronized void forget(String stale) {
        if (stale.equals(token)) token = null;
    }

    private void login() throws PullException, InterruptedException {
        String form;
        if (config.getClientSecret() != null && !config.getClientSecret().isBlank()) {
            form = "grant_type=client_credentials&client_id=" + enc(config.getClientId()) + "&client_secret=" + enc(config.getClientSecret());
        } else {
            form = "grant_type=" + enc("urn:ietf:params:oauth:grant-type:jwt-bearer") + "&assertion=" + enc(jwt());
        }
        String url = config.getLoginUrl().replaceAll("/+$", "") + "/services/oauth2/token";
        HttpReply r = LimitedCall.send(limits, http, "POST", URI.create(url), Map.of("Accept", "application/json"),
                form.getBytes(StandardCharsets.UTF_8), "application/x-www-form-urlencoded", config.timeout(), calls);
        if (r.status() >= 500 || r.status() == 429) throw new PullException.Transient("Salesforce token endpoint HTTP " + r.status());
        JsonNode body = parse(r, "/services/oauth2/token");
        if (r.status() != 200 || !body.hasNonNull("access_token") || !body.hasNonNull("instance_url")) {
            throw new PullException.Fatal("Salesforce refused the credentials of source " + sourceId + " (HTTP " + r.status() + "): "
                    + body.path("error").asText("") + " " + body.path("error_description").asText(""));
        }
        token = body.get("access_token").asText();
        instanceUrl = body.get("instance_url").asText().replaceAll("/+$", "");
    }

    /** The JWT bearer assertion: iss = client id, sub = username, aud, exp in 3 minutes; RS256. */
    private String jwt() throws PullException {
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        long exp = clock.instant().plusSeconds(180).getEpochSecond();
        try {
            String header = b64.encodeToString("{\"alg\":\"RS256\"}".getBytes(StandardCharsets.UTF_8));
            String claims = b64.encodeToString(json.writeValueAsBytes(Map.of("iss", config.getClientId(),
                    "sub", config.getUsername(), "aud", config.getAudience(), "exp", exp)));
            Signature sig = Signature.getInstance("SHA256withRSA");
            sig.initSign(privateKey(config.getPrivateKey()));
            sig.update((header + "." + claims).getBytes(StandardCharsets.UTF_8));
            return header + "." + claims + "." + b64.encodeToString(sig.sign());
        } catch (GeneralSecurityException | IOException | IllegalArgumentException e) {
            throw new PullException.Fatal("cannot sign the JWT bearer assertion (pull.privateKey must be a PKCS#8 PEM RSA key): "
                    + e.getMessage(), e);
        }
    }

    static PrivateKey privateKey(String pem) throws GeneralSecurityException {
        String base64 = pem.replaceAll("-----(BEGIN|END) PRIVATE KEY-----", "").replaceAll("\\s+", "");
        return KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(base64)));
    }

    private JsonNode parse(HttpReply r, String what) throws PullException {
        try {
            JsonNode n = io.cohort.ingest.JsonNumbers.readPage(pages, r.body());
            return n == null ? json.createObjectNode() : n;
        } catch (IOException e) {
            throw new PullException.Transient("unreadable Salesforce response on " + what + " (HTTP " + r.status() + ")", null, e);
        }
    }

    /** Salesforce's REST error body: [{"message", "errorCode"}]. */
    private String errorCode(HttpReply r) {
        try {
            JsonNode n = json.readTree(r.body());
            return n == null ? "" : n.path(0).path("errorCode").asText("");
        } catch (IOException e) {
            return "";
        }
    }

    private String message(HttpReply r) {
        try {
            JsonNode n = json.readTree(r.body());
            return n == null ? "" : n.path(0).path("message").asText("");
        } catch (IOException e) {
            return r.body() == null ? "" : r.body().substring(0, Math.min(200, r.body().length()));
        }
    }

    private static String enc(String s) { return URLEncoder.encode(s, StandardCharsets.UTF_8); }
}
