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
import io.cohort.vendor.HttpReply;
import io.cohort.vendor.VendorHttp;
import java.net.URI;
import java.net.URLEncoder;
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
 * Users"): the segment is found by name in the ad account ({@code GET /dmpSegments?q=account},
 * paged with {@code start}/{@code count} until found or the pages end) or created
 * ({@code POST /dmpSegments} with the configured {@code sourcePlatform}, id from the
 * {@code x-restli-id} header), then changes go
 * to {@code POST /dmpSegments/{id}/users} with {@code X-RestLi-Method: BATCH_CREATE}, one element
 * per person with its SHA256_EMAIL. Per-element statuses in the answer become rejections.
 */
final class LinkedInDestination implements Destination {
    private static final String ACCOUNT_URN = "urn:li:sponsoredAccount:";
    /** Segments asked per page of the account finder. */
    static final int PAGE_SIZE = 100;
    /** A safety stop: 100,000 segments in one ad account is not a real account. */
    private static final int MAX_PAGES = 1000;

    private final LinkedInDestinationFactory config;
    private final String baseUrl;
    private final VendorHttp http;
    private final ObjectMapper mapper;
    private final Clock clock;
    /** account|name → segment; created segments remember when they become usable. */
    private final Map<String, Segment> segments = new ConcurrentHashMap<>();
    private final Set<String> accounts = ConcurrentHashMap.newKeySet();

    private record Segment(String id, Instant readyAt) {}

    LinkedInDestination(LinkedInDestinationFactory config, DestinationContext ctx) {
        if (config.getSourcePlatform() == null || config.getSourcePlatform().isBlank()) {
            throw new IllegalArgumentException("linkedin: sourcePlatform is required (the DMP source platform value "
                    + "LinkedIn assigned to your integration); LinkedIn refuses to create a segment without it");
        }
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
            findSegments(account, 0, 1);
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
            // LinkedIn matches by hashed email: removing a merged-away person's email would remove a member.
            if (c.action() == AudienceChange.Action.REMOVE && c.emailStillWanted()) continue;
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
        HttpReply r = send("POST", "/dmpSegments/" + segment.id() + "/users", Map.of("X-RestLi-Method", "BATCH_CREATE"),
                write(Map.of("elements", elements)));
        if (r.status() == 404) {
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
        Segment found = find(account, name);
        if (found != null) {
            segments.put(key, found);
            return found;
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("name", name);
        body.put("account", account);
        body.put("type", "USER");
        body.put("accessPolicy", "PRIVATE");
        body.put("destinations", List.of(Map.of("destination", "LINKEDIN")));
        body.put("sourcePlatform", config.getSourcePlatform().trim()); // required by LinkedIn (400 without it)
        HttpReply r = send("POST", "/dmpSegments", Map.of(), write(body));
        failOnError(r, "POST /dmpSegments");
        String id = r.header("x-restli-id").or(() -> r.header("x-linkedin-id"))
                .or(() -> r.header("Location").map(l -> l.substring(l.lastIndexOf('/') + 1)))
                .orElseThrow(() -> new DeliveryException.Fatal("LinkedIn created a DMP segment but sent no x-restli-id"));
        Segment created = new Segment(id, clock.instant().plus(readyDelay()));
        segments.put(key, created);
        return created;
    }

    /**
     * Pages through the ad account's segments ({@code start}, {@code count}) until one has the
     * name; null when none has. Stops at an empty or short page, or past {@code paging.total}.
     */
    private Segment find(String account, String name) throws DeliveryException {
        int start = 0;
        for (int page = 0; page < MAX_PAGES; page++) {
            JsonNode answer = findSegments(account, start, PAGE_SIZE);
            JsonNode elements = answer.path("elements");
            for (JsonNode s : elements) {
                if (name.equals(s.path("name").asText()) && s.hasNonNull("id")) return new Segment(s.get("id").asText(), Instant.MIN);
            }
            start += elements.size();
            JsonNode total = answer.path("paging").path("total");
            if (elements.isEmpty() || (total.isNumber() ? start >= total.asInt() : elements.size() < PAGE_SIZE)) return null;
        }
        throw new DeliveryException.Fatal("ad account " + account + " lists more than " + MAX_PAGES * PAGE_SIZE
                + " DMP segments; not searching further for '" + name + "'");
    }

    /** One page of {@code GET /dmpSegments?q=account&account=…&start=…&count=…}. */
    private JsonNode findSegments(String account, int start, int count) throws DeliveryException {
        HttpReply r = send("GET", "/dmpSegments?q=account&account=" + URLEncoder.encode(account, StandardCharsets.UTF_8)
                + "&start=" + start + "&count=" + count, Map.of(), null);
        failOnError(r, "GET /dmpSegments");
        return parse(r);
    }

    private HttpReply send(String method, String pathAndQuery, Map<String, String> extra, byte[] body)
            throws DeliveryException.Retriable {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Authorization", "Bearer " + config.getAccessToken());
        headers.put("LinkedIn-Version", config.getLinkedinVersion());
        headers.put("X-Restli-Protocol-Version", "2.0.0");
        headers.put("Accept", "application/json");
        headers.putAll(extra);
        return HttpSupport.send(http, method, URI.create(baseUrl + pathAndQuery), headers, body, "application/json",
                Duration.ofMillis(config.getRequestTimeout().toMilliseconds()));
    }

    /** 429 and 5xx: try later (honouring Retry-After); 401/403 and other 4xx: operator must act. */
    private void failOnError(HttpReply r, String what) throws DeliveryException {
        int s = r.status();
        if (s < 300) return;
        String msg = "LinkedIn HTTP " + s + " on " + what + r.redirectNote() + ": " + HttpSupport.excerpt(r.body());
        if (s == 429 || s >= 500 || s == 408) throw new DeliveryException.Retriable(msg, HttpSupport.retryAfter(r, clock), null);
        if (s == 401) throw new DeliveryException.Fatal(msg + " (access token invalid or expired)");
        throw new DeliveryException.Fatal(msg);
    }

    private JsonNode parse(HttpReply r) throws DeliveryException.Retriable {
        if (r.body() == null || r.body().isBlank()) return mapper.createObjectNode();
        try {
            return mapper.readTree(r.body());
        } catch (Exception e) {
            throw new DeliveryException.Retriable("unreadable LinkedIn response: " + HttpSupport.excerpt(r.body()), null, e);
        }
    }

    private byte[] write(Object body) throws DeliveryException.Fatal {
        try {
            return mapper.writeValueAsBytes(body);
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
