package io.cohort.ingest.pull.fake;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cohort.destination.fake.FakeMarketo;
import io.cohort.destination.fake.FakeMarketo.ExtensionReply;
import io.cohort.destination.fake.RecordedRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The read side of a Marketo instance as its REST docs describe it, served by a {@link FakeMarketo}
 * (one instance answers the source connector and the destination alike):
 * <ul>
 *   <li>Get Paging Token and the token-paged activity reads — Get Lead Activities (at most 10
 *       activityTypeIds, error 1003 otherwise), Get Lead Changes (fields required), Get Deleted
 *       Leads — with batchSize, nextPageToken and moreResult; a page without activities has no
 *       "result", only a nextPageToken;</li>
 *   <li>leads, companies, opportunities and roles by filterType/filterValues, returning only the
 *       requested fields (the documented minimal set without {@code fields});</li>
 *   <li>bulk lead export jobs: create (createdAt or updatedAt window of at most 31 days),
 *       enqueue, status (Created → Queued → Processing → Completed over status polls), file (CSV);
 *       more than 10 queued jobs answer 1029;</li>
 *   <li>Describe Lead ({@code /rest/v1/leads/describe.json}): each lead field's id, displayName,
 *       dataType, REST and SOAP names; the standard fields the connector reads and any
 *       {@link #leadField custom field};</li>
 *   <li>static lists (asset API, offset/maxReturn) with the members the destination writes;</li>
 *   <li>Get Daily Usage, a daily quota (607 when spent) and a concurrency limit (615).</li>
 * </ul>
 */
public final class FakeMarketoSource implements FakeMarketo.Extension {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern LIST_LEADS = Pattern.compile("/rest/v1/lists/(\\d+)/leads\\.json");
    private static final Pattern EXPORT = Pattern.compile("/bulk/v1/leads/export/([^/]+)/(enqueue|status|file)\\.json");

    /** An activity-like entry ordered by (date, seq), as paging tokens walk them. */
    record Entry(long dateMillis, long seq, ObjectNode body) {}

    private final FakeMarketo marketo;
    private final Map<Long, ObjectNode> leads = new ConcurrentHashMap<>();
    private final List<Entry> activities = new CopyOnWriteArrayList<>();
    private final List<Entry> changes = new CopyOnWriteArrayList<>();
    private final List<Entry> deleted = new CopyOnWriteArrayList<>();
    private final List<ObjectNode> companies = new CopyOnWriteArrayList<>();
    private final List<ObjectNode> opportunities = new CopyOnWriteArrayList<>();
    private final List<ObjectNode> roles = new CopyOnWriteArrayList<>();
    private final Map<Long, String> listNames = new ConcurrentHashMap<>();
    private final Map<String, ObjectNode> exports = new ConcurrentHashMap<>();
    private final AtomicLong seq = new AtomicLong();
    private final AtomicLong activityIds = new AtomicLong(900_000);
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger callsToday = new AtomicInteger();
    private final AtomicInteger exportsCreated = new AtomicInteger();
    private volatile long dailyQuota = Long.MAX_VALUE;
    private volatile int maxConcurrent = 10;
    private volatile int statusPollsPerStage = 1;
    private volatile Duration latency = Duration.ZERO;
    private volatile boolean exportsHeld;
    private volatile double breakNextFile;
    private volatile double holdNextFile;
    private final AtomicInteger fileDownloads = new AtomicInteger();
    private final Map<String, AtomicInteger> outages = new ConcurrentHashMap<>();
    /** Lead fields and their Marketo data types, as Describe Lead answers them. */
    private final Map<String, String> leadFieldTypes = new ConcurrentHashMap<>(Map.ofEntries(
            Map.entry("id", "integer"), Map.entry("email", "email"), Map.entry("firstName", "string"),
            Map.entry("lastName", "string"), Map.entry("title", "string"), Map.entry("country", "string"),
            Map.entry("company", "string"), Map.entry("externalCompanyId", "string"), Map.entry("leadRole", "string"),
            Map.entry("unsubscribed", "boolean"), Map.entry("emailInvalid", "boolean"), Map.entry("leadScore", "integer"),
            Map.entry("leadSource", "string"), Map.entry("createdAt", "datetime"), Map.entry("updatedAt", "datetime")));
    private volatile String exportNull = "null";

    public FakeMarketoSource(FakeMarketo marketo) {
        this.marketo = marketo;
        marketo.extension(this);
    }

    // ---- data -------------------------------------------------------------------------------

    /** Loads a sample folder (samples/bodea/marketo-1): leads, companies, opportunities, roles, activities. */
    public FakeMarketoSource load(Path dir) throws Exception {
        for (JsonNode l : read(dir.resolve("leads.json"))) putLead((ObjectNode) l, false);
        for (JsonNode c : read(dir.resolve("companies.json"))) companies.add(strip((ObjectNode) c));
        for (JsonNode o : read(dir.resolve("opportunities.json"))) opportunities.add(strip((ObjectNode) o));
        for (JsonNode r : read(dir.resolve("opportunityRoles.json"))) roles.add(strip((ObjectNode) r));
        for (JsonNode a : read(dir.resolve("activities.json"))) addEntry(activities, (ObjectNode) a);
        return this;
    }

    private static List<JsonNode> read(Path file) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        JSON.readTree(Files.readString(file)).path("result").forEach(out::add);
        return out;
    }

    private static ObjectNode strip(ObjectNode n) { n.remove("seq"); return n; }

    /** A lead as it already is (createdAt and updatedAt as given), with no change to follow. */
    public FakeMarketoSource existingLead(ObjectNode lead) {
        putLead(lead, false);
        return this;
    }

    /** An opportunity as it already is (Marketo records no change for it). */
    public FakeMarketoSource existingOpportunity(ObjectNode opportunity) {
        opportunities.add(opportunity);
        return this;
    }

    /** An opportunity role as it already is (Marketo records no change for it). */
    public FakeMarketoSource existingRole(ObjectNode role) {
        roles.add(role);
        return this;
    }

    /** A new lead (createdAt now): a New Lead change. */
    public FakeMarketoSource addLead(ObjectNode lead) {
        lead.put("createdAt", Instant.now().toString());
        putLead(lead, true);
        return this;
    }

    private void putLead(ObjectNode lead, boolean recordChange) {
        lead.put("updatedAt", lead.path("updatedAt").asText(Instant.now().toString()));
        long id = lead.get("id").asLong();
        boolean isNew = !leads.containsKey(id);
        leads.put(id, lead);
        if (lead.hasNonNull("email")) marketo.lead(id, lead.get("email").asText());
        if (recordChange) change(id, isNew ? 12 : 13, null);
    }

    /** Changes a lead field now: a Data Value Change activity. */
    public FakeMarketoSource updateLead(long id, String field, Object value) {
        ObjectNode l = leads.get(id);
        l.set(field, JSON.valueToTree(value));
        l.put("updatedAt", Instant.now().toString());
        change(id, 13, field);
        return this;
    }

    private void change(long id, int type, String field) {
        ObjectNode a = JSON.createObjectNode();
        a.put("id", activityIds.incrementAndGet());
        a.put("marketoGUID", String.valueOf(activityIds.get()));
        a.put("leadId", id);
        a.put("activityDate", Instant.now().toString());
        a.put("activityTypeId", type);
        ArrayNode fields = a.putArray("fields");
        if (field != null) fields.addObject().put("name", field);
        addEntry(changes, a);
    }

    /** Deletes a lead now (also from the destination side's lists). */
    public FakeMarketoSource deleteLead(long id) {
        leads.remove(id);
        marketo.deleteLead(id);
        ObjectNode d = JSON.createObjectNode();
        d.put("id", activityIds.incrementAndGet());
        d.put("leadId", id);
        d.put("activityDate", Instant.now().toString());
        d.put("activityTypeId", 37);
        d.put("primaryAttributeValue", "deleted");
        addEntry(deleted, d);
        return this;
    }

    /** An activity (activityDate as given, else now). */
    public FakeMarketoSource addActivity(ObjectNode a) {
        if (!a.has("activityDate")) a.put("activityDate", Instant.now().toString());
        if (!a.has("id")) a.put("id", activityIds.incrementAndGet());
        if (!a.has("marketoGUID")) a.put("marketoGUID", a.get("id").asText());
        addEntry(activities, a);
        return this;
    }

    /** Many activities at once (sorted once): for volume and crash tests. */
    public FakeMarketoSource addActivities(List<ObjectNode> batch) {
        synchronized (activities) {
            List<Entry> all = new ArrayList<>(activities);
            for (ObjectNode a : batch) {
                long at = Instant.parse(a.get("activityDate").asText()).toEpochMilli();
                all.add(new Entry(at, seq.incrementAndGet(), a));
            }
            all.sort(Comparator.comparingLong(Entry::dateMillis).thenComparingLong(Entry::seq));
            activities.clear();
            activities.addAll(all);
        }
        return this;
    }

    /** A custom lead field of this Marketo data type (integer, float, currency, boolean, date, datetime, string…). */
    public FakeMarketoSource leadField(String name, String dataType) {
        leadFieldTypes.put(name, dataType);
        return this;
    }

    public FakeMarketoSource staticList(long id, String name) {
        marketo.list(id);
        listNames.put(id, name);
        return this;
    }

    private void addEntry(List<Entry> list, ObjectNode a) {
        long at = Instant.parse(a.get("activityDate").asText().replaceFirst("\\+0000$", "Z")).toEpochMilli();
        synchronized (list) {
            list.add(new Entry(at, seq.incrementAndGet(), a));
            List<Entry> sorted = new ArrayList<>(list);
            sorted.sort(Comparator.comparingLong(Entry::dateMillis).thenComparingLong(Entry::seq));
            list.clear();
            list.addAll(sorted);
        }
    }

    public int activityCount() { return activities.size(); }

    // ---- behaviour --------------------------------------------------------------------------

    public FakeMarketoSource dailyQuota(long n) { dailyQuota = n; return this; }

    public FakeMarketoSource maxConcurrent(int n) { maxConcurrent = n; return this; }

    /** How export files write a value the lead does not have ("null", as Marketo does, or an empty cell). */
    public FakeMarketoSource exportNullsAs(String text) { exportNull = text; return this; }

    /** Status polls a job spends queued and processing each. */
    public FakeMarketoSource statusPollsPerStage(int n) { statusPollsPerStage = n; return this; }

    /** Every source call takes this long (to let concurrency build up). */
    public FakeMarketoSource latency(Duration d) { latency = d; return this; }

    /** While held, export jobs stay Processing: their files are written (the leads' state taken) once released. */
    public FakeMarketoSource holdExports(boolean held) { exportsHeld = held; return this; }

    /** The next export file download breaks after this share of its bytes (the connection closes). */
    public FakeMarketoSource breakNextFile(double share) { breakNextFile = share; return this; }

    /** The next export file download is held after this share of its bytes (see FakeServer#pauseBodiesUntil). */
    public FakeMarketoSource holdNextFile(double share) { holdNextFile = share; return this; }

    /** The next {@code calls} calls of {@code path} answer HTTP 503 (that endpoint's outage; other calls go on). */
    public FakeMarketoSource failCalls(String path, int calls) { outages.put(path, new AtomicInteger(calls)); return this; }

    /** Calls of {@code path} still to fail. */
    public int failuresLeft(String path) { return Math.max(0, outages.getOrDefault(path, new AtomicInteger()).get()); }

    /** Export file downloads, completed or broken. */
    public int fileDownloads() { return fileDownloads.get(); }

    public int callsToday() { return callsToday.get(); }

    public int exportsCreated() { return exportsCreated.get(); }

    // ---- endpoints --------------------------------------------------------------------------

    @Override
    public ExtensionReply handle(String method, String path, RecordedRequest req) throws Exception {
        if (!mine(method, path, req)) return null;
        AtomicInteger outage = outages.get(path);
        if (outage != null && outage.getAndDecrement() > 0) return new ExtensionReply(503, "text/html", "<html>503 Service Unavailable</html>");
        if (callsToday.incrementAndGet() > dailyQuota) return error(607, "Daily quota reached");
        if (inFlight.incrementAndGet() > maxConcurrent) {
            inFlight.decrementAndGet();
            return error(615, "Concurrent access limit reached");
        }
        try {
            if (!latency.isZero()) Thread.sleep(latency.toMillis());
            return route(method, path, req);
        } catch (BadRequest e) {
            return error(1003, e.getMessage());
        } finally {
            inFlight.decrementAndGet();
        }
    }

    private boolean mine(String method, String path, RecordedRequest req) {
        if (path.startsWith("/bulk/v1/leads/export/") || path.startsWith("/rest/v1/activities")
                || path.startsWith("/rest/v1/companies") || path.startsWith("/rest/v1/opportunities")
                || path.equals("/rest/v1/stats/usage.json") || path.equals("/rest/asset/v1/staticLists.json")
                || path.equals("/rest/v1/leads/describe.json")) return true;
        if (path.equals("/rest/v1/leads.json") && method.equals("GET")) return req.query("filterType").contains("id");
        return method.equals("GET") && LIST_LEADS.matcher(path).matches();
    }

    private ExtensionReply route(String method, String path, RecordedRequest req) throws Exception {
        switch (path) {
            case "/rest/v1/activities/pagingtoken.json" -> {
                List<String> since = req.query("sinceDatetime");
                if (since.isEmpty()) return error(1003, "sinceDatetime is required");
                long at = Instant.parse(since.get(0)).toEpochMilli();
                return ok(Map.of("nextPageToken", token(at - 1, Long.MAX_VALUE)), null);
            }
            case "/rest/v1/activities.json" -> {
                List<String> types = List.of(String.join(",", req.query("activityTypeIds")).split(","));
                if (types.size() > 10 || types.get(0).isBlank()) return error(1003, "activityTypeIds: 1 to 10 ids required");
                Set<Long> wanted = types.stream().map(Long::parseLong).collect(Collectors.toSet());
                return page(activities, req, e -> wanted.contains(e.body().path("activityTypeId").asLong()));
            }
            case "/rest/v1/activities/leadchanges.json" -> {
                if (req.query("fields").isEmpty()) return error(1003, "fields is required");
                return page(changes, req, e -> true);
            }
            case "/rest/v1/activities/deletedleads.json" -> {
                return page(deleted, req, e -> true);
            }
            case "/rest/v1/leads.json" -> {
                return ok(null, byFilter(new ArrayList<>(leads.values()), req, "id", List.of("id", "updatedAt", "lastName", "email", "createdAt", "firstName")));
            }
            case "/rest/v1/leads/describe.json" -> {
                List<ObjectNode> fields = new ArrayList<>();
                int id = 0;
                for (var f : new java.util.TreeMap<>(leadFieldTypes).entrySet()) {
                    ObjectNode d = JSON.createObjectNode().put("id", ++id).put("displayName", f.getKey()).put("dataType", f.getValue());
                    if (f.getValue().equals("string")) d.put("length", 255);
                    d.putObject("rest").put("name", f.getKey()).put("readOnly", f.getKey().equals("id"));
                    d.putObject("soap").put("name", Character.toUpperCase(f.getKey().charAt(0)) + f.getKey().substring(1))
                            .put("readOnly", f.getKey().equals("id"));
                    fields.add(d);
                }
                return ok(null, fields);
            }
            case "/rest/v1/companies.json" -> {
                return ok(null, byFilter(companies, req, "externalCompanyId", List.of("id", "externalCompanyId", "createdAt", "updatedAt")));
            }
            case "/rest/v1/opportunities.json" -> {
                return ok(null, byFilter(opportunities, req, "externalOpportunityId", List.of("marketoGUID", "externalOpportunityId", "createdAt", "updatedAt")));
            }
            case "/rest/v1/opportunities/roles.json" -> {
                return ok(null, byFilter(roles, req, null, List.of("marketoGUID", "externalOpportunityId", "leadId", "role", "isPrimary")));
            }
            case "/rest/v1/stats/usage.json" -> {
                ObjectNode day = JSON.createObjectNode();
                day.put("date", LocalDate.now(ZoneId.of("America/Chicago")) + "T00:00:00Z");
                day.put("total", callsToday.get());
                day.putArray("users").addObject().put("userId", "cohort@api.test").put("count", callsToday.get());
                return ok(null, List.of(day));
            }
            case "/rest/asset/v1/staticLists.json" -> {
                int offset = Integer.parseInt(req.query("offset").stream().findFirst().orElse("0"));
                int max = Integer.parseInt(req.query("maxReturn").stream().findFirst().orElse("20"));
                List<Long> ids = marketo.listIds().stream().sorted().toList();
                List<ObjectNode> out = new ArrayList<>();
                for (int i = offset; i < Math.min(ids.size(), offset + max); i++) {
                    out.add(JSON.createObjectNode().put("id", ids.get(i)).put("name", listNames.getOrDefault(ids.get(i), "List " + ids.get(i))));
                }
                if (out.isEmpty()) { // the asset API answers "nothing" with a warning and no result
                    return json(Map.of("requestId", "fake#l", "success", true, "warnings", List.of("No assets found for the given search criteria.")));
                }
                return ok(null, out);
            }
            case "/bulk/v1/leads/export/create.json" -> {
                return createExport(JSON.readTree(req.body()));
            }
            default -> { }
        }
        Matcher m = LIST_LEADS.matcher(path);
        if (m.matches()) {
            List<ObjectNode> members = marketo.members(Long.parseLong(m.group(1))).stream().sorted()
                    .map(id -> JSON.createObjectNode().put("id", id)).toList();
            return offsetPage(members, req);
        }
        Matcher e = EXPORT.matcher(path);
        if (e.matches()) return export(e.group(1), e.group(2));
        return null;
    }

    /** A token-paged read: entries after the token's position, batchSize at most. */
    private ExtensionReply page(List<Entry> list, RecordedRequest req, java.util.function.Predicate<Entry> filter) {
        List<String> t = req.query("nextPageToken");
        if (t.isEmpty()) return error(1003, "nextPageToken is required");
        long[] pos = position(t.get(0));
        if (pos == null) return error(1003, "Invalid nextPageToken");
        int batch = Integer.parseInt(req.query("batchSize").stream().findFirst().orElse("300"));
        List<Entry> after = list.stream().filter(x -> x.dateMillis() > pos[0] || (x.dateMillis() == pos[0] && x.seq() > pos[1]))
                .toList();
        List<ObjectNode> result = new ArrayList<>();
        long[] last = pos;
        int i = 0;
        for (; i < after.size() && result.size() < batch; i++) {
            Entry x = after.get(i);
            last = new long[] {x.dateMillis(), x.seq()};
            if (filter.test(x)) result.add(x.body());
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("requestId", "fake#a");
        body.put("success", true);
        body.put("nextPageToken", token(last[0], last[1]));
        body.put("moreResult", i < after.size());
        if (!result.isEmpty()) body.put("result", result);
        return json(body);
    }

    private static String token(long dateMillis, long seq) {
        return Base64.getEncoder().encodeToString((dateMillis + ":" + seq).getBytes(StandardCharsets.UTF_8));
    }

    private static long[] position(String token) {
        try {
            String[] p = new String(Base64.getDecoder().decode(token), StandardCharsets.UTF_8).split(":");
            return new long[] {Long.parseLong(p[0]), Long.parseLong(p[1])};
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** filterType/filterValues on a field (null: the field named by filterType), with fields projection. */
    private static List<ObjectNode> byFilter(List<ObjectNode> all, RecordedRequest req, String onlyType, List<String> defaults) {
        String type = req.query("filterType").stream().findFirst().orElse(null);
        if (type == null || (onlyType != null && !onlyType.equals(type))) {
            throw new BadRequest("filterType " + type + " is not searchable");
        }
        Set<String> values = Set.of(String.join(",", req.query("filterValues")).split(","));
        List<String> fields = req.query("fields").isEmpty() ? defaults : List.of(String.join(",", req.query("fields")).split(","));
        List<ObjectNode> out = new ArrayList<>();
        int seq = 0;
        for (ObjectNode n : all) {
            if (!values.contains(n.path(type).asText())) continue;
            ObjectNode p = JSON.createObjectNode();
            p.put("seq", seq++);
            for (String f : fields) if (n.has(f)) p.set(f, n.get(f));
            out.add(p);
        }
        return out;
    }

    private ExtensionReply offsetPage(List<ObjectNode> all, RecordedRequest req) {
        int batch = Integer.parseInt(req.query("batchSize").stream().findFirst().orElse("300"));
        int from = req.query("nextPageToken").isEmpty() ? 0 : Integer.parseInt(new String(Base64.getDecoder().decode(req.query("nextPageToken").get(0))));
        List<ObjectNode> page = all.subList(Math.min(from, all.size()), Math.min(all.size(), from + batch));
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("requestId", "fake#m");
        body.put("success", true);
        body.put("result", page);
        if (from + batch < all.size()) {
            body.put("moreResult", true);
            body.put("nextPageToken", Base64.getEncoder().encodeToString(String.valueOf(from + batch).getBytes(StandardCharsets.UTF_8)));
        }
        return json(body);
    }

    private ExtensionReply createExport(JsonNode body) {
        JsonNode filter = body.path("filter");
        String kind = filter.has("createdAt") ? "createdAt" : filter.has("updatedAt") ? "updatedAt" : null;
        if (kind == null || !body.path("fields").isArray()) return error(1003, "fields and a createdAt or updatedAt filter are required");
        Instant start = Instant.parse(filter.path(kind).path("startAt").asText());
        Instant end = Instant.parse(filter.path(kind).path("endAt").asText());
        if (Duration.between(start, end).compareTo(Duration.ofDays(31)) > 0) return error(1003, "Date range exceeds 31 days");
        long queued = exports.values().stream().filter(x -> !x.path("status").asText().equals("Completed")).count();
        if (queued >= 10) return error(1029, "Too many jobs (10) in queue");
        String id = UUID.randomUUID().toString();
        ObjectNode job = JSON.createObjectNode();
        job.put("exportId", id);
        job.put("status", "Created");
        job.put("format", "CSV");
        job.put("createdAt", Instant.now().toString());
        job.set("request", body);
        job.put("polls", 0);
        exports.put(id, job);
        exportsCreated.incrementAndGet();
        return ok(null, List.of(job.deepCopy().without(List.of("request", "polls"))));
    }

    private ExtensionReply export(String id, String action) {
        ObjectNode job = exports.get(id);
        if (job == null) return error(1003, "Export job not found");
        switch (action) {
            case "enqueue" -> {
                if (!job.path("status").asText().equals("Created")) return error(1029, "Export already queued");
                job.put("status", "Queued");
                job.put("queuedAt", Instant.now().toString());
            }
            case "status" -> {
                int polls = job.path("polls").asInt() + 1;
                job.put("polls", polls);
                String s = job.path("status").asText();
                if (s.equals("Queued") && polls >= statusPollsPerStage) {
                    job.put("status", "Processing");
                    job.put("polls", 0);
                } else if (s.equals("Processing") && polls >= statusPollsPerStage && !exportsHeld) {
                    job.put("status", "Completed");
                    job.put("finishedAt", Instant.now().toString());
                    job.put("file", csv(job.get("request")));
                    job.put("numberOfRecords", job.get("file").asText().split("\n").length - 1);
                }
            }
            case "file" -> {
                if (!job.path("status").asText().equals("Completed")) return error(1003, "Export not completed");
                fileDownloads.incrementAndGet();
                String file = job.get("file").asText();
                double cut = breakNextFile;
                breakNextFile = 0;
                double hold = holdNextFile;
                holdNextFile = 0;
                if (hold > 0) {
                    int at = (int) (file.getBytes(java.nio.charset.StandardCharsets.UTF_8).length * hold);
                    return new ExtensionReply(200, "text/csv", file, Map.of(io.cohort.destination.fake.FakeServer.PAUSE_AT, String.valueOf(at)));
                }
                if (cut > 0) {
                    int at = (int) (file.getBytes(java.nio.charset.StandardCharsets.UTF_8).length * cut);
                    return new ExtensionReply(200, "text/csv", file, Map.of(io.cohort.destination.fake.FakeServer.TRUNCATE_AT, String.valueOf(at)));
                }
                return new ExtensionReply(200, "text/csv", file);
            }
            default -> { }
        }
        return ok(null, List.of(job.deepCopy().without(List.of("request", "polls", "file"))));
    }

    /** The leads of the job's window, as they are now, in CSV with the requested columns. */
    private String csv(JsonNode request) {
        String kind = request.path("filter").has("createdAt") ? "createdAt" : "updatedAt";
        Instant start = Instant.parse(request.path("filter").path(kind).path("startAt").asText());
        Instant end = Instant.parse(request.path("filter").path(kind).path("endAt").asText());
        List<String> fields = new ArrayList<>();
        request.path("fields").forEach(f -> fields.add(f.asText()));
        StringBuilder out = new StringBuilder(String.join(",", fields)).append('\n');
        leads.values().stream().sorted(Comparator.comparingLong(l -> l.get("id").asLong())).forEach(l -> {
            Instant at = Instant.parse(l.path(kind).asText());
            if (at.isBefore(start) || at.isAfter(end)) return;
            out.append(fields.stream().map(f -> {
                JsonNode v = l.get(f);
                String s = v == null || v.isNull() ? exportNull : v.asText();
                return s.contains(",") || s.contains("\"") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
            }).collect(Collectors.joining(","))).append('\n');
        });
        return out.toString();
    }

    private static ExtensionReply ok(Map<String, Object> extra, List<? extends JsonNode> result) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("requestId", "fake#s");
        body.put("success", true);
        if (result != null) body.put("result", result);
        if (extra != null) body.putAll(extra);
        return json(body);
    }

    private static ExtensionReply json(Object body) {
        try {
            return new ExtensionReply(200, "application/json", JSON.writeValueAsString(body));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static ExtensionReply error(int code, String message) {
        return json(Map.of("requestId", "fake#e", "success", false,
                "errors", List.of(Map.of("code", String.valueOf(code), "message", message))));
    }

    /** A request Marketo answers with 1003. */
    private static final class BadRequest extends RuntimeException {
        BadRequest(String m) { super(m); }
    }
}
