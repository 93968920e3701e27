package io.cohort.destination.fake;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Marketo as its REST docs describe it: client-credentials tokens at
 * {@code /identity/oauth/token} that expire; errors as HTTP 200 {@code success:false} with
 * {@code errors[{code,message}]} (600/601/602 auth, 606 rate limit, 615 concurrency, 1013 unknown
 * list); static-list membership with per-lead {@code added/removed/skipped} results and reasons
 * (1004 lead not found, 1015 not in list); leads by email and createOrUpdate. Failures can be
 * injected; state survives {@link #stop()}/{@link #start()}.
 */
public final class FakeMarketo extends FakeServer {
    public static final String CLIENT_ID = "cohort-client";
    public static final String CLIENT_SECRET = "cohort-secret";
    private static final Pattern LIST_LEADS = Pattern.compile("/rest/v1/lists/(\\d+)/leads\\.json");

    private final Map<Long, Set<Long>> lists = new ConcurrentHashMap<>();
    private final Map<Long, String> leads = new ConcurrentHashMap<>();
    private final Map<String, Long> tokens = new ConcurrentHashMap<>(); // token → expiry (ms)
    private final AtomicInteger tokenCount = new AtomicInteger();
    private final AtomicLong nextLeadId = new AtomicLong(5000);
    private final Queue<String[]> failures = new ConcurrentLinkedQueue<>();
    private final Deque<Long> recentCalls = new ArrayDeque<>();
    private final Map<Integer, AtomicInteger> errorsSent = new ConcurrentHashMap<>();
    private volatile Duration tokenTtl = Duration.ofHours(1);
    private volatile int rateLimitCalls = Integer.MAX_VALUE;
    private volatile Duration rateLimitWindow = Duration.ofSeconds(20);
    private volatile int concurrencyLimit = Integer.MAX_VALUE;
    private volatile Duration latency = Duration.ZERO;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger callsServed = new AtomicInteger();
    private volatile ListListener listListener;
    private volatile Extension extension;

    /** A reply of an {@link Extension}. */
    public record ExtensionReply(int status, String contentType, String body, Map<String, String> headers) {
        public ExtensionReply(int status, String contentType, String body) { this(status, contentType, body, Map.of()); }
    }

    /**
     * More endpoints on the same instance (the source side: leads, activities, bulk exports…), asked
     * after authentication, rate limit and injected failures, before the destination endpoints.
     */
    @FunctionalInterface
    public interface Extension {
        /** @return null when the request is not the extension's */
        ExtensionReply handle(String method, String path, RecordedRequest request) throws Exception;
    }

    public FakeMarketo extension(Extension e) { extension = e; return this; }

    /** Ids of the static lists. */
    public Set<Long> listIds() { return Set.copyOf(lists.keySet()); }

    /** Told of every change of a static list's membership, as the request making it is handled. */
    @FunctionalInterface
    public interface ListListener {
        /** @param nanoTime {@link System#nanoTime()} when the change was applied */
        void changed(long listId, long leadId, boolean added, long nanoTime);
    }

    /** Sets the one listener of list membership changes (null: none), e.g. to time deliveries. */
    public FakeMarketo onListChange(ListListener listener) { listListener = listener; return this; }

    @Override public FakeMarketo start() { super.start(); return this; }

    public FakeMarketo list(long listId) { lists.putIfAbsent(listId, ConcurrentHashMap.newKeySet()); return this; }

    public FakeMarketo lead(long id, String email) { leads.put(id, email); return this; }

    /** Deletes a lead (as a merge or a deletion in Marketo would): gone from every list too. */
    public FakeMarketo deleteLead(long id) {
        leads.remove(id);
        lists.values().forEach(s -> s.remove(id));
        return this;
    }

    /** Members of a static list (lead ids). */
    public Set<Long> members(long listId) { return Set.copyOf(lists.getOrDefault(listId, Set.of())); }

    /** The email of a lead (as given or created), or null. */
    public String leadEmail(long id) { return leads.get(id); }

    /** Lead id for an email, or null. */
    public Long leadByEmail(String email) {
        return leads.entrySet().stream().filter(e -> e.getValue().equalsIgnoreCase(email)).map(Map.Entry::getKey)
                .findFirst().orElse(null);
    }

    public FakeMarketo tokenTtl(Duration ttl) { tokenTtl = ttl; return this; }

    /** Every token issued so far expires now (calls with it get 602). */
    public void expireTokens() { tokens.replaceAll((t, exp) -> 0L); }

    public int tokensIssued() { return tokenCount.get(); }

    /** The next REST call (after authentication) answers success:false with this code. */
    public FakeMarketo failNext(int code, String message) { failures.add(new String[]{String.valueOf(code), message}); return this; }

    /** Enforces "calls per window" like Marketo: above it, 606. */
    public FakeMarketo rateLimit(int calls, Duration window) { rateLimitCalls = calls; rateLimitWindow = window; return this; }

    /** Enforces "concurrent calls" like Marketo (10 per instance): above it, 615. */
    public FakeMarketo concurrencyLimit(int calls) { concurrencyLimit = calls; return this; }

    /** Every REST call takes at least this long (to let concurrency build up). */
    public FakeMarketo latency(Duration d) { latency = d; return this; }

    /** REST calls answered within the limits (any outcome after the rate and concurrency checks). */
    public int callsServed() { return callsServed.get(); }

    public int errorsSent(int code) { return errorsSent.getOrDefault(code, new AtomicInteger()).get(); }

    @Override
    protected Reply handle(String method, String path, String query, Map<String, List<String>> headers, String body)
            throws Exception {
        RecordedRequest req = new RecordedRequest(method, path, query, headers, body, 0);
        if (path.equals("/identity/oauth/token")) return token(req);
        if (!path.startsWith("/rest/") && !path.startsWith("/bulk/")) return Reply.json(404, "{}");

        String auth = req.header("Authorization");
        if (auth == null || !auth.startsWith("Bearer ")) return error(600, "Access token not specified");
        Long expiry = tokens.get(auth.substring(7));
        if (expiry == null) return error(601, "Access token invalid");
        if (expiry < System.currentTimeMillis()) return error(602, "Access token expired");
        if (!allowCall()) return error(606, "Max rate limit '" + rateLimitCalls + "' exceeded with in '" + rateLimitWindow.toSeconds() + "' secs");
        if (inFlight.incrementAndGet() > concurrencyLimit) {
            inFlight.decrementAndGet();
            return error(615, "Concurrent access limit reached");
        }
        try {
            callsServed.incrementAndGet();
            if (!latency.isZero()) Thread.sleep(latency.toMillis());
            return serve(method, path, body, req);
        } finally {
            inFlight.decrementAndGet();
        }
    }

    private Reply serve(String method, String path, String body, RecordedRequest req) throws Exception {
        String[] injected = failures.poll();
        if (injected != null) return error(Integer.parseInt(injected[0]), injected[1]);

        Extension ext = extension;
        if (ext != null) {
            ExtensionReply r = ext.handle(method, path, req);
            if (r != null) {
                Map<String, String> h = new LinkedHashMap<>(r.headers());
                h.put("Content-Type", r.contentType());
                return new Reply(r.status(), h, r.body());
            }
        }
        Matcher m = LIST_LEADS.matcher(path);
        if (m.matches()) return listMembership(method, Long.parseLong(m.group(1)), req);
        if (path.equals("/rest/v1/leads.json") && method.equals("GET")) return findLeads(req);
        if (path.equals("/rest/v1/leads.json") && method.equals("POST")) return upsertLeads(JSON.readTree(body));
        return Reply.json(404, "{}");
    }

    private Reply token(RecordedRequest req) {
        if (!List.of("client_credentials").equals(req.query("grant_type"))
                || !List.of(CLIENT_ID).equals(req.query("client_id")) || !List.of(CLIENT_SECRET).equals(req.query("client_secret"))) {
            return Reply.json(401, "{\"error\":\"invalid_client\",\"error_description\":\"Bad client credentials\"}");
        }
        String token = "tok-" + tokenCount.incrementAndGet() + ":int";
        tokens.put(token, System.currentTimeMillis() + tokenTtl.toMillis());
        return Reply.json(200, json(Map.of("access_token", token, "token_type", "bearer",
                "expires_in", tokenTtl.toSeconds(), "scope", "apis@cohort.test")));
    }

    private synchronized boolean allowCall() {
        long now = System.nanoTime();
        while (!recentCalls.isEmpty() && now - recentCalls.peekFirst() >= rateLimitWindow.toNanos()) recentCalls.pollFirst();
        if (recentCalls.size() >= rateLimitCalls) return false;
        recentCalls.addLast(now);
        return true;
    }

    private Reply listMembership(String method, long listId, RecordedRequest req) throws Exception {
        Set<Long> members = lists.get(listId);
        if (members == null) return error(1013, "Static list not found");
        List<Long> ids = new ArrayList<>();
        req.query("id").forEach(v -> ids.add(Long.parseLong(v)));
        if (!req.body().isBlank()) JSON.readTree(req.body()).path("input").forEach(n -> ids.add(n.path("id").asLong()));
        if (ids.size() > 300) return error(1003, "Too many ids: max 300");
        List<Map<String, Object>> result = new ArrayList<>();
        for (Long id : ids) {
            if (!leads.containsKey(id)) {
                result.add(skipped(id, 1004, "Lead not found"));
            } else if (method.equals("POST")) {
                if (members.add(id)) notifyListener(listId, id, true);
                result.add(Map.of("id", id, "status", "added"));
            } else if (method.equals("DELETE")) {
                boolean removed = members.remove(id);
                if (removed) notifyListener(listId, id, false);
                result.add(removed ? Map.of("id", id, "status", "removed") : skipped(id, 1015, "Lead not in list"));
            } else {
                return Reply.json(404, "{}");
            }
        }
        return ok(result);
    }

    private void notifyListener(long listId, long leadId, boolean added) {
        ListListener l = listListener;
        if (l != null) l.changed(listId, leadId, added, System.nanoTime());
    }

    private Reply findLeads(RecordedRequest req) {
        if (!List.of("email").equals(req.query("filterType"))) return error(1003, "Invalid filterType");
        List<Map<String, Object>> result = new ArrayList<>();
        for (String email : String.join(",", req.query("filterValues")).split(",")) {
            leads.forEach((id, e) -> {
                if (e.equalsIgnoreCase(email.trim())) result.add(Map.of("id", id, "email", e));
            });
        }
        return ok(result);
    }

    private Reply upsertLeads(JsonNode body) {
        if (!"email".equals(body.path("lookupField").asText("email"))) return error(1003, "Invalid lookupField");
        List<Map<String, Object>> result = new ArrayList<>();
        int seq = 0;
        for (JsonNode in : body.path("input")) {
            String email = in.path("email").asText("");
            if (!email.contains("@")) {
                result.add(withSeq(skipped(null, 1003, "Invalid email"), seq++));
                continue;
            }
            Long existing = leadByEmail(email);
            if (existing != null) {
                result.add(Map.of("seq", seq++, "id", existing, "status", "updated"));
            } else {
                long id = nextLeadId.incrementAndGet();
                leads.put(id, email.toLowerCase(Locale.ROOT));
                result.add(Map.of("seq", seq++, "id", id, "status", "created"));
            }
        }
        return ok(result);
    }

    private static Map<String, Object> skipped(Long id, int code, String message) {
        Map<String, Object> m = new LinkedHashMap<>();
        if (id != null) m.put("id", id);
        m.put("status", "skipped");
        m.put("reasons", List.of(Map.of("code", String.valueOf(code), "message", message)));
        return m;
    }

    private static Map<String, Object> withSeq(Map<String, Object> m, int seq) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("seq", seq);
        out.putAll(m);
        return out;
    }

    private static Reply ok(List<Map<String, Object>> result) {
        return Reply.json(200, json(Map.of("requestId", "fake#1", "success", true, "result", result)));
    }

    private Reply error(int code, String message) {
        errorsSent.computeIfAbsent(code, k -> new AtomicInteger()).incrementAndGet();
        return Reply.json(200, json(Map.of("requestId", "fake#1", "success", false,
                "errors", List.of(Map.of("code", String.valueOf(code), "message", message)))));
    }
}
