package io.cohort.destination.fake;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * LinkedIn's DMP segment API as its docs describe it, under {@code /rest}: bearer token,
 * {@code LinkedIn-Version} and {@code X-Restli-Protocol-Version: 2.0.0} required; segments found
 * with {@code ?q=account&account=urn}, one page at a time ({@code start}, {@code count}; 10 a
 * page when not asked, {@code paging.total} in the answer), created with 201 + {@code x-restli-id}
 * (name, account, type, destinations and sourcePlatform required: 400 "Required field(s) missing:
 * /sourcePlatform" otherwise) and usable only after a delay (404 before); users added/removed
 * with {@code X-RestLi-Method: BATCH_CREATE} and one status per element. Failures can be
 * injected; state survives a restart.
 */
public final class FakeLinkedIn extends FakeServer {
    public static final String TOKEN = "li-token";
    private static final Pattern USERS = Pattern.compile("/rest/dmpSegments/(\\d+)/users");
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

    /** A DMP segment and the hashed emails in it. */
    public record Segment(String id, String name, String account, JsonNode created, long readyAtMillis, Set<String> users) {}

    private final Map<String, Segment> segments = new ConcurrentHashMap<>();
    private final Map<String, String> rejectedHashes = new ConcurrentHashMap<>();
    private final Queue<Reply> failures = new ConcurrentLinkedQueue<>();
    private final AtomicLong nextId = new AtomicLong(9000);
    private volatile Duration readyDelay = Duration.ZERO;

    @Override public FakeLinkedIn start() { super.start(); return this; }

    /** Base URL to configure, including {@code /rest}. */
    public String baseUrl() { return url() + "/rest"; }

    /** How long a new segment answers 404 to /users (LinkedIn: about 5 s). */
    public FakeLinkedIn readyDelay(Duration d) { readyDelay = d; return this; }

    public Segment existingSegment(String account, String name) {
        String id = String.valueOf(nextId.incrementAndGet());
        Segment s = new Segment(id, name, account, JSON.createObjectNode(), 0, ConcurrentHashMap.newKeySet());
        segments.put(id, s);
        return s;
    }

    public List<Segment> segments() { return List.copyOf(segments.values()); }

    public Segment segment(String account, String name) {
        return segments.values().stream().filter(s -> s.account().equals(account) && s.name().equals(name))
                .findFirst().orElse(null);
    }

    /** The next request answers this status (with Retry-After when not null) instead. */
    public FakeLinkedIn failNext(int status, String retryAfter) {
        Map<String, String> h = new LinkedHashMap<>();
        h.put("Content-Type", "application/json");
        if (retryAfter != null) h.put("Retry-After", retryAfter);
        failures.add(new Reply(status, h, json(Map.of("status", status, "message", "injected failure"))));
        return this;
    }

    /** An element with this idValue gets a per-element error status. */
    public FakeLinkedIn rejectHash(String sha256, String message) { rejectedHashes.put(sha256, message); return this; }

    @Override
    protected Reply handle(String method, String path, String query, Map<String, List<String>> headers, String body)
            throws Exception {
        RecordedRequest req = new RecordedRequest(method, path, query, headers, body, 0);
        if (!("Bearer " + TOKEN).equals(req.header("Authorization"))) {
            return Reply.json(401, json(Map.of("status", 401, "serviceErrorCode", 65600, "code", "INVALID_ACCESS_TOKEN",
                    "message", "Invalid access token")));
        }
        if (req.header("LinkedIn-Version") == null || !req.header("LinkedIn-Version").matches("\\d{6}")) {
            return Reply.json(400, json(Map.of("status", 400, "code", "VERSION_MISSING", "message", "A version must be present")));
        }
        if (!"2.0.0".equals(req.header("X-Restli-Protocol-Version"))) {
            return Reply.json(400, json(Map.of("status", 400, "message", "Restli protocol 2.0.0 required")));
        }
        Reply injected = failures.poll();
        if (injected != null) return injected;

        if (path.equals("/rest/dmpSegments") && method.equals("GET")) return find(req);
        if (path.equals("/rest/dmpSegments") && method.equals("POST")) return create(JSON.readTree(body));
        Matcher m = USERS.matcher(path);
        if (m.matches() && method.equals("POST")) return users(m.group(1), req);
        return notFound();
    }

    /** Default and largest page of the account finder. */
    public static final int DEFAULT_COUNT = 10;
    public static final int MAX_COUNT = 100;

    private Reply find(RecordedRequest req) {
        if (!List.of("account").equals(req.query("q")) || req.query("account").size() != 1) {
            return Reply.json(400, json(Map.of("status", 400, "message", "q=account&account= required")));
        }
        int start;
        int count;
        try {
            start = req.query("start").isEmpty() ? 0 : Integer.parseInt(req.query("start").get(0));
            count = req.query("count").isEmpty() ? DEFAULT_COUNT : Integer.parseInt(req.query("count").get(0));
        } catch (NumberFormatException e) {
            return Reply.json(400, json(Map.of("status", 400, "message", "start and count must be integers")));
        }
        if (start < 0 || count < 0 || count > MAX_COUNT) {
            return Reply.json(400, json(Map.of("status", 400, "message", "Invalid pagination: start=" + start + ", count=" + count)));
        }
        String account = req.query("account").get(0);
        List<Map<String, Object>> all = new ArrayList<>();
        segments.values().stream().filter(s -> s.account().equals(account))
                .sorted(java.util.Comparator.comparingLong(s -> Long.parseLong(s.id())))
                .forEach(s -> all.add(Map.of("id", Long.parseLong(s.id()), "name", s.name(), "account", s.account(), "type", "USER",
                        "status", "READY", "destinations", List.of(Map.of("destination", "LINKEDIN", "status", "READY")))));
        List<Map<String, Object>> page = all.subList(Math.min(start, all.size()), Math.min(start + count, all.size()));
        return Reply.json(200, json(Map.of("elements", page,
                "paging", Map.of("start", start, "count", count, "total", all.size(), "links", List.of()))));
    }

    private Reply create(JsonNode body) {
        List<String> missing = new ArrayList<>();
        for (String field : List.of("name", "account", "type", "destinations", "sourcePlatform")) {
            if (!body.hasNonNull(field) || body.get(field).asText().isEmpty() && body.get(field).isTextual()) missing.add("/" + field);
        }
        if (!missing.isEmpty()) {
            return Reply.json(400, json(Map.of("status", 400, "code", "FIELD_MISSING",
                    "message", "Required field(s) missing: " + String.join(", ", missing))));
        }
        String id = String.valueOf(nextId.incrementAndGet());
        segments.put(id, new Segment(id, body.get("name").asText(), body.get("account").asText(), body,
                System.currentTimeMillis() + readyDelay.toMillis(), ConcurrentHashMap.newKeySet()));
        return new Reply(201, Map.of("x-restli-id", id, "Location", "/dmpSegments/" + id), null);
    }

    private Reply users(String id, RecordedRequest req) throws Exception {
        Segment s = segments.get(id);
        if (s == null || System.currentTimeMillis() < s.readyAtMillis()) return notFound();
        if (!"BATCH_CREATE".equals(req.header("X-RestLi-Method"))) {
            return Reply.json(400, json(Map.of("status", 400, "message", "X-RestLi-Method: BATCH_CREATE required for elements")));
        }
        JsonNode elements = JSON.readTree(req.body()).path("elements");
        if (elements.size() > 5000) return Reply.json(400, json(Map.of("status", 400, "message", "at most 5000 elements")));
        List<Map<String, Object>> statuses = new ArrayList<>();
        for (JsonNode e : elements) {
            JsonNode userId = e.path("userIds").path(0);
            String hash = userId.path("idValue").asText();
            String action = e.path("action").asText();
            if (!"SHA256_EMAIL".equals(userId.path("idType").asText()) || !SHA256.matcher(hash).matches()
                    || !(action.equals("ADD") || action.equals("REMOVE"))) {
                statuses.add(Map.of("status", 400, "message", "Invalid element"));
            } else if (rejectedHashes.containsKey(hash)) {
                statuses.add(Map.of("status", 422, "message", rejectedHashes.get(hash)));
            } else {
                if (action.equals("ADD")) s.users().add(hash);
                else s.users().remove(hash);
                statuses.add(Map.of("status", 201));
            }
        }
        return Reply.json(200, json(Map.of("elements", statuses)));
    }

    private static Reply notFound() {
        return Reply.json(404, json(Map.of("status", 404, "message", "Not Found")));
    }
}
