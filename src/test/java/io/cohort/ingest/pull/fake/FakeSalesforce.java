package io.cohort.ingest.pull.fake;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cohort.destination.fake.FakeServer;
import io.cohort.destination.fake.RecordedRequest;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.security.Signature;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Salesforce org as the REST API documents it: OAuth 2.0 tokens at /services/oauth2/token
 * (client credentials, and JWT bearer with an RS256 assertion checked against the connected
 * app's certificate key); sessions that expire (401 INVALID_SESSION_ID); SOQL {@code query} and
 * {@code queryAll} (deleted rows only in queryAll, IsDeleted true) over the fields asked, filtered
 * and ordered by SystemModstamp, paged by nextRecordsUrl with query locators that expire;
 * unknown fields answer 400 INVALID_FIELD; every answer carries Sforce-Limit-Info, and past the
 * daily limit 403 REQUEST_LIMIT_EXCEEDED. The delete log behind {@code sobjects/{type}/deleted}
 * ("sObject Get Deleted"): ids and deletion times of soft and hard deletes for 15 days (less after
 * {@link #purgeDeleteLog()}), seconds ignored, spans of a minute or less and starts before
 * {@code earliestDateAvailable} refused with 400 INVALID_REPLICATION_DATE, {@code latestDateCovered}
 * the end's minute. State survives {@link #stop()}/{@link #start()}.
 */
public final class FakeSalesforce extends FakeServer {
    public static final String CLIENT_ID = "3MVG9-cohort-connected-app";
    public static final String CLIENT_SECRET = "sf-secret";
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSXX");
    private static final Pattern SOQL = Pattern.compile(
            "SELECT (.+?) FROM (\\w+)(?: WHERE (.+?))?(?: ORDER BY SystemModstamp ASC)?", Pattern.CASE_INSENSITIVE);
    private static final Pattern COND = Pattern.compile("SystemModstamp (>=|<|>) (\\S+)");

    private final Map<String, Map<String, ObjectNode>> objects = new ConcurrentHashMap<>();
    private final Map<String, Long> sessions = new ConcurrentHashMap<>();
    private final Map<String, List<ObjectNode>> locators = new ConcurrentHashMap<>();
    private final AtomicInteger tokensIssued = new AtomicInteger();
    private final AtomicLong apiCalls = new AtomicLong();
    private final AtomicInteger queries = new AtomicInteger();
    private volatile long dailyLimit = 15_000;
    private volatile int pageSize = 2000;
    private volatile Duration sessionTtl = Duration.ofHours(2);
    private volatile PublicKey jwtKey;
    private volatile String jwtUser;
    private volatile int failNextQueries;
    private volatile Duration latency = Duration.ZERO;
    /** type → id → deletion time, the org's delete log. */
    private final Map<String, Map<String, Instant>> deleteLog = new ConcurrentHashMap<>();
    private volatile Instant purgedAt = Instant.MIN;
    private volatile Duration deleteLogResolution = Duration.ofMinutes(1);
    private final AtomicInteger getDeletedCalls = new AtomicInteger();

    /** Every API call takes this long. */
    public FakeSalesforce latency(Duration d) { latency = d; return this; }

    /** Rows created directly with a given SystemModstamp (for volume tests). */
    public FakeSalesforce put(String type, String id, Map<String, Object> fields, Instant modified) {
        upsert(type, id, fields);
        table(type).get(id).put("SystemModstamp", stamp(modified));
        return this;
    }

    @Override public FakeSalesforce start() { super.start(); return this; }

    // ---- data -------------------------------------------------------------------------------

    /** Loads the SOQL results of a sample folder (samples/bodea/crm-1), last modified at {@code modified}. */
    public FakeSalesforce load(Path dir, Instant modified) throws Exception {
        try (var files = Files.list(dir)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".json")).sorted().toList()) {
                for (JsonNode r : JSON.readTree(Files.readString(f)).path("records")) {
                    ObjectNode row = (ObjectNode) r.deepCopy();
                    row.put("SystemModstamp", stamp(modified));
                    row.put("IsDeleted", false);
                    if (row.path("attributes").path("type").asText().equals("Opportunity")) row.put("CreatedDate", stamp(modified));
                    table(row.path("attributes").path("type").asText()).put(row.get("Id").asText(), row);
                }
            }
        }
        return this;
    }

    /** Creates or updates a row now (fields merged), as a user's save would. */
    public FakeSalesforce upsert(String type, String id, Map<String, Object> fields) {
        ObjectNode row = table(type).computeIfAbsent(id, k -> {
            ObjectNode n = JSON.createObjectNode();
            n.putObject("attributes").put("type", type).put("url", "/services/data/v62.0/sobjects/" + type + "/" + id);
            n.put("Id", id);
            n.put("IsDeleted", false);
            return n;
        });
        fields.forEach((k, v) -> row.set(k, JSON.valueToTree(v)));
        row.put("SystemModstamp", stamp(Instant.now()));
        return this;
    }

    /** Deletes a row now: to the recycle bin (queryAll still returns it, IsDeleted true) and the delete log. */
    public FakeSalesforce delete(String type, String id) {
        ObjectNode row = table(type).get(id);
        row.put("IsDeleted", true);
        row.put("SystemModstamp", stamp(Instant.now()));
        deleteLog.computeIfAbsent(type, k -> new ConcurrentHashMap<>()).put(id, Instant.now());
        return this;
    }

    /**
     * Deletes a row for good now (Bulk API hardDelete, or a recycle bin emptied since): queryAll no
     * longer returns it; only the delete log knows.
     */
    public FakeSalesforce hardDelete(String type, String id) {
        table(type).remove(id);
        deleteLog.computeIfAbsent(type, k -> new ConcurrentHashMap<>()).put(id, Instant.now());
        return this;
    }

    /**
     * The delete log forgets everything until now (as 15 days passing, or an administrator purging
     * the recycle bin, would): a getDeleted starting earlier answers INVALID_REPLICATION_DATE.
     */
    public FakeSalesforce purgeDeleteLog() {
        purgedAt = Instant.now();
        deleteLog.values().forEach(Map::clear);
        return this;
    }

    /** What getDeleted's start and end are cut to (Salesforce: the minute); spans must exceed it. */
    public FakeSalesforce deleteLogResolution(Duration d) { deleteLogResolution = d; return this; }

    public int getDeletedCalls() { return getDeletedCalls.get(); }

    public int rows(String type) { return table(type).size(); }

    private Map<String, ObjectNode> table(String type) { return objects.computeIfAbsent(type, k -> new ConcurrentHashMap<>()); }

    private static String stamp(Instant t) { return STAMP.format(t.atOffset(ZoneOffset.UTC)); }

    // ---- behaviour --------------------------------------------------------------------------

    public FakeSalesforce pageSize(int n) { pageSize = n; return this; }

    public FakeSalesforce dailyLimit(long n) { dailyLimit = n; return this; }

    public FakeSalesforce sessionTtl(Duration d) { sessionTtl = d; return this; }

    /** Accepts JWT bearer assertions for {@code username} signed by the key of {@code key}. */
    public FakeSalesforce jwt(String username, PublicKey key) { jwtUser = username; jwtKey = key; return this; }

    /** Every session ends now (as a password change or an admin's revoke would). */
    public void expireSessions() { sessions.replaceAll((t, exp) -> 0L); }

    /** The next n queries answer 503 SERVER_UNAVAILABLE. */
    public FakeSalesforce failNextQueries(int n) { failNextQueries = n; return this; }

    public int tokensIssued() { return tokensIssued.get(); }

    public long apiCalls() { return apiCalls.get(); }

    public int queries() { return queries.get(); }

    // ---- endpoints --------------------------------------------------------------------------

    @Override
    protected Reply handle(String method, String path, String query, Map<String, List<String>> headers, String body) throws Exception {
        RecordedRequest req = new RecordedRequest(method, path, query, headers, body, 0);
        if (path.equals("/services/oauth2/token") && method.equals("POST")) return token(form(body));
        if (!path.startsWith("/services/data/v")) return error(404, "NOT_FOUND", "The requested resource does not exist");
        String auth = req.header("Authorization");
        Long exp = auth == null || !auth.startsWith("Bearer ") ? null : sessions.get(auth.substring(7));
        if (exp == null || exp < System.currentTimeMillis()) return error(401, "INVALID_SESSION_ID", "Session expired or invalid");
        if (!latency.isZero()) Thread.sleep(latency.toMillis());
        if (apiCalls.incrementAndGet() > dailyLimit) {
            return error(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.");
        }
        Matcher deleted = Pattern.compile("/services/data/v[\\d.]+/sobjects/(\\w+)/deleted/?").matcher(path);
        if (deleted.matches() && method.equals("GET")) return getDeleted(deleted.group(1), req);
        Matcher more = Pattern.compile("/services/data/v[\\d.]+/query/([\\w-]+)").matcher(path);
        if (more.matches()) {
            List<ObjectNode> rest = locators.remove(more.group(1));
            if (rest == null) return error(400, "INVALID_QUERY_LOCATOR", "invalid query locator");
            return page(rest, batchSize(req));
        }
        if (path.matches("/services/data/v[\\d.]+/query(All)?")) {
            if (failNextQueries > 0) {
                failNextQueries--;
                return error(503, "SERVER_UNAVAILABLE", "Server is temporarily unavailable");
            }
            queries.incrementAndGet();
            return soql(req.query("q").stream().findFirst().orElse(""), path.endsWith("queryAll"), batchSize(req));
        }
        return error(404, "NOT_FOUND", "The requested resource does not exist");
    }

    private Reply getDeleted(String type, RecordedRequest req) {
        getDeletedCalls.incrementAndGet();
        if (req.query("start").isEmpty() || req.query("end").isEmpty()) {
            return error(400, "MALFORMED_QUERY", "start and end are required");
        }
        Instant start;
        Instant end;
        try {
            start = cut(OffsetDateTime.parse(req.query("start").get(0)).toInstant());
            end = cut(OffsetDateTime.parse(req.query("end").get(0)).toInstant());
        } catch (RuntimeException e) {
            return error(400, "INVALID_DATE_FORMAT", "start and end must be ISO-8601 date-times: " + e.getMessage());
        }
        Instant earliest = cut(max(purgedAt, Instant.now().minus(Duration.ofDays(15))));
        if (!start.plus(deleteLogResolution).isBefore(end)) {
            return error(400, "INVALID_REPLICATION_DATE", "startDate must chronologically precede endDate by more than one minute");
        }
        if (start.isBefore(earliest)) {
            return error(400, "INVALID_REPLICATION_DATE", "startDate before the earliest date available in the delete log ("
                    + stamp(earliest) + "); replicate the object again");
        }
        List<Map<String, Object>> records = new ArrayList<>();
        deleteLog.getOrDefault(type, Map.of()).forEach((id, at) -> {
            if (!at.isBefore(start) && at.isBefore(end)) records.add(Map.of("id", id, "deletedDate", stamp(at)));
        });
        records.sort(Comparator.comparing(r -> r.get("deletedDate").toString()));
        return Reply.of(200, Map.of("Content-Type", "application/json;charset=UTF-8",
                "Sforce-Limit-Info", "api-usage=" + apiCalls.get() + "/" + dailyLimit), json(Map.of("deletedRecords", records,
                "earliestDateAvailable", stamp(earliest), "latestDateCovered", stamp(end))));
    }

    private Instant cut(Instant t) {
        long unit = deleteLogResolution.toMillis();
        return Instant.ofEpochMilli(Math.floorDiv(t.toEpochMilli(), unit) * unit);
    }

    private static Instant max(Instant a, Instant b) { return a.isAfter(b) ? a : b; }

    private int batchSize(RecordedRequest req) {
        String opt = req.header("Sforce-Query-Options");
        int asked = opt != null && opt.startsWith("batchSize=") ? Integer.parseInt(opt.substring(10)) : 2000;
        return Math.min(asked, pageSize);
    }

    private Reply token(Map<String, String> form) throws Exception {
        String grant = form.get("grant_type");
        boolean ok;
        if ("client_credentials".equals(grant)) {
            ok = CLIENT_ID.equals(form.get("client_id")) && CLIENT_SECRET.equals(form.get("client_secret"));
        } else if ("urn:ietf:params:oauth:grant-type:jwt-bearer".equals(grant)) {
            ok = validJwt(form.getOrDefault("assertion", ""));
        } else {
            return Reply.json(400, "{\"error\":\"unsupported_grant_type\",\"error_description\":\"grant type not supported\"}");
        }
        if (!ok) return Reply.json(400, "{\"error\":\"invalid_client\",\"error_description\":\"invalid client credentials\"}");
        String token = "00Dfake!" + UUID.randomUUID();
        sessions.put(token, System.currentTimeMillis() + sessionTtl.toMillis());
        tokensIssued.incrementAndGet();
        return Reply.json(200, json(Map.of("access_token", token, "instance_url", url(), "id",
                url() + "/id/00Dfake/005fake", "token_type", "Bearer", "issued_at", String.valueOf(System.currentTimeMillis()),
                "signature", "fake")));
    }

    private boolean validJwt(String assertion) throws Exception {
        String[] parts = assertion.split("\\.");
        if (parts.length != 3 || jwtKey == null) return false;
        Signature sig = Signature.getInstance("SHA256withRSA");
        sig.initVerify(jwtKey);
        sig.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.UTF_8));
        if (!sig.verify(Base64.getUrlDecoder().decode(parts[2]))) return false;
        JsonNode claims = JSON.readTree(Base64.getUrlDecoder().decode(parts[1]));
        return CLIENT_ID.equals(claims.path("iss").asText()) && jwtUser.equals(claims.path("sub").asText())
                && claims.path("exp").asLong() > Instant.now().getEpochSecond();
    }

    private Reply soql(String q, boolean all, int batch) {
        Matcher m = SOQL.matcher(q.trim());
        if (!m.matches()) return error(400, "MALFORMED_QUERY", "unexpected token in: " + q);
        List<String> fields = List.of(m.group(1).split("\\s*,\\s*"));
        Map<String, ObjectNode> table = objects.getOrDefault(m.group(2), Map.of());
        Set<String> known = knownFields(m.group(2));
        for (String f : fields) {
            if (!known.contains(f)) return error(400, "INVALID_FIELD", "No such column '" + f + "' on entity '" + m.group(2) + "'");
        }
        List<ObjectNode> rows = new ArrayList<>();
        for (ObjectNode r : table.values()) {
            if (!all && r.path("IsDeleted").asBoolean()) continue;
            if (m.group(3) != null && !matches(r, m.group(3))) continue;
            ObjectNode out = JSON.createObjectNode();
            out.set("attributes", r.get("attributes"));
            for (String f : fields) out.set(f, r.has(f) ? r.get(f) : JSON.nullNode());
            rows.add(out);
        }
        rows.sort(Comparator.comparing((ObjectNode r) -> r.path("SystemModstamp").asText()).thenComparing(r -> r.path("Id").asText()));
        return page(rows, batch);
    }

    private static boolean matches(ObjectNode r, String where) {
        Instant at = OffsetDateTime.parse(r.path("SystemModstamp").asText(), STAMP).toInstant();
        for (String cond : where.split(" AND ")) {
            Matcher c = COND.matcher(cond.trim());
            if (!c.matches()) throw new IllegalArgumentException("unsupported condition " + cond);
            Instant v = OffsetDateTime.parse(c.group(2)).toInstant();
            boolean ok = switch (c.group(1)) {
                case ">=" -> !at.isBefore(v);
                case ">" -> at.isAfter(v);
                default -> at.isBefore(v);
            };
            if (!ok) return false;
        }
        return true;
    }

    private Set<String> knownFields(String type) {
        Set<String> f = new java.util.HashSet<>(Set.of("Id", "SystemModstamp", "IsDeleted", "CreatedDate"));
        objects.getOrDefault(type, Map.of()).values().forEach(r -> r.fieldNames().forEachRemaining(f::add));
        f.addAll(switch (type) {
            case "Account" -> Set.of("Name", "Website", "Industry", "NumberOfEmployees", "AnnualRevenue", "BillingCountry", "BillingCity", "Type");
            case "Contact" -> Set.of("AccountId", "Email", "FirstName", "LastName", "Title", "MailingCountry", "HasOptedOutOfEmail", "LeadSource");
            case "Lead" -> Set.of("Email", "FirstName", "LastName", "Title", "Country", "Company", "HasOptedOutOfEmail", "LeadSource", "Status", "IsConverted");
            case "Opportunity" -> Set.of("AccountId", "Name", "Amount", "StageName", "IsWon", "IsClosed", "CloseDate", "Type");
            case "OpportunityContactRole" -> Set.of("OpportunityId", "ContactId", "Role", "IsPrimary");
            case "AccountContactRelation" -> Set.of("AccountId", "ContactId", "Roles", "IsActive", "IsDirect");
            case "Campaign" -> Set.of("Name", "Type", "Status");
            case "CampaignMember" -> Set.of("CampaignId", "ContactId", "LeadId", "Status");
            default -> Set.of();
        });
        f.remove("attributes");
        return f;
    }

    private Reply page(List<ObjectNode> rows, int batch) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("totalSize", rows.size());
        List<ObjectNode> first = rows.subList(0, Math.min(batch, rows.size()));
        boolean done = rows.size() <= batch;
        body.put("done", done);
        if (!done) {
            String locator = "01gFAKE" + UUID.randomUUID().toString().substring(0, 8) + "-" + batch;
            locators.put(locator, new ArrayList<>(rows.subList(batch, rows.size())));
            body.put("nextRecordsUrl", "/services/data/v62.0/query/" + locator);
        }
        body.put("records", first);
        return Reply.of(200, Map.of("Content-Type", "application/json;charset=UTF-8",
                "Sforce-Limit-Info", "api-usage=" + apiCalls.get() + "/" + dailyLimit), json(body));
    }

    /** Query locators expire (15 minutes idle in the real org): all of them, now. */
    public void expireLocators() { locators.clear(); }

    private Reply error(int status, String code, String message) {
        return Reply.of(status, Map.of("Content-Type", "application/json;charset=UTF-8",
                "Sforce-Limit-Info", "api-usage=" + apiCalls.get() + "/" + dailyLimit),
                json(List.of(Map.of("message", message, "errorCode", code))));
    }

    private static Map<String, String> form(String body) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String pair : body.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0) out.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                    URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
        }
        return out;
    }
}
