package io.cohort.destination.linkedin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cohort.destination.Activation;
import io.cohort.destination.AudienceChange;
import io.cohort.destination.ConnectionCheck;
import io.cohort.destination.DeliveryException;
import io.cohort.destination.DeliveryResult;
import io.cohort.destination.Destination;
import io.cohort.destination.DestinationContext;
import io.cohort.destination.HttpSupport;
import io.cohort.destination.Rejection;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Streams audience changes into a LinkedIn DMP segment (docs "DMP Segments", "DMP Segment
 * Users"): the segment is found by name in the ad account ({@code GET /dmpSegments?q=account})
 * or created ({@code POST /dmpSegments}, id from the {@code x-restli-id} header), then changes go
 * to {@code POST /dmpSegments/{id}/users} with {@code X-RestLi-Method: BATCH_CREATE}, one element
 * per person with its SHA256_EMAIL. Per-element statuses in the answer become rejections.
 */
final class LinkedInDestination implements Destination {
    private static final String ACCOUNT_URN = "urn:li:sponsoredAccount:";

    private final LinkedInDestinationFactory config;
    private final String baseUrl;
    private final HttpClient http;
    private final ObjectMapper mapper;
    private final Clock clock;
    /** account|name → segment; created segments remember when they become usable. */
    private final Map<String, Segment> segments = new ConcurrentHashMap<>();
    private final Set<String> accounts = ConcurrentHashMap.newKeySet();

    private record Segment(String id, Instant readyAt) {}

    LinkedInDestination(LinkedInDestinationFactory config, DestinationContext ctx) {
        this.config = config;
        this.baseUrl = config.getBaseUrl().replaceAll("/+$", "");
        this.http = ctx.http();
        this.mapper = ctx.mapper();
        this.clock = ctx.clock();
    }

    @Override public int maxBatchSize() { return config.getBatchSize(); }

    @Override
    public List<String> validateActivation(Map<String, String> params) {
        List<String> errors = new ArrayList<>();
        String account = params.get("adAccount");
        if (account == null || !account.trim().matches("(urn:li:sponsoredAccount:)?\\d+")) {
            errors.add("param 'adAccount' must be urn:li:sponsoredAccount:<number> or the number, was '" + account + "'");
        } else {
            accounts.add(accountUrn(account)); // the connection check reads one of them
        }
        String name = params.get("segmentName");
        if (name == null || name.isBlank()) errors.add("param 'segmentName' (the DMP segment's name) is required");
        return errors;
    }

    /** Lists the DMP segments of a configured ad account: proves token, version and permission. */
    @Override
    public ConnectionCheck check() {
        String account = accounts.stream().sorted().findFirst().orElse(null);
        if (account == null) return ConnectionCheck.healthy("no activations yet");
        try {
            findSegments(account);
            return ConnectionCheck.healthy("DMP segments of " + account + " readable");
        } catch (DeliveryException e) {
            return ConnectionCheck.failed(e.getMessage());
        }
    }

    @Override
    public DeliveryResult deliver(Activation activation, List<AudienceChange> changes) throws DeliveryException {
        List<Rejection> rejections = new ArrayList<>();
        List<AudienceChange> sent = new ArrayList<>();
        List<Map<String, Object>> elements = new ArrayList<>();
        for (AudienceChange c : changes) {
            if (c.email() == null || c.email().isBlank()) {
                rejections.add(new Rejection(c.personId(), "no email: LinkedIn matches members by hashed email"));
                continue;
            }
            sent.add(c);
            elements.add(Map.of("action", c.action().name(),
                    "userIds", List.of(Map.of("idType", "SHA256_EMAIL", "idValue", sha256(c.email())))));
        }
        if (elements.isEmpty()) return new DeliveryResult(rejections);

        String account = accountUrn(activation.param("adAccount"));
        String name = activation.param("segmentName").trim();
        Segment segment = segment(account, name);
        Duration notReady = Duration.between(clock.instant(), segment.readyAt());
        if (!notReady.isNegative() && !notReady.isZero()) {
            throw new DeliveryException.Retriable("DMP segment " + segment.id() + " was just created", notReady, null);
        }
        HttpResponse<String> r = HttpSupport.send(http, request("/dmpSegments/" + segment.id() + "/users")
                .header("X-RestLi-Method", "BATCH_CREATE").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(write(Map.of("elements", elements)))).build());
        if (r.statusCode() == 404) {
            boolean fresh = segment.readyAt().plus(Duration.ofMinutes(1)).isAfter(clock.instant());
            if (!fresh) segments.remove(account + "|" + name); // deleted meanwhile: find or create it again
            throw new DeliveryException.Retriable("DMP segment " + segment.id() + " not found (HTTP 404)"
                    + (fresh ? ", it was just created" : ""), fresh ? readyDelay() : null, null);
        }
        failOnError(r, "POST /dmpSegments/" + segment.id() + "/users");
        JsonNode statuses = parse(r).path("elements");
        for (int i = 0; i < sent.size() && i < statuses.size(); i++) {
            JsonNode s = statuses.get(i);
            int status = s.path("status").asInt(200);
            if (status >= 300) {
                String msg = s.path("error").path("message").asText(s.path("message").asText(""));
                rejections.add(new Rejection(sent.get(i).personId(), "LinkedIn element status " + status
                        + (msg.isEmpty() ? "" : ": " + msg)));
            }
        }
        return new DeliveryResult(rejections);
    }

    private Segment segment(String account, String name) throws DeliveryException {
        String key = account + "|" + name;
        Segment known = segments.get(key);
        if (known != null) return known;
        for (JsonNode s : findSegments(account)) {
            if (name.equals(s.path("name").asText()) && s.hasNonNull("id")) {
                Segment found = new Segment(s.get("id").asText(), Instant.MIN);
                segments.put(key, found);
                return found;
            }
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("name", name);
        body.put("account", account);
        body.put("type", "USER");
        body.put("accessPolicy", "PRIVATE");
        body.put("destinations", List.of(Map.of("destination", "LINKEDIN")));
        if (config.getSourcePlatform() != null && !config.getSourcePlatform().isBlank()) {
            body.put("sourcePlatform", config.getSourcePlatform());
        }
        HttpResponse<String> r = HttpSupport.send(http, request("/dmpSegments")
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(write(body))).build());
        failOnError(r, "POST /dmpSegments");
        String id = r.headers().firstValue("x-restli-id").or(() -> r.headers().firstValue("x-linkedin-id"))
                .or(() -> r.headers().firstValue("Location").map(l -> l.substring(l.lastIndexOf('/') + 1)))
                .orElseThrow(() -> new DeliveryException.Fatal("LinkedIn created a DMP segment but sent no x-restli-id"));
        Segment created = new Segment(id, clock.instant().plus(readyDelay()));
        segments.put(key, created);
        return created;
    }

    private JsonNode findSegments(String account) throws DeliveryException {
        HttpResponse<String> r = HttpSupport.send(http, request("/dmpSegments?q=account&account="
                + URLEncoder.encode(account, StandardCharsets.UTF_8)).GET().build());
        failOnError(r, "GET /dmpSegments");
        return parse(r).path("elements");
    }

    private HttpRequest.Builder request(String pathAndQuery) {
        return HttpRequest.newBuilder(URI.create(baseUrl + pathAndQuery))
                .timeout(Duration.ofMillis(config.getRequestTimeout().toMilliseconds()))
                .header("Authorization", "Bearer " + config.getAccessToken())
                .header("LinkedIn-Version", config.getLinkedinVersion())
                .header("X-Restli-Protocol-Version", "2.0.0")
                .header("Accept", "application/json");
    }

    /** 429 and 5xx: try later (honouring Retry-After); 401/403 and other 4xx: operator must act. */
    private void failOnError(HttpResponse<String> r, String what) throws DeliveryException {
        int s = r.statusCode();
        if (s < 300) return;
        String msg = "LinkedIn HTTP " + s + " on " + what + ": " + HttpSupport.excerpt(r.body());
        if (s == 429 || s >= 500 || s == 408) throw new DeliveryException.Retriable(msg, HttpSupport.retryAfter(r, clock), null);
        if (s == 401) throw new DeliveryException.Fatal(msg + " (access token invalid or expired)");
        throw new DeliveryException.Fatal(msg);
    }

    private JsonNode parse(HttpResponse<String> r) throws DeliveryException.Retriable {
        if (r.body() == null || r.body().isBlank()) return mapper.createObjectNode();
        try {
            return mapper.readTree(r.body());
        } catch (Exception e) {
            throw new DeliveryException.Retriable("unreadable LinkedIn response: " + HttpSupport.excerpt(r.body()), null, e);
        }
    }

    private String write(Object body) throws DeliveryException.Fatal {
        try {
            return mapper.writeValueAsString(body);
        } catch (Exception e) {
            throw new DeliveryException.Fatal("cannot encode request: " + e.getMessage(), e);
        }
    }

    private Duration readyDelay() { return Duration.ofMillis(config.getSegmentReadyDelay().toMilliseconds()); }

    static String accountUrn(String account) {
        String a = account.trim();
        return a.startsWith(ACCOUNT_URN) ? a : ACCOUNT_URN + a;
    }

    /** LinkedIn's SHA256_EMAIL: hex SHA-256 of the trimmed, lower-cased address. */
    static String sha256(String email) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256")
                    .digest(email.trim().toLowerCase(Locale.ROOT).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
